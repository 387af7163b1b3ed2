import { LimitsBody, LimitsReply } from '../../contract/limits.ts';
import type { LimitCounter } from '../../domain/spend-limits.ts';
import type { Context } from '../../ledger/context.ts';
import { getSpendLimits, type LimitsInput, type LimitsView, setSpendLimits } from '../../ledger/spend-limits.ts';
import { requireScope, workspaceOf } from '../auth.ts';
import { iso, toCredits, toMillicredits } from '../convert.ts';
import type { App } from '../server.ts';

function inputOf(body: LimitsBody): LimitsInput {
  return {
    ...(body.workspace === undefined
      ? {}
      : {
          workspace: body.workspace && {
            limit: toMillicredits(body.workspace.credits, 'workspace.credits'),
            mode: body.workspace.mode,
          },
        }),
    ...(body.agents === undefined
      ? {}
      : {
          agents: body.agents.map((agent, i) => ({
            agentId: agent.agentId,
            limit: toMillicredits(agent.credits, `agents[${i}].credits`),
            mode: agent.mode,
          })),
        }),
  };
}

const progress = (counter: LimitCounter) => ({
  credits: toCredits(counter.limit),
  mode: counter.mode,
  used: toCredits(counter.used),
  reached: counter.reached,
});

function reply(view: LimitsView): LimitsReply {
  return {
    period: { start: iso(view.period.start), end: iso(view.period.end) },
    workspace: view.workspace && progress(view.workspace),
    agents: view.agents.map((agent) => ({ agentId: agent.agentId, ...progress(agent) })),
  };
}

/** Spend limits per billing period, for the workspace and per agent. */
export function spendLimitRoutes(ctx: Context) {
  return (app: App) => {
    app.get(
      '/v1/limits',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'getSpendLimits',
          summary: 'Spend limits and what each has used this billing period',
          tags: ['read'],
          response: { 200: LimitsReply },
        },
      },
      async (request) => reply(await getSpendLimits({ ctx, input: { workspaceId: workspaceOf(request) } })),
    );

    app.put(
      '/v1/limits',
      {
        preHandler: requireScope('admin'),
        schema: {
          operationId: 'setSpendLimits',
          summary: 'Set spend limits for the workspace and per agent',
          description:
            'Credits per billing period. A charge, hold or batch item that would pass a block limit is 402 spend_limit_reached and records nothing; POST /v1/check answers allowed: false with reason spend_limit_reached. A limit reached sends the limit.reached webhook once per period (an alert limit blocks nothing).',
          tags: ['admin'],
          body: LimitsBody,
          response: { 200: LimitsReply },
        },
      },
      async (request) =>
        reply(
          await setSpendLimits({ ctx, input: { workspaceId: workspaceOf(request), limits: inputOf(request.body) } }),
        ),
    );
  };
}
