import pino from 'pino';
import type { Config } from './config.ts';

/** Paths that may hold a secret: never written to a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'authorization',
  'password',
  'authToken',
  'apiKeySecret',
  'secret',
  'key',
  '*.password',
  '*.authToken',
  '*.apiKeySecret',
  '*.secret',
  '*.key',
];

export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream) {
  return pino({ level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}
