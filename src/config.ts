import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultPayments, PAYMENTS_MODES, type PaymentsMode } from './billing/payments-mode.ts';
import { DEFAULT_QUEUE_LIMIT } from './ledger/charge-coalescer.ts';
import { parseSecretKey } from './secrets/secret-key.ts';

/** Every setting Tally reads, from the environment, once, at start. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** A postgres:// URL switches from the embedded SQLite file to PostgreSQL. */
  databaseUrl: string | null;
  /**
   * TALLY_DATABASE_READ_URL: a streaming replica of that PostgreSQL, for reads that only show figures
   * (`Store.replica`); PostgreSQL only.
   */
  databaseReadUrl: string | null;
  sqliteFile: string;
  sqliteSynchronous: 'full' | 'normal';
  adminKey: string | null;
  secretKey: string | null;
  demo: boolean;
  demoPassword: string | null;
  twilioApiUrl: string;
  /** False when TALLY_TWILIO_API_URL is unset: then the demo may point Twilio calls at its local fake. */
  twilioApiUrlSet: boolean;
  stripeApiUrl: string | null;
  stripeSecretKey: string | null;
  stripeWebhookSecret: string | null;
  /** TALLY_PAYMENTS: see PaymentsMode; defaultPayments when unset. */
  payments: PaymentsMode;
  /** TALLY_UPGRADE_URL: where "Upgrade account" goes instead of the dashboard's own upgrade page. */
  upgradeUrl: string | null;
  /** TALLY_PLANS_FILE: the operator's plan catalog (JSON); the built-in catalog when unset. */
  plansFile: string | null;
  /** Requests per minute per API key; 0 turns rate limiting off. */
  rateLimitPerMinute: number;
  bodyLimitBytes: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  publicUrl: string | null;
  /** TALLY_EMBED_ORIGINS: the origins whose pages may frame the dashboard; none, it may not be framed. */
  embedOrigins: string[];
  /** A dashboard session unused this long ends. */
  sessionIdleMinutes: number;
  /** A dashboard session ends this long after sign-in, however much it is used. */
  sessionMaxHours: number;
  /** Dashboard sign-in attempts allowed per email and address in 15 minutes. */
  signInAttempts: number;
  /** The built dashboard that is served at `/`. */
  webDir: string;
  /** How long one outgoing webhook POST may take before it counts as failed and is retried later. */
  webhookTimeoutMs: number;
  /** How often each process looks for webhook deliveries that are due. */
  webhookPollMs: number;
  /**
   * How many single charges may wait in this process for their workspace's running transaction;
   * past it a charge is refused with 503 and Retry-After, recording nothing.
   */
  chargeQueueLimit: number;
  /** TALLY_SMTP_URL (smtp:// or smtps://, may hold a password: never logged): unset, no mail is queued. */
  smtpUrl: string | null;
  /** TALLY_MAIL_FROM: the sender of every notice; required with TALLY_SMTP_URL. */
  mailFrom: string | null;
}

/** Defaults that buildApp also falls back on when a caller (a test) leaves a setting out. */
export const DEFAULT_CONFIG = {
  sessionIdleMinutes: 12 * 60,
  sessionMaxHours: 7 * 24,
  signInAttempts: 10,
  webDir: fileURLToPath(new URL('../web/dist', import.meta.url)),
} as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}").`);
      return fallback;
    }
    return value;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
    problems.push(`${name} must be 1 or 0 (got "${raw}").`);
    return fallback;
  };
  const url = (name: string, fallback: string | null, protocols: string[]): string | null => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
      return raw.replace(/\/$/, '');
    } catch {
      problems.push(`${name} must be a ${protocols.join(' or ')} URL (got "${raw.replace(/\/\/[^@/]*@/, '//***@')}").`);
      return fallback;
    }
  };
  const oneOf = <T extends string>(name: string, fallback: T, values: readonly T[]): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!values.includes(raw as T)) {
      problems.push(`${name} must be one of ${values.join(', ')} (got "${raw}").`);
      return fallback;
    }
    return raw as T;
  };

  const origins = (name: string): string[] => {
    const list = (env[name] ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    return list.filter((entry) => {
      let origin: string | null = null;
      try {
        const parsed = new URL(entry);
        if (parsed.protocol === 'https:' || parsed.protocol === 'http:') origin = parsed.origin;
      } catch {
        // not a URL: named below
      }
      if (origin === entry) return true;
      problems.push(`${name} must list http(s) origins without a path, like https://app.example.com (got "${entry}").`);
      return false;
    });
  };

  const dataDir = resolve(env.TALLY_DATA_DIR || './data');
  const databaseUrl = url('TALLY_DATABASE_URL', null, ['postgres:', 'postgresql:']);
  const databaseReadUrl = url('TALLY_DATABASE_READ_URL', null, ['postgres:', 'postgresql:']);
  if (databaseReadUrl !== null && databaseUrl === null && !env.TALLY_DATABASE_URL) {
    problems.push(
      'TALLY_DATABASE_READ_URL names a read replica of PostgreSQL, but TALLY_DATABASE_URL is unset, so Tally would run on its embedded SQLite file, which has no replicas: set TALLY_DATABASE_URL to the primary, or unset TALLY_DATABASE_READ_URL.',
    );
  }
  const adminKey = env.TALLY_ADMIN_KEY || null;
  if (env.TALLY_SECRET_KEY) {
    try {
      parseSecretKey(env.TALLY_SECRET_KEY, 'TALLY_SECRET_KEY');
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  const demo = flag('TALLY_DEMO', databaseUrl === null);
  const payments = oneOf(
    'TALLY_PAYMENTS',
    defaultPayments({ stripeKeys: Boolean(env.TALLY_STRIPE_SECRET_KEY && env.TALLY_STRIPE_WEBHOOK_SECRET), demo }),
    PAYMENTS_MODES,
  );
  // Stripe's keys come together: without the webhook secret no payment could ever be confirmed.
  const missingStripeKeys = ['TALLY_STRIPE_SECRET_KEY', 'TALLY_STRIPE_WEBHOOK_SECRET'].filter((name) => !env[name]);
  if (payments === 'stripe' && missingStripeKeys.length > 0) {
    problems.push(`TALLY_PAYMENTS=stripe needs ${missingStripeKeys.join(' and ')} to be set.`);
  } else if (missingStripeKeys.length === 1) {
    problems.push(
      'TALLY_STRIPE_SECRET_KEY and TALLY_STRIPE_WEBHOOK_SECRET must be set together (or neither, without Stripe).',
    );
  }
  const smtpUrl = url('TALLY_SMTP_URL', null, ['smtp:', 'smtps:']);
  const mailFrom = env.TALLY_MAIL_FROM || null;
  if (smtpUrl !== null && mailFrom === null) {
    problems.push(
      'TALLY_SMTP_URL needs TALLY_MAIL_FROM, the sender of the notices (e.g. "Tally <billing@example.com>").',
    );
  }
  if (adminKey !== null && adminKey.length < 24) problems.push('TALLY_ADMIN_KEY must be at least 24 characters long.');

  const config: Config = {
    port: integer('PORT', 3000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    dataDir,
    databaseUrl,
    databaseReadUrl,
    sqliteFile: join(dataDir, 'tally.db'),
    sqliteSynchronous: oneOf('TALLY_SQLITE_SYNCHRONOUS', 'full', ['full', 'normal'] as const),
    adminKey,
    secretKey: env.TALLY_SECRET_KEY || null,
    // The demo workspace is the embedded default's welcome; a PostgreSQL deployment starts empty.
    demo,
    demoPassword: env.TALLY_DEMO_PASSWORD || null,
    twilioApiUrl:
      url('TALLY_TWILIO_API_URL', 'https://api.twilio.com', ['https:', 'http:']) ?? 'https://api.twilio.com',
    twilioApiUrlSet: Boolean(env.TALLY_TWILIO_API_URL),
    stripeApiUrl: url('TALLY_STRIPE_API_URL', null, ['https:', 'http:']),
    stripeSecretKey: env.TALLY_STRIPE_SECRET_KEY || null,
    stripeWebhookSecret: env.TALLY_STRIPE_WEBHOOK_SECRET || null,
    payments,
    upgradeUrl: url('TALLY_UPGRADE_URL', null, ['https:', 'http:']),
    plansFile: env.TALLY_PLANS_FILE ? resolve(env.TALLY_PLANS_FILE) : null,
    rateLimitPerMinute: integer('TALLY_RATE_LIMIT_PER_MINUTE', 120_000, 0, 100_000_000),
    bodyLimitBytes: integer('TALLY_BODY_LIMIT_BYTES', 1_048_576, 1024, 64 * 1_048_576),
    logLevel: oneOf('TALLY_LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    publicUrl: url('TALLY_PUBLIC_URL', null, ['https:', 'http:']),
    embedOrigins: origins('TALLY_EMBED_ORIGINS'),
    sessionIdleMinutes: integer('TALLY_SESSION_IDLE_MINUTES', DEFAULT_CONFIG.sessionIdleMinutes, 1, 60 * 24 * 30),
    sessionMaxHours: integer('TALLY_SESSION_MAX_HOURS', DEFAULT_CONFIG.sessionMaxHours, 1, 24 * 365),
    signInAttempts: integer('TALLY_SIGN_IN_ATTEMPTS', DEFAULT_CONFIG.signInAttempts, 1, 10_000),
    webDir: env.TALLY_WEB_DIR ? resolve(env.TALLY_WEB_DIR) : DEFAULT_CONFIG.webDir,
    webhookTimeoutMs: integer('TALLY_WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
    webhookPollMs: integer('TALLY_WEBHOOK_POLL_MS', 2_000, 100, 600_000),
    chargeQueueLimit: integer('TALLY_CHARGE_QUEUE_LIMIT', DEFAULT_QUEUE_LIMIT, 1, 1_000_000),
    smtpUrl,
    mailFrom,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
