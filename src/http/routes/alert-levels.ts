import { type LevelsView, setLevels, viewLevels } from '../../alerts/alert-levels.ts';
import { type AlertLevelInput, AlertLevelsBody, AlertLevelsReply } from '../../contract/alert-levels.ts';
import { type AlertLevel, usedBasisPoints } from '../../domain/alert-levels.ts';
import { TallyError } from '../../domain/errors.ts';
import type { Context } from '../../ledger/context.ts';
import { requireScope, workspaceOf } from '../auth.ts';
import { iso, toCredits, toMillicredits } from '../convert.ts';
import type { App } from '../server.ts';

function levelFromBody(input: AlertLevelInput, index: number): AlertLevel {
  if ((input.usedPercent === undefined) === (input.creditsLeft === undefined)) {
    throw new TallyError(
      'invalid_request',
      'Each level has exactly one of usedPercent (e.g. 80) or creditsLeft (e.g. 150).',
      {
        field: `levels.${index}`,
      },
    );
  }
  if (input.usedPercent !== undefined) {
    const basisPoints = Math.round(input.usedPercent * 100);
    if (Math.abs(basisPoints - input.usedPercent * 100) > 1e-6) {
      throw new TallyError('invalid_request', 'usedPercent has more than 2 decimals.', {
        field: `levels.${index}.usedPercent`,
      });
    }
    return { kind: 'used_percent', basisPoints };
  }
  return { kind: 'credits_left', amount: toMillicredits(input.creditsLeft ?? 0, `levels.${index}.creditsLeft`) };
}

function levelsReply(view: LevelsView): AlertLevelsReply {
  const used = usedBasisPoints(view.standing);
  return {
    levels: view.levels.map(({ level, reached }) =>
      level.kind === 'used_percent'
        ? { kind: level.kind, usedPercent: level.basisPoints / 100, reached }
        : { kind: level.kind, creditsLeft: toCredits(level.amount), reached },
    ),
    default: view.isDefault,
    period: {
      start: iso(view.period.start),
      end: iso(view.period.end),
      granted: toCredits(view.standing.granted),
      used: toCredits(view.standing.used),
      usedPercent: used === null ? null : used / 100,
    },
    available: toCredits(view.standing.available),
  };
}

const levelsDescription =
  "Each level is announced once when reached (the usage.level_reached webhook and e-mail), and again only after it was left or in a later period. A share is of the credits the current period granted, used as GET /v1/balance's period.used counts it; creditsLeft compares with `available`.";

/** The workspace's usage levels: GET with `read`, PUT and DELETE with `admin`. */
export function alertLevelRoutes(ctx: Context) {
  return (app: App) => {
    app.get(
      '/v1/alerts/levels',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'getAlertLevels',
          summary: 'The usage levels that alert, and where the period stands',
          tags: ['read'],
          response: { 200: AlertLevelsReply },
        },
      },
      async (request) => levelsReply(await viewLevels({ ctx, input: { workspaceId: workspaceOf(request) } })),
    );

    app.put(
      '/v1/alerts/levels',
      {
        preHandler: requireScope('admin'),
        schema: {
          operationId: 'setAlertLevels',
          summary: 'Set the usage levels that alert',
          description: `Replaces the list (at most 10; an empty list turns level alerts off). ${levelsDescription}`,
          tags: ['admin'],
          body: AlertLevelsBody,
          response: { 200: AlertLevelsReply },
        },
      },
      async (request) =>
        levelsReply(
          await setLevels({
            ctx,
            input: { workspaceId: workspaceOf(request), levels: request.body.levels.map(levelFromBody) },
          }),
        ),
    );

    app.delete(
      '/v1/alerts/levels',
      {
        preHandler: requireScope('admin'),
        schema: {
          operationId: 'resetAlertLevels',
          summary: 'Go back to the default usage levels (50%, 80% and 100% used)',
          tags: ['admin'],
          response: { 200: AlertLevelsReply },
        },
      },
      async (request) =>
        levelsReply(await setLevels({ ctx, input: { workspaceId: workspaceOf(request), levels: null } })),
    );
  };
}
