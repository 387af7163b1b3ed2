import type { FastifyReply, FastifyRequest } from 'fastify';
import { TallyError } from '../domain/errors.ts';
import type { Principal, Scope } from '../keys/api-keys.ts';

/** Finds who is calling: a bearer key, or another way in such as a dashboard session. */
export type Authenticator = (request: FastifyRequest) => Promise<Principal | null>;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/**
 * What a guard checks: `authenticated` any valid key (so it may answer 401), `restricted` also the
 * key's kind or scope (401 or 403). The API description's 401 and 403 answers follow from it (openapi.ts).
 */
export type Access = 'authenticated' | 'restricted';
type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

const accessByGuard = new WeakMap<Guard, Access>();

/** Marks a preHandler as a guard of that access, so the description declares what it can answer. */
export function guard<G extends Guard>(access: Access, check: G): G {
  accessByGuard.set(check, access);
  return check;
}

/** The access a route's preHandler (one or a list) guards it with; null when none is a guard. */
export function accessOf(preHandler: unknown): Access | null {
  const handlers: unknown[] = Array.isArray(preHandler) ? preHandler : [preHandler];
  const found = handlers.flatMap((handler) => {
    const access = typeof handler === 'function' ? accessByGuard.get(handler as Guard) : undefined;
    return access ? [access] : [];
  });
  return found.includes('restricted') ? 'restricted' : (found[0] ?? null);
}

function unauthorized(): TallyError {
  return new TallyError('unauthorized', 'Send a valid API key as "Authorization: Bearer <key>".');
}

/** A workspace key with `scope`; the route then works on that key's workspace only. */
export function requireScope(scope: Scope) {
  return guard('restricted', async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const principal = request.principal;
    if (!principal) throw unauthorized();
    if (principal.kind !== 'workspace') {
      throw new TallyError(
        'forbidden',
        'This route needs a workspace key; the operator key manages workspaces under /v1/workspaces.',
      );
    }
    if (!principal.scopes.includes(scope)) {
      throw new TallyError('forbidden', `This key lacks the "${scope}" scope.`, { requiredScope: scope });
    }
  });
}

export const requireOperator = guard('restricted', async (request: FastifyRequest): Promise<void> => {
  if (!request.principal) throw unauthorized();
  if (request.principal.kind !== 'operator') throw new TallyError('forbidden', 'This route needs the operator key.');
});

/** Any authenticated caller: the operator or a workspace key of any scope. */
export const requireAnyKey = guard('authenticated', async (request: FastifyRequest): Promise<void> => {
  if (!request.principal) throw unauthorized();
});

/** The workspace the caller's key belongs to; only call after requireScope. */
export function workspaceOf(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal?.kind !== 'workspace') throw unauthorized();
  return principal.workspaceId;
}
