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

function unauthorized(): TallyError {
  return new TallyError('unauthorized', 'Send a valid API key as "Authorization: Bearer <key>".');
}

/** A workspace key with `scope`; the route then works on that key's workspace only. */
export function requireScope(scope: Scope) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
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
  };
}

export async function requireOperator(request: FastifyRequest): Promise<void> {
  if (!request.principal) throw unauthorized();
  if (request.principal.kind !== 'operator') throw new TallyError('forbidden', 'This route needs the operator key.');
}

/** Any authenticated caller: the operator or a workspace key of any scope. */
export async function requireAnyKey(request: FastifyRequest): Promise<void> {
  if (!request.principal) throw unauthorized();
}

/** The workspace the caller's key belongs to; only call after requireScope. */
export function workspaceOf(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal?.kind !== 'workspace') throw unauthorized();
  return principal.workspaceId;
}
