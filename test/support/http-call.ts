/** JSON over real HTTP to any Tally, in-process or a child: the reply's status, parsed body, raw text and headers. */

export interface Reply {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

/** One HTTP call; a connection that fails (server killed, refused) gives status 0. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let payload: string | undefined = options.raw;
  if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      body: payload,
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: response.status, body, text, headers: response.headers };
  } catch {
    return { status: 0, body: null, text: '', headers: new Headers() };
  }
}

export function field<T>(body: unknown, ...path: string[]): T {
  let at: unknown = body;
  for (const key of path) at = (at as Record<string, unknown> | null)?.[key];
  return at as T;
}
