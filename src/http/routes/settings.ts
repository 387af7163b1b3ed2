import { SettingsBody, SettingsReply } from '../../contract/settings.ts';
import type { Settings } from '../../reports/settings.ts';
import { requireScope, workspaceOf } from '../auth.ts';
import type { App } from '../server.ts';

/** The workspace's own settings: for now, the time zone its days are counted in. */
export function settingsRoutes(settings: Settings) {
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
      async (request) => settings.get(workspaceOf(request)),
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
      async (request) => settings.setTimeZone(workspaceOf(request), request.body.timeZone),
    );
  };
}
