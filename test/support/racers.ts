import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { RaceOutcome, RacePlan } from './race-worker.ts';

const WORKER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'race-worker.ts');
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Runs one race-worker.ts process per plan: waits until every one has its store open, lets them
 * all go at once, and returns every attempt's outcome. A racer that fails fails the race.
 * `whileRacing`, when given, is called again and again until the last racer exits (to sample
 * what an onlooker sees meanwhile).
 */
export async function runRacers(plans: RacePlan[], whileRacing?: () => Promise<void>): Promise<RaceOutcome[]> {
  const racers = plans.map((plan) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT, JSON.stringify(plan)], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const racer = { child, stdout: '', stderr: '', exited: new Promise<number | null>((r) => child.on('exit', r)) };
    child.stdout?.on('data', (chunk: Buffer) => {
      racer.stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      racer.stderr += chunk.toString();
    });
    return racer;
  });
  try {
    const deadline = Date.now() + 30_000;
    while (!racers.every((r) => r.stdout.includes('ready\n'))) {
      const dead = racers.find((r) => r.child.exitCode !== null);
      if (dead) throw new Error(`a racer exited before the start: ${dead.stderr}`);
      if (Date.now() > deadline) throw new Error('racers did not get ready in 30 s');
      await sleep(10);
    }
    for (const racer of racers) racer.child.stdin?.write('go\n');
    let finished = false;
    const done = Promise.all(racers.map((r) => r.exited)).then((codes) => {
      finished = true;
      return codes;
    });
    while (whileRacing && !finished) {
      await whileRacing();
      await sleep(2);
    }
    const codes = await done;
    return racers.flatMap((racer, i) => {
      if (codes[i] !== 0) throw new Error(`racer ${i} failed (exit ${codes[i]}): ${racer.stderr}`);
      return JSON.parse(racer.stdout.trim().split('\n').at(-1) ?? '[]') as RaceOutcome[];
    });
  } finally {
    for (const racer of racers) if (racer.child.exitCode === null) racer.child.kill();
  }
}
