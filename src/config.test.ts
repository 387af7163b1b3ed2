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
});
