import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './tally-process.ts';

/**
 * Each test appends what it measured to one JSON-lines file (set TALLY_RELIABILITY_FIGURES to
 * choose it), so a run's figures can be copied into docs/reliability.md; they also go to stdout.
 */
export function recordFigure(name: string, figures: Record<string, number>): void {
  const line = JSON.stringify({ name, at: new Date().toISOString(), ...figures });
  console.log(`[reliability] ${line}`);
  const file = process.env.TALLY_RELIABILITY_FIGURES ?? join(REPO_ROOT, 'test/reliability/.figures.jsonl');
  appendFileSync(file, `${line}\n`);
}
