import { Type } from '@sinclair/typebox';
import { type Agent, createAgent, listAgents, removeAgent } from '../../billing/agents.ts';
import type { BillingContext } from '../../billing/context.ts';
import { getAgentAllowance } from '../../billing/insights.ts';
import { AgentBody, AgentReply, AgentsReply } from '../../contract/billing.ts';
import { guard, requireScope, workspaceOf } from '../auth.ts';
import { iso } from '../convert.ts';
import { serviceErrors } from '../openapi.ts';
import type { App } from '../server.ts';

const agentReply = (agent: Agent) => ({ id: agent.id, name: agent.name, createdAt: iso(agent.createdAt) });

/** The workspace's agents, as many as its plan allows. */
export function agentRoutes(ctx: Pick<BillingContext, 'store' | 'clock' | 'catalog'>) {
  return (app: App) => {
    app.get(
      '/v1/agents',
      {
        // Read or admin: the dashboard shows them, the admin manages them.
        preHandler: guard('restricted', async (request, reply) => {
          const scopes = request.principal?.kind === 'workspace' ? request.principal.scopes : [];
          await requireScope(scopes.includes('admin') ? 'admin' : 'read')(request, reply);
        }),
        schema: {
          operationId: 'listAgents',
          summary: "The workspace's agents and the plan's limit",
          tags: ['admin'],
          response: { 200: AgentsReply },
        },
      },
      async (request) => {
        const workspaceId = workspaceOf(request);
        const [list, limit] = await Promise.all([
          listAgents({ ctx, input: { workspaceId } }),
          getAgentAllowance({ ctx, input: { workspaceId } }),
        ]);
        return { agents: list.map(agentReply), used: limit.used, allowed: limit.allowed ?? 0 };
      },
    );

    app.post(
      '/v1/agents',
      {
        preHandler: requireScope('admin'),
        schema: {
          operationId: 'createAgent',
          summary: 'Register an agent',
          description:
            "409 agent_limit_reached when the plan's agents are all taken. Idempotent by id: the same id and name again answers 200 with the agent.",
          tags: ['admin'],
          body: AgentBody,
          response: { 201: AgentReply, 200: AgentReply, ...serviceErrors(409) },
        },
      },
      async (request, reply) => {
        const { agent, created } = await createAgent({
          ctx,
          input: { workspaceId: workspaceOf(request), ...request.body },
        });
        return reply.code(created ? 201 : 200).send(agentReply(agent));
      },
    );

    app.delete(
      '/v1/agents/:id',
      {
        preHandler: requireScope('admin'),
        schema: {
          operationId: 'deleteAgent',
          summary: 'Remove an agent; its recorded usage stays',
          tags: ['admin'],
          params: Type.Object({ id: Type.String({ maxLength: 128 }) }),
          response: { 204: Type.Null() },
        },
      },
      async (request, reply) => {
        await removeAgent({ ctx, input: { workspaceId: workspaceOf(request), id: request.params.id } });
        return reply.code(204).send(null);
      },
    );
  };
}
