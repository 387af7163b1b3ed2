import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { startThrowawayPostgres } from '../test/support/postgres-server.ts';
import { machine, processScalingOptions, runBench } from './bench.ts';
import { FULL, QUICK } from './options.ts';
import { measureProcessScaling } from './process-scaling.ts';
import { renderProcessScaling } from './process-scaling-report.ts';
import { renderReport } from './report.ts';
import { summaryLine } from './summary.ts';

const program = new Command()
  .name('npm run bench --')
  .description('Measure Tally against bare node:http and the raw store; the last line printed is a JSON summary.')
  .option('--quick', 'short runs, 100k seeded responses, SQLite unless --store says otherwise; writes no report')
  .addOption(new Option('--store <store>', 'which stores to measure').choices(['sqlite', 'postgres', 'both']))
  .option(
    '--processes',
    'only 1, 2 and 4 Tally processes on one PostgreSQL (--quick: 3 s each); prints their table, writes no report',
  )
  .option('--out <file>', 'where the full run writes its report', 'docs/benchmarks.md')
  .parse();

const STORES = { sqlite: ['sqlite'], postgres: ['postgres'], both: ['sqlite', 'postgres'] } as const;
const flags = program.opts<{ quick?: boolean; processes?: boolean; out: string; store?: keyof typeof STORES }>();
const options = {
  ...(flags.quick ? QUICK : FULL),
  ...(flags.store && { stores: [...STORES[flags.store]] }),
  ...(flags.processes && { stores: ['postgres' as const], processCounts: FULL.processCounts }),
};
const args = process.argv.slice(2);
const command = args.length > 0 ? `npm run bench -- ${args.join(' ')}` : 'npm run bench';
const log = (line: string) => console.error(`[bench] ${line}`);
const postgres =
  options.stores.includes('postgres') && !options.databaseUrl ? await startThrowawayPostgres() : undefined;
if (postgres) log('TALLY_BENCH_DATABASE_URL is unset: started a throwaway PostgreSQL for this run');
const databaseUrl = options.databaseUrl ?? postgres?.url;
if (flags.processes && databaseUrl) {
  const scaling = await measureProcessScaling(processScalingOptions(options, databaseUrl), log).finally(() =>
    postgres?.remove(),
  );
  console.error(renderProcessScaling(scaling, machine().cores));
  console.log(JSON.stringify({ store: 'postgres', processes: scaling.runs }));
} else {
  const result = await runBench({ ...options, databaseUrl }, log).finally(() => postgres?.remove());
  if (!flags.quick) {
    writeFileSync(flags.out, renderReport(result, command));
    console.error(`[bench] wrote ${flags.out}`);
  }
  console.log(summaryLine(result));
}
