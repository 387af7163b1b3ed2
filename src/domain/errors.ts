/** Every error a client can cause has one of these stable codes; src/http/errors.ts maps each to a status. */
export type ErrorCode =
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'insufficient_credits'
  | 'spend_limit_reached'
  | 'agent_limit_reached'
  | 'idempotency_conflict'
  | 'conversation_mismatch'
  | 'conflict'
  | 'rate_limited'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'twilio_unavailable'
  | 'twilio_credentials_rejected'
  | 'payment_provider_error'
  | 'payments_not_configured'
  | 'unavailable';

export class TallyError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'TallyError';
  }
}
