import type { ProcessScaling } from './process-scaling.ts';
import { round } from './stats.ts';

/** A step that adds less than this share of charges/s is where adding processes stops paying. */
const WORTHWHILE_GAIN = 1.25;

const n = (value: number) => value.toLocaleString('en');
const plural = (count: number) => `${count} process${count > 1 ? 'es' : ''}`;

/** Where the curve bends: the first step (1 → 2, 2 → 4…) that adds less than a quarter, in words. */
export function whereItBends(scaling: ProcessScaling, cores: number): string {
  const steps = scaling.runs.slice(1).map((run, index) => {
    const before = scaling.runs[index] ?? run;
    return { from: before.processes, to: run.processes, gain: run.rps / before.rps, p99: run.p99 / before.p99 };
  });
  const said = steps.map(
    (step) =>
      `${plural(step.from)} → ${step.to}: ×${round(step.gain, 2)} the charges/s, ×${round(step.p99, 2)} the p99`,
  );
  const bend = steps.find((step) => step.gain < WORTHWHILE_GAIN);
  const verdict = bend
    ? `It bends at ${plural(bend.from)} → ${bend.to}, the first step that adds less than ${round((WORTHWHILE_GAIN - 1) * 100, 0)}%.`
    : `No step added less than ${round((WORTHWHILE_GAIN - 1) * 100, 0)}%: it had not bent by ${plural(steps.at(-1)?.to ?? 1)}.`;
  return `${said.join('; ')}. ${verdict} The ${cores} cores of this machine are shared by PostgreSQL, every Tally process and the load generator.`;
}

/** The 1/2/4-process table of docs/benchmarks.md. */
export function renderProcessScaling(scaling: ProcessScaling, cores: number): string {
  const first = scaling.runs[0]?.rps ?? 0;
  const rows = scaling.runs.map(
    (run) =>
      `| ${run.processes} | ${n(run.rps)} | ${first > 0 ? `×${round(run.rps / first, 2)}` : '—'} | ${run.p50} / ${run.p99} ms | ${run.failed} |`,
  );
  return [
    '## Many Tally processes on one PostgreSQL',
    '',
    `Single charges over ${n(scaling.workspaces)} workspaces, ${n(scaling.connections)} connections in all from one load generator, ` +
      `spread round-robin over the processes (each request names the next workspace, whichever process it reaches); ` +
      `${scaling.seconds} s each after an untimed warm-up, a fresh database per row.`,
    '',
    '| Processes | Charges/s | vs 1 process | p50 / p99 | Failed |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    whereItBends(scaling, cores),
  ].join('\n');
}
