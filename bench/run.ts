import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { startThrowawayPostgres } from '../test/support/postgres-server.ts';
import { runBench } from './bench.ts';
import { FULL, QUICK } from './options.ts';
import { renderReport } from './report.ts';
import { summaryLine } from './summary.ts';

const program = new Command()
  .name('npm run bench --')
  .description('Measure Tally against bare node:http and the raw store; the last line printed is a JSON summary.')
  .option('--quick', 'short runs, 100k seeded responses, SQLite unless --store says otherwise; writes no report')
  .addOption(new Option('--store <store>', 'which stores to measure').choices(['sqlite', 'postgres', 'both']))
  .option('--out <file>', 'where the full run writes its report', 'docs/benchmarks.md')
  .parse();

const STORES = { sqlite: ['sqlite'], postgres: ['postgres'], both: ['sqlite', 'postgres'] } as const;
const flags = program.opts<{ quick?: boolean; out: string; store?: keyof typeof STORES }>();
const options = { ...(flags.quick ? QUICK : FULL), ...(flags.store && { stores: [...STORES[flags.store]] }) };
const args = process.argv.slice(2);
const command = args.length > 0 ? `npm run bench -- ${args.join(' ')}` : 'npm run bench';
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
