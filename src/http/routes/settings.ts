import { SettingsBody, SettingsReply } from '../../contract/settings.ts';
import type { Context } from '../../ledger/context.ts';
import { getSettings, setTimeZone } from '../../reports/settings.ts';
import { requireScope, workspaceOf } from '../auth.ts';
import type { App } from '../server.ts';

/** The workspace's own settings: for now, the time zone its days are counted in. */
export function settingsRoutes(ctx: Context) {
  return (app: App) => {
    app.get(
      '/v1/settings',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'getSettings',
          summary: "The workspace's settings",
          tags: ['read'],
          response: { 200: SettingsReply },
        },
      },
      async (request) => getSettings({ ctx, input: { workspaceId: workspaceOf(request) } }),
    );

    app.put(
      '/v1/settings',
      {
        preHandler: requireScope('admin'),
        schema: {
          operationId: 'setSettings',
          summary: "Set the workspace's time zone",
          description:
            'An unknown zone is 400 invalid_request and changes nothing. Past usage is regrouped into the new zone’s days on the next read; nothing is rewritten.',
          tags: ['admin'],
          body: SettingsBody,
          response: { 200: SettingsReply },
        },
      },
      async (request) =>
        setTimeZone({ ctx, input: { workspaceId: workspaceOf(request), timeZone: request.body.timeZone } }),
    );
  };
}
