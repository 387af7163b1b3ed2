import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { startThrowawayPostgres } from '../test/support/postgres-server.ts';
import { runBench } from './bench.ts';
import { FULL, QUICK } from './options.ts';
import { renderReport } from './report.ts';
import { summaryLine } from './summary.ts';

const program = new Command()
  .name('npm run bench --')
  .description('Measure Tally against bare node:http and the raw store; the last line printed is a JSON summary.')
  .option('--quick', 'SQLite only, short runs, 100k seeded responses: under a minute; writes no report')
  .option('--out <file>', 'where the full run writes its report', 'docs/benchmarks.md')
  .parse();

const flags = program.opts<{ quick?: boolean; out: string }>();
const options = flags.quick ? QUICK : FULL;
const command = flags.quick ? 'npm run bench -- --quick' : 'npm run bench';
const log = (line: string) => console.error(`[bench] ${line}`);
const postgres =
  options.stores.includes('postgres') && !options.databaseUrl ? await startThrowawayPostgres() : undefined;
if (postgres) log('TALLY_BENCH_DATABASE_URL is unset: started a throwaway PostgreSQL for this run');
const result = await runBench({ ...options, databaseUrl: options.databaseUrl ?? postgres?.url }, log).finally(() =>
  postgres?.remove(),
);
if (!flags.quick) {
  writeFileSync(flags.out, renderReport(result, command));
  console.error(`[bench] wrote ${flags.out}`);
}
console.log(summaryLine(result));
