import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('configuration from the environment', () => {
  it('runs the embedded SQLite default with the demo when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: null,
      demo: true,
      sqliteSynchronous: 'full',
    });
    expect(config.sqliteFile.endsWith('data/tally.db')).toBe(true);
  });

  it('switches to PostgreSQL, without the demo, when a database URL is given', () => {
    const config = loadConfig({ TALLY_DATABASE_URL: 'postgres://u:p@db:5432/tally' });
    expect(config.databaseUrl).toBe('postgres://u:p@db:5432/tally');
    expect(config.demo).toBe(false);
  });

  it('sends the shown reads to a replica only beside a PostgreSQL primary', () => {
    const config = loadConfig({
      TALLY_DATABASE_URL: 'postgres://u:p@primary:5432/tally',
      TALLY_DATABASE_READ_URL: 'postgres://u:p@replica:5432/tally',
    });
    expect(config.databaseReadUrl).toBe('postgres://u:p@replica:5432/tally');
    expect(loadConfig({ TALLY_DATABASE_URL: 'postgres://u:p@primary:5432/tally' }).databaseReadUrl).toBeNull();
    expect(() => loadConfig({ TALLY_DATABASE_READ_URL: 'postgres://u:p@replica:5432/tally' })).toThrow(
      /TALLY_DATABASE_READ_URL names a read replica of PostgreSQL, but TALLY_DATABASE_URL is unset.*SQLite/,
    );
  });

  it('names every bad value at once, without echoing a password', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        TALLY_DEMO: 'maybe',
        TALLY_DATABASE_URL: 'mysql://u:secret@h/db',
        TALLY_ADMIN_KEY: 'short',
        TALLY_SECRET_KEY: 'nope',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('PORT must be a whole number');
    expect(problems).toContain('TALLY_DEMO must be 1 or 0');
    expect(problems).toContain('TALLY_DATABASE_URL must be a postgres: or postgresql: URL');
    expect(problems).toContain('TALLY_ADMIN_KEY must be at least 24 characters');
    expect(problems).toContain('TALLY_SECRET_KEY must be 32 random bytes');
    expect(problems).not.toContain('secret@');
  });

  it('chooses payments: Stripe with its keys, manual in the demo, else off; never free unless asked', () => {
    const stripeKeys = { TALLY_STRIPE_SECRET_KEY: 'sk_test_x', TALLY_STRIPE_WEBHOOK_SECRET: 'whsec_x' };
    expect(loadConfig({ TALLY_DEMO: '0' }).payments).toBe('off');
    expect(loadConfig({ TALLY_DEMO: '1' }).payments).toBe('manual');
    expect(loadConfig({ TALLY_DATABASE_URL: 'postgres://db/tally' }).payments).toBe('off');
    expect(loadConfig({ ...stripeKeys, TALLY_DEMO: '1' }).payments).toBe('stripe');
    expect(loadConfig({ TALLY_DEMO: '0', TALLY_PAYMENTS: 'manual' }).payments).toBe('manual');
    expect(loadConfig({ ...stripeKeys, TALLY_PAYMENTS: 'off' }).payments).toBe('off');
    expect(loadConfig({ TALLY_UPGRADE_URL: 'https://host.example/billing' }).upgradeUrl).toBe(
      'https://host.example/billing',
    );
  });

  it('refuses Stripe payments without the Stripe keys, an unknown mode and a relative upgrade URL', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ TALLY_PAYMENTS: 'stripe', TALLY_STRIPE_SECRET_KEY: 'sk_test_x' })).toEqual([
      'TALLY_PAYMENTS=stripe needs TALLY_STRIPE_WEBHOOK_SECRET to be set.',
    ]);
    expect(problems({ TALLY_PAYMENTS: 'stripe' })).toEqual([
      'TALLY_PAYMENTS=stripe needs TALLY_STRIPE_SECRET_KEY and TALLY_STRIPE_WEBHOOK_SECRET to be set.',
    ]);
    expect(problems({ TALLY_PAYMENTS: 'free' })).toEqual([
      'TALLY_PAYMENTS must be one of stripe, manual, off (got "free").',
    ]);
    expect(problems({ TALLY_UPGRADE_URL: '/billing' })).toEqual([
      'TALLY_UPGRADE_URL must be a https: or http: URL (got "/billing").',
    ]);
  });

  it('takes the embed origins as a list, and refuses one with a path or another scheme', () => {
    expect(loadConfig({}).embedOrigins).toEqual([]);
    expect(loadConfig({ TALLY_EMBED_ORIGINS: 'https://app.example.com, http://localhost:5173' }).embedOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    for (const bad of ['https://app.example.com/usage', 'ftp://files.example.com', 'app.example.com', '*']) {
      expect(() => loadConfig({ TALLY_EMBED_ORIGINS: bad })).toThrow(/TALLY_EMBED_ORIGINS must list http\(s\) origins/);
    }
  });

  it('sends mail only with an SMTP URL and a sender, and never echoes the SMTP password', () => {
    expect(loadConfig({}).smtpUrl).toBeNull();
    const mail = loadConfig({
      TALLY_SMTP_URL: 'smtps://u:p4ss@mail.example.com:465',
      TALLY_MAIL_FROM: 'billing@example.com',
    });
    expect(mail).toMatchObject({ smtpUrl: 'smtps://u:p4ss@mail.example.com:465', mailFrom: 'billing@example.com' });
    expect(() => loadConfig({ TALLY_SMTP_URL: 'smtp://mail.example.com' })).toThrow(
      /TALLY_SMTP_URL needs TALLY_MAIL_FROM/,
    );
    let error: unknown;
    try {
      loadConfig({ TALLY_SMTP_URL: 'http://u:p4ss@mail.example.com', TALLY_MAIL_FROM: 'a@example.com' });
    } catch (caught) {
      error = caught;
    }
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('TALLY_SMTP_URL must be a smtp: or smtps: URL');
    expect(problems).not.toContain('p4ss');
  });
});
