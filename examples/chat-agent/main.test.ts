import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../test/support/http.ts';
import { describeStores } from '../../test/support/stores.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = fileURLToPath(new URL('./main.ts', import.meta.url));

async function runExample(env: Record<string, string>, messages: string[]) {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', main, ...messages], {
    cwd: root,
    env: { ...process.env, ...env },
  });
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describeStores('the example chat agent', (ctx) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer(ctx.store);
  });
  afterEach(() => server.close());

  it('answers and charges each message, and is refused once the credits are gone', async () => {
    const ws = await server.workspace(2);
    const lines = await runExample({ TALLY_URL: server.url, TALLY_API_KEY: ws.key }, [
      'Hello',
      'Opening hours?',
      'Bye',
    ]);
    expect(lines).toEqual([
      { message: 'Hello', reply: 'You said "Hello". How else can I help?', charged: 1 },
      { message: 'Opening hours?', reply: 'You said "Opening hours?". How else can I help?', charged: 1 },
      { message: 'Bye', error: 'insufficient_credits' },
    ]);
    const usage = await server.call('GET', '/v1/usage/summary', { key: ws.key });
    expect(usage.body).toMatchObject({ responses: 2, chats: 1, creditsUsed: 2 });
  });

  it('charges the premium features named in TALLY_FEATURES', async () => {
    const ws = await server.workspace(2);
    const env = { TALLY_URL: server.url, TALLY_API_KEY: ws.key, TALLY_FEATURES: 'voice:elevenlabs' };
    expect(await runExample(env, ['Hello', 'Still there?'])).toEqual([
      { message: 'Hello', reply: 'You said "Hello". How else can I help?', charged: 1.5 },
      { message: 'Still there?', error: 'insufficient_credits' },
    ]);
  });
});
