/** Tally answered with an error: `code` is the API's stable snake_case code (`insufficient_credits`…). */
export class TallyApiError extends Error {
  override readonly name = 'TallyApiError';
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  readonly requestId: string | undefined;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    details?: Record<string, unknown>;
    requestId?: string;
  }) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.requestId = init.requestId;
  }
}

/**
 * No answer from Tally: the connection failed (`network_error`), an attempt ran past the client's
 * timeout (`timeout`), or the caller's signal aborted the call (`aborted`). Whether a credit-moving
 * call took effect is then unknown; calling it again with the same id or key is safe.
 */
export class TallyRequestError extends Error {
  override readonly name = 'TallyRequestError';
  readonly code: 'network_error' | 'timeout' | 'aborted';

  constructor(code: TallyRequestError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
