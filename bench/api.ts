/** The operator's set-up calls over HTTP, exactly as in docs/api.md. */
export interface BenchWorkspace {
  id: string;
  key: string;
  grantId: string;
}

/** Enough credits that no run ever meets insufficient_credits. */
export const GRANT_CREDITS = 1_000_000_000;

async function call<T>(url: string, key: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function createWorkspace(url: string, adminKey: string, name: string): Promise<BenchWorkspace> {
  const workspace = await call<{ id: string }>(url, adminKey, 'POST', '/v1/workspaces', { name, plan: 'starter' });
  const key = await call<{ key: string }>(url, adminKey, 'POST', `/v1/workspaces/${workspace.id}/keys`, {
    scopes: ['ingest', 'read', 'admin'],
    name: 'bench',
  });
  const grantId = 'bench-credits';
  await call(url, adminKey, 'POST', `/v1/workspaces/${workspace.id}/grants`, {
    id: grantId,
    amount: GRANT_CREDITS,
    source: 'adjustment',
    reason: 'benchmark credits',
  });
  return { id: workspace.id, key: key.key, grantId };
}

export async function availableCredits(url: string, key: string): Promise<number> {
  return (await call<{ available: number }>(url, key, 'GET', '/v1/balance')).available;
}
