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

export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));
