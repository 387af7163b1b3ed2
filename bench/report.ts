import type { BenchResult } from './bench.ts';
import { renderProcessScaling } from './process-scaling-report.ts';
import type { Latency } from './stats.ts';
import { round, WARM_UP_CALLS } from './stats.ts';
import type { StoreResult } from './store-suite.ts';
import { targets } from './summary.ts';

type Row = [figure: string, tally: string, floor: string, ratio: string];

const n = (value: number) => value.toLocaleString('en');
const ms = (latency: Latency) => `${latency.p50} / ${latency.p99} ms`;
const share = (tally: number, floor: number) => (floor > 0 ? `${round((tally / floor) * 100, 1)}%` : '—');
const times = (tally: Latency, floor: Latency) =>
  `${round(tally.p50 / floor.p50, 1)}× / ${round(tally.p99 / floor.p99, 1)}×`;

function rows(result: BenchResult, store: StoreResult): Row[] {
  const http = result.httpFloor;
  const atRate = http.atRate[store.store] ?? http.latency;
  const storage = store.store === 'sqlite' ? 'SQLite INSERT+COMMIT' : 'PG autocommitted INSERT ×10 connections';
  return [
    [
      'Single charges, saturated (req/s)',
      n(store.charge.rps),
      `${n(http.rps)} (bare node:http)`,
      share(store.charge.rps, http.rps),
    ],
    [
      'Single charges, saturated (req/s)',
      n(store.charge.rps),
      `${n(store.floors.writesPerSec)} (${storage})`,
      share(store.charge.rps, store.floors.writesPerSec),
    ],
    [
      `Single charges over ${n(store.chargeSpread.workspaces)} workspaces, saturated (req/s)`,
      n(store.chargeSpread.rps),
      `${n(http.rps)} (bare node:http)`,
      share(store.chargeSpread.rps, http.rps),
    ],
    ...(store.postgres
      ? [
          [
            `Single charges over ${n(store.chargeSpread.workspaces)} workspaces, saturated (req/s)`,
            n(store.chargeSpread.rps),
            `${n(store.postgres.floorRps)} (the same load, one autocommitted INSERT per request)`,
            share(store.chargeSpread.rps, store.postgres.floorRps),
          ] satisfies Row,
          [
            'Round trips to PostgreSQL per charge (counted by a proxy)',
            String(store.postgres.roundTripsPerCharge),
            '1 (one autocommitted INSERT)',
            '—',
          ] satisfies Row,
        ]
      : []),
    [
      `Single charge latency at ${n(store.chargeAtRate.rate)} req/s, p50 / p99`,
      `${store.chargeAtRate.p50} / ${store.chargeAtRate.p99} ms`,
      `${ms(atRate)} (bare node:http, same rate)`,
      times({ p50: store.chargeAtRate.p50, p99: store.chargeAtRate.p99, samples: 0 }, atRate),
    ],
    [
      `Batch (${n(store.batch.batchSize)} per request), charged responses/s`,
      n(store.batch.chargesPerSec),
      `${n(store.floors.batchWritesPerSec)} (${n(store.batch.batchSize)} INSERTs per transaction)`,
      share(store.batch.chargesPerSec, store.floors.batchWritesPerSec),
    ],
    [
      'check over HTTP, p50 / p99',
      ms(store.checkHttp),
      `${ms(http.latency)} (bare node:http, 1 connection)`,
      times(store.checkHttp, http.latency),
    ],
    [
      'reserve over HTTP, p50 / p99',
      ms(store.reserveHttp),
      `${ms(http.latency)} (bare node:http, 1 connection)`,
      times(store.reserveHttp, http.latency),
    ],
    [
      'check in-process (ledger service), p50 / p99',
      ms(store.checkInProcess),
      `${ms(store.floors.read)} (primary-key SELECT)`,
      times(store.checkInProcess, store.floors.read),
    ],
    ...store.dashboard.flatMap((run) =>
      (['balance', 'summary', 'history', 'breakdown'] as const).map(
        (read): Row => [
          `Dashboard ${read}, ${n(run.responses)} responses, ${n(run.workspaces)} workspace${run.workspaces > 1 ? 's' : ''}, p50 / p99`,
          ms(run.reads[read]),
          `${ms(http.latency)} (bare node:http, 1 connection)`,
          times(run.reads[read], http.latency),
        ],
      ),
    ),
    [
      'Server RSS: idle / steady under saturated charges / peak',
      `${store.rssMb.idle} / ${store.rssMb.steady} / ${store.rssMb.peak} MB`,
      '—',
      '—',
    ],
  ];
}

function table(header: Row, body: Row[]): string {
  return [header, header.map(() => '---') as Row, ...body].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

/** docs/benchmarks.md: the machine, the command, every figure next to its floor, and the targets. */
export function renderReport(result: BenchResult, command: string): string {
  const { machine, options } = result;
  const sections = result.stores.map((store) =>
    [
      `## ${store.store === 'sqlite' ? 'SQLite (the embedded default)' : 'PostgreSQL'}`,
      '',
      table(['Figure', 'Tally', 'Floor', 'Tally ÷ floor'], rows(result, store)),
      '',
      `Charges the load generator saw succeed: ${n(store.landed.charges)}; credits the balance says were spent: ${n(store.landed.creditsSpent)}. ` +
        `Failed requests: ${store.charge.failed + store.chargeSpread.failed + store.chargeAtRate.failed + store.batch.failed + store.dashboard.reduce((sum, run) => sum + run.failed, 0)}.`,
    ].join('\n'),
  );
  const goals = targets(result).map(
    (target) => `| ${target.store} | ${target.name} | ${target.figure} | ${target.met ? 'met' : '**missed**'} |`,
  );
  return `# Benchmarks

Generated by \`${command}\` on ${result.date.slice(0, 16).replace('T', ' ')} UTC; do not edit by hand, rerun it.

- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGb} GB RAM, Node ${machine.node}.
- Each load run lasts ${options.seconds} s. Tally runs as \`node --import tsx src/cli/main.ts serve\` in a child process
  (rate limiting off, log level warn, SQLite synchronous=full); the load generator (autocannon) runs in the bench process.
  The bare node:http floor is also a child process. Latencies are exact per-request times, not histogram buckets.
- Saturated charges use ${options.connections} connections (${options.postgresConnections} on PostgreSQL, whose floor is the
  same load doing one autocommitted INSERT per request through pg); the fixed-rate run offers half the saturated rate.
  check, reserve and the dashboard reads use one connection (one request at a time). In-process timings
  (check, the primary-key read floor) follow ${n(WARM_UP_CALLS)} untimed warm-up calls.
- The dashboard workspace is seeded by bulk SQL straight into the tables: ${n(options.dashboardResponses)} responses over 90 days,
  their conversations and ledger lines, and daily and quarter-hour rollups aggregated from the same rows. The second measurement adds
  ${n(options.workspaces - 1)} more workspaces of ${n(options.otherWorkspaceResponses)} responses each.

${[...sections, ...(result.processes ? [renderProcessScaling(result.processes, machine.cores)] : [])].join('\n\n')}

## Targets

| Store | Target | Figure | |
| --- | --- | --- | --- |
${goals.join('\n')}

Issues 7 and 12 set these targets for SQLite, the embedded default; PostgreSQL is held to the same yardsticks for comparison.
Where the time goes, what was changed to get here, and why a missed target stays missed: [performance.md](performance.md).
`;
}
