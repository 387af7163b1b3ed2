import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { refusal } from '../../test/support/refusal.ts';
import { describeStores } from '../../test/support/stores.ts';
import {
  ACCOUNT_SID,
  API_KEY_SECRET,
  API_KEY_SID,
  AUTH_TOKEN,
  OTHER_ACCOUNT_SID,
  PATHS,
  useTwilioHarness,
} from '../../test/support/twilio.ts';

describeStores('connecting a Twilio account', (ctx) => {
  const t = useTwilioHarness(ctx);

  async function storedConnections() {
    return ctx.store.db.selectFrom('twilio_connections').selectAll().execute();
  }

  describe('happy', () => {
    it('verifies an Account SID and Auth Token with Twilio, stores them and shows the card', async () => {
      const card = await t
        .service()
        .connect({ workspaceId: t.workspaceId, credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } });
      expect(t.fake.count(PATHS.account)).toBe(1);
      expect(card).toMatchObject({
        connected: true,
        accountSid: ACCOUNT_SID,
        authKind: 'auth_token',
        balance: 42.17,
        stale: false,
      });
      const rows = await storedConnections();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        workspace_id: t.workspaceId,
        account_sid: ACCOUNT_SID,
        auth_kind: 'auth_token',
        api_key_sid: null,
      });
    });

    it('connects with an API key SID and secret, and reads figures with it', async () => {
      const service = t.service();
      const card = await service.connect({
        workspaceId: t.workspaceId,
        credentials: { accountSid: ACCOUNT_SID, apiKeySid: API_KEY_SID, apiKeySecret: API_KEY_SECRET },
      });
      expect(card).toMatchObject({ connected: true, authKind: 'api_key', balance: 42.17, stale: false });
      expect((await storedConnections())[0]).toMatchObject({ auth_kind: 'api_key', api_key_sid: API_KEY_SID });
      expect(t.fake.requests.every((r) => r.user === API_KEY_SID)).toBe(true);
    });

    it('replaces an earlier connection and drops the old account figures', async () => {
      const service = t.service();
      await service.connect({
        workspaceId: t.workspaceId,
        credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN },
      });
      const otherToken = 'abcdefabcdefabcdefabcdefabcdef12';
      t.fake.addAccount({ sid: OTHER_ACCOUNT_SID, authToken: otherToken, balance: '7.00' });
      t.clock.advance(1000);
      const card = await service.connect({
        workspaceId: t.workspaceId,
        credentials: { accountSid: OTHER_ACCOUNT_SID, authToken: otherToken },
      });
      expect(card).toMatchObject({ accountSid: OTHER_ACCOUNT_SID, balance: 7, stale: false });
      expect(await storedConnections()).toHaveLength(1);
      const figures = await ctx.store.db.selectFrom('twilio_figures').selectAll().execute();
      expect(figures.map((f) => f.account_sid)).toEqual([OTHER_ACCOUNT_SID]);
    });

    it('disconnects: the card says not connected and nothing is left stored', async () => {
      const service = t.service();
      await service.connect({
        workspaceId: t.workspaceId,
        credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN },
      });
      await service.disconnect({ workspaceId: t.workspaceId });
      await service.disconnect({ workspaceId: t.workspaceId });
      expect(await service.card({ workspaceId: t.workspaceId })).toEqual({ connected: false, stale: false });
      expect(await storedConnections()).toHaveLength(0);
      expect(await ctx.store.db.selectFrom('twilio_figures').selectAll().execute()).toHaveLength(0);
    });
  });

  describe('error', () => {
    it('refuses a wrong Auth Token with a clear 4xx code and stores nothing', async () => {
      const error = await refusal(
        t.service().connect({
          workspaceId: t.workspaceId,
          credentials: { accountSid: ACCOUNT_SID, authToken: 'ffffffffffffffffffffffffffffffff' },
        }),
      );
      expect(error.code).toBe('twilio_credentials_rejected');
      expect(error.message).toContain('Auth Token');
      expect(error.details).toMatchObject({ accountSid: ACCOUNT_SID, twilioCode: 20003 });
      expect(await storedConnections()).toHaveLength(0);
    });

    it('refuses an API key of another account and stores nothing', async () => {
      const otherToken = 'abcdefabcdefabcdefabcdefabcdef12';
      t.fake.addAccount({ sid: OTHER_ACCOUNT_SID, authToken: otherToken });
      const error = await refusal(
        t.service().connect({
          workspaceId: t.workspaceId,
          credentials: { accountSid: OTHER_ACCOUNT_SID, apiKeySid: API_KEY_SID, apiKeySecret: API_KEY_SECRET },
        }),
      );
      expect(error.code).toBe('twilio_credentials_rejected');
      expect(await storedConnections()).toHaveLength(0);
    });

    it('says Twilio is unavailable, and stores nothing, when it cannot verify', async () => {
      await t.fake.set({ failure: 'unavailable' });
      const error = await refusal(
        t
          .service()
          .connect({ workspaceId: t.workspaceId, credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } }),
      );
      expect(error.code).toBe('twilio_unavailable');
      expect(error.details).toMatchObject({ reason: 'twilio_error' });
      expect(await storedConnections()).toHaveLength(0);
    });

    it('times out a slow verification after its budget, and stores nothing', async () => {
      await t.fake.set({ delayMs: 5000 });
      const started = performance.now();
      const error = await refusal(
        t
          .service({ verifyTimeoutMs: 200 })
          .connect({ workspaceId: t.workspaceId, credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } }),
      );
      expect(performance.now() - started).toBeLessThan(2000);
      expect(error.code).toBe('twilio_unavailable');
      expect(error.details).toMatchObject({ reason: 'timeout' });
      expect(await storedConnections()).toHaveLength(0);
    });

    it.each([
      [{}, 'accountSid'],
      [{ accountSid: 'AC123', authToken: AUTH_TOKEN }, 'accountSid'],
      [{ accountSid: ACCOUNT_SID }, undefined],
      [
        { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, apiKeySid: API_KEY_SID, apiKeySecret: API_KEY_SECRET },
        undefined,
      ],
      [{ accountSid: ACCOUNT_SID, apiKeySid: 'AK1', apiKeySecret: API_KEY_SECRET }, 'apiKeySid'],
      [{ accountSid: ACCOUNT_SID, authToken: 'short' }, 'authToken'],
    ])('refuses malformed input %j before asking Twilio', async (input, field) => {
      const error = await refusal(t.service().connect({ workspaceId: t.workspaceId, credentials: input }));
      expect(error.code).toBe('invalid_request');
      if (field) expect(error.details).toMatchObject({ field });
      expect(t.fake.totalRequests).toBe(0);
    });

    it('refuses an unknown workspace with not_found', async () => {
      const error = await refusal(
        t
          .service()
          .connect({ workspaceId: 'ws_nope', credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } }),
      );
      expect(error.code).toBe('not_found');
      expect(t.fake.totalRequests).toBe(0);
    });
  });

  describe('security', () => {
    it('stores the secret sealed, never in clear, and never shows it in the card, errors or logs', async () => {
      const service = t.service();
      const card = await service.connect({
        workspaceId: t.workspaceId,
        credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN },
      });
      const [row] = await storedConnections();
      expect(row?.secret_sealed.startsWith('v1.')).toBe(true);
      expect(row?.secret_sealed).not.toContain(AUTH_TOKEN);
      expect(JSON.stringify(card)).not.toContain(AUTH_TOKEN);

      const wrong = 'ffffffffffffffffffffffffffffffff';
      const error = await refusal(
        service.connect({ workspaceId: t.workspaceId, credentials: { accountSid: ACCOUNT_SID, authToken: wrong } }),
      );
      expect(`${error.message} ${JSON.stringify(error.details)}`).not.toContain(wrong);
      await t.fake.set({ failure: 'reject_credentials' });
      t.clock.advance(120_000);
      await service.card({ workspaceId: t.workspaceId });
      expect(t.logs.length).toBeGreaterThan(0);
      const logged = JSON.stringify(t.logs);
      expect(logged).not.toContain(AUTH_TOKEN);
      expect(logged).not.toContain(wrong);
    });

    it('keeps the Auth Token out of the database file itself', async () => {
      if (ctx.location.kind !== 'sqlite') {
        // PostgreSQL's files are not ours to read; the stored row is what it keeps.
        await t
          .service()
          .connect({ workspaceId: t.workspaceId, credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } });
        const rows = await ctx.store.db.selectFrom('twilio_connections').selectAll().execute();
        expect(JSON.stringify(rows)).toContain(ACCOUNT_SID);
        expect(JSON.stringify(rows)).not.toContain(AUTH_TOKEN);
        return;
      }
      const file = ctx.location.file;
      await t
        .service()
        .connect({ workspaceId: t.workspaceId, credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } });
      // The WAL holds recent writes until a checkpoint; both files are what sits on disk.
      const bytes = Buffer.concat([readFileSync(file), readIfThere(`${file}-wal`)]);
      expect(bytes.includes(ACCOUNT_SID)).toBe(true); // proves the search sees what was written
      expect(bytes.includes(AUTH_TOKEN)).toBe(false);
      expect(bytes.includes(Buffer.from(AUTH_TOKEN, 'hex'))).toBe(false);
      expect(bytes.includes(Buffer.from(AUTH_TOKEN).toString('base64'))).toBe(false);
    });
  });
});

function readIfThere(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    return Buffer.alloc(0);
  }
}
