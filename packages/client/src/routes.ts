/**
 * Every operation the client calls, with the path spelled as in /openapi.json. `idempotent` says
 * whether sending the same request again is safe (by the body's id, an Idempotency-Key, or because
 * the operation changes nothing twice); the others are retried only on 429, which Tally answers
 * before doing anything. `keyed` operations have no id of their own: each call gets an
 * Idempotency-Key, the same on all its attempts.
 */
export const ROUTES = {
  createConversation: { method: 'POST', path: '/v1/conversations', idempotent: true },
  chargeResponse: { method: 'POST', path: '/v1/responses', idempotent: true },
  chargeBatch: { method: 'POST', path: '/v1/responses/batch', idempotent: true },
  check: { method: 'POST', path: '/v1/check', idempotent: true },
  reserve: { method: 'POST', path: '/v1/reservations', idempotent: true, keyed: true },
  commit: { method: 'POST', path: '/v1/reservations/{id}/commit', idempotent: true },
  release: { method: 'POST', path: '/v1/reservations/{id}/release', idempotent: true },
  refund: { method: 'POST', path: '/v1/responses/{id}/refund', idempotent: true },
  purchase: { method: 'POST', path: '/v1/purchases', idempotent: true, keyed: true },
  balance: { method: 'GET', path: '/v1/balance', idempotent: true },
  spendLimits: { method: 'GET', path: '/v1/limits', idempotent: true },
  setSpendLimits: { method: 'PUT', path: '/v1/limits', idempotent: true },
  usageSummary: { method: 'GET', path: '/v1/usage/summary', idempotent: true },
  createDashboardSession: { method: 'POST', path: '/v1/dashboard-sessions', idempotent: false },
  createWorkspaceDashboardSession: {
    method: 'POST',
    path: '/v1/workspaces/{id}/dashboard-sessions',
    idempotent: false,
  },
  createWorkspace: { method: 'POST', path: '/v1/workspaces', idempotent: false },
  createKey: { method: 'POST', path: '/v1/workspaces/{id}/keys', idempotent: false },
  grant: { method: 'POST', path: '/v1/workspaces/{id}/grants', idempotent: true },
  createWebhook: { method: 'POST', path: '/v1/webhooks', idempotent: true, keyed: true },
} as const satisfies Record<
  string,
  { method: 'GET' | 'POST' | 'PUT'; path: string; idempotent: boolean; keyed?: true }
>;

export type RouteName = keyof typeof ROUTES;
export type Route = (typeof ROUTES)[RouteName];
