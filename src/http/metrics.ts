import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** One registry per server, so several servers in one process (tests) keep separate counts. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requestDuration: new Histogram({
      name: 'tally_http_request_duration_seconds',
      help: 'HTTP request latency by route and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    charges: new Counter({
      name: 'tally_charges_total',
      help: 'Responses charged, by outcome (charged, replayed, refused).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    creditsCharged: new Counter({
      name: 'tally_credits_charged_total',
      help: 'Credits taken by charged responses.',
      registers: [registry],
    }),
    insufficientCredits: new Counter({
      name: 'tally_insufficient_credits_total',
      help: 'Requests refused with 402 insufficient_credits.',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
