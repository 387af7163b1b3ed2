import { Type } from '@sinclair/typebox';
import type { BillingContext } from '../../billing/context.ts';
import { openWorkspace } from '../../billing/subscriptions.ts';
import { GrantBody, GrantReply } from '../../contract/ledger.ts';
import { KeyBody, KeyReply, KeySummaryReply, WorkspaceBody, WorkspaceReply } from '../../contract/workspaces.ts';
import { issueApiKey, listApiKeys, revokeApiKey } from '../../keys/api-keys.ts';
import { grantCredits } from '../../ledger/grant-credits.ts';
import { getWorkspace, listWorkspaces, type Workspace } from '../../ledger/workspaces.ts';
import { requireOperator } from '../auth.ts';
import { iso, parseTime, toCredits, toMillicredits } from '../convert.ts';
import { serviceErrors } from '../openapi.ts';
import type { App } from '../server.ts';
import { grantReply } from './replies.ts';

const WorkspaceParams = Type.Object({ id: Type.String({ maxLength: 128 }) });

const workspaceReply = (workspace: Workspace) => ({
  id: workspace.id,
  name: workspace.name,
  plan: workspace.plan,
  overageLimit: toCredits(workspace.overageLimit),
  createdAt: iso(workspace.createdAt),
});

/** The operator's routes: workspaces, their keys, and credits granted by hand. */
export function workspaceRoutes(
  /** Billing's parts too: a new workspace starts with its subscription and first period's credits. */
  ctx: Pick<BillingContext, 'store' | 'clock' | 'catalog'>,
) {
  return (app: App) => {
    app.post(
      '/v1/workspaces',
      {
        preHandler: requireOperator,
        schema: {
          operationId: 'createWorkspace',
          summary: 'Create a workspace',
          description:
            "Starts its subscription on the plan and grants the first period's credits. overageLimit defaults to the plan's and then follows the plan; one given here is the operator's and is kept across plan changes and renewals.",
          tags: ['operator'],
          body: WorkspaceBody,
          response: { 201: WorkspaceReply },
        },
      },
      async (request, reply) => {
        const workspace = await openWorkspace({
          ctx,
          input: {
            name: request.body.name,
            plan: request.body.plan,
            overageLimit:
              request.body.overageLimit === undefined
                ? undefined
                : toMillicredits(request.body.overageLimit, 'overageLimit'),
          },
        });
        return reply.code(201).send(workspaceReply(workspace));
      },
    );

    app.get(
      '/v1/workspaces',
      {
        preHandler: requireOperator,
        schema: {
          operationId: 'listWorkspaces',
          summary: 'List workspaces',
          tags: ['operator'],
          querystring: Type.Object(
            {
              after: Type.Optional(Type.String({ maxLength: 128 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              workspaces: Type.Array(WorkspaceReply),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
          },
        },
      },
      async (request) => {
        const limit = request.query.limit ?? 100;
        const page = await listWorkspaces({ ctx, input: { after: request.query.after ?? null, limit: limit + 1 } });
        const shown = page.slice(0, limit);
        return {
          workspaces: shown.map(workspaceReply),
          nextCursor: page.length > limit ? (shown.at(-1)?.id ?? null) : null,
        };
      },
    );

    app.get(
      '/v1/workspaces/:id',
      {
        preHandler: requireOperator,
        schema: {
          operationId: 'getWorkspace',
          summary: 'One workspace',
          tags: ['operator'],
          params: WorkspaceParams,
          response: { 200: WorkspaceReply },
        },
      },
      async (request) => workspaceReply(await getWorkspace({ ctx, input: { workspaceId: request.params.id } })),
    );

    app.post(
      '/v1/workspaces/:id/keys',
      {
        preHandler: requireOperator,
        schema: {
          operationId: 'createWorkspaceKey',
          summary: 'Issue a workspace key',
          description: 'The key is shown only in this reply.',
          tags: ['operator'],
          params: WorkspaceParams,
          body: KeyBody,
          response: { 201: KeyReply },
        },
      },
      async (request, reply) => {
        const issued = await issueApiKey({
          ctx,
          input: { workspaceId: request.params.id, scopes: request.body.scopes, name: request.body.name ?? '' },
        });
        return reply.code(201).send({ ...issued, createdAt: iso(issued.createdAt) });
      },
    );

    app.get(
      '/v1/workspaces/:id/keys',
      {
        preHandler: requireOperator,
        schema: {
          operationId: 'listWorkspaceKeys',
          summary: "A workspace's keys (never the keys themselves)",
          tags: ['operator'],
          params: WorkspaceParams,
          response: { 200: Type.Object({ keys: Type.Array(KeySummaryReply) }) },
        },
      },
      async (request) => {
        await getWorkspace({ ctx, input: { workspaceId: request.params.id } });
        const list = await listApiKeys({ ctx, input: { workspaceId: request.params.id } });
        return {
          keys: list.map((key) => ({
            ...key,
            createdAt: iso(key.createdAt),
            revokedAt: key.revokedAt ? iso(key.revokedAt) : null,
          })),
        };
      },
    );

    app.delete(
      '/v1/workspaces/:id/keys/:keyId',
      {
        preHandler: requireOperator,
        schema: {
          operationId: 'revokeWorkspaceKey',
          summary: 'Revoke a key; it fails at once',
          tags: ['operator'],
          params: Type.Object({ id: Type.String({ maxLength: 128 }), keyId: Type.String({ maxLength: 128 }) }),
          response: { 204: Type.Null() },
        },
      },
      async (request, reply) => {
        await revokeApiKey({ ctx, input: { workspaceId: request.params.id, keyId: request.params.keyId } });
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/v1/workspaces/:id/grants',
      {
        preHandler: requireOperator,
        schema: {
          operationId: 'grantCredits',
          summary: 'Grant credits',
          description: 'Idempotent by id: the same id twice grants once; with different values it is a 409.',
          tags: ['operator'],
          params: WorkspaceParams,
          body: GrantBody,
          response: { 201: Type.Object({ grant: GrantReply }), ...serviceErrors(409) },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const { grant } = await grantCredits({
          ctx,
          input: {
            workspaceId: request.params.id,
            id: body.id,
            amount: toMillicredits(body.amount),
            source: body.source,
            reason: body.reason,
            priority: body.priority,
            effectiveAt: parseTime(body.effectiveAt, 'effectiveAt'),
            expiresAt: parseTime(body.expiresAt, 'expiresAt') ?? null,
          },
        });
        // A replay answers like the first request did, with the grant as it stands now.
        return reply.code(201).send({ grant: grantReply(grant) });
      },
    );
  };
}
