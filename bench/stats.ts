import { performance } from 'node:perf_hooks';

/** Latency figures in milliseconds, from every sample (not a bucketed histogram). */
export interface Latency {
  p50: number;
  p99: number;
  samples: number;
}

export function latencyOf(samples: number[]): Latency {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: round(at(0.5)), p99: round(at(0.99)), samples: sorted.length };
}

/** Untimed calls before the timed ones, so JIT compilation and cold caches are not counted as the steady state. */
export const WARM_UP_CALLS = 1000;

/** Times `samples` sequential calls of `call`, one at a time, after `WARM_UP_CALLS` untimed ones. */
export async function timeCalls(samples: number, call: () => Promise<unknown>): Promise<Latency> {
  for (let n = 0; n < WARM_UP_CALLS; n++) await call();
  const times: number[] = [];
  for (let n = 0; n < samples; n++) {
    const start = performance.now();
    await call();
    times.push(performance.now() - start);
  }
  return latencyOf(times);
}

export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));
