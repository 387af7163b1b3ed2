/** Tally answered with an error: `code` is the API's stable snake_case code (`insufficient_credits`…). */
export class TallyApiError extends Error {
  override readonly name: string = 'TallyApiError';
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

/** Which spend limit refused a charge or hold, in credits (`402 spend_limit_reached`). */
export interface SpendLimitDetails {
  scope: 'workspace' | 'agent';
  /** The agent whose own limit it is; absent for the workspace's limit. */
  agentId?: string;
  limit: number;
  used: number;
}

/**
 * Tally refused a charge or hold because a block spend limit of the workspace or the agent would be
 * passed this billing period (`402 spend_limit_reached`); nothing was recorded. Unlike
 * `insufficient_credits`, buying credits does not help: the limit must be raised or the period end.
 */
export class SpendLimitReachedError extends TallyApiError {
  override readonly name = 'SpendLimitReachedError';
  readonly limit: SpendLimitDetails;

  constructor(init: ConstructorParameters<typeof TallyApiError>[0]) {
    super(init);
    this.limit = init.details as unknown as SpendLimitDetails;
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
