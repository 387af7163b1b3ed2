import { DEFAULT_RETRY, type RetryOptions } from './retry.ts';
import { ROUTES } from './routes.ts';
import { type CallOptions, send, type TransportConfig } from './transport.ts';
import type {
  ApiKey,
  Balance,
  BatchResult,
  Charge,
  CheckInput,
  CheckResult,
  CommitInput,
  Conversation,
  ConversationInput,
  DashboardSession,
  DashboardSessionInput,
  Grant,
  GrantInput,
  KeyInput,
  Purchase,
  Refund,
  Reservation,
  ReservationInput,
  ResponseInput,
  SpendLimits,
  SpendLimitsInput,
  UsageSummary,
  WebhookInput,
  WebhookSubscription,
  Workspace,
  WorkspaceInput,
} from './types.ts';

export interface TallyClientOptions {
  /** Where Tally answers, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** A workspace key (`tally_…`) or, for the operator's calls, the operator key. */
  apiKey: string;
  /** Each attempt's limit in milliseconds (default 10000). */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /** The fetch to send with (default the global one). */
  fetch?: typeof fetch;
}

/**
 * Tally's HTTP API, typed. Every credit-moving call is safe to retry and is retried on no answer,
 * 5xx and 429: it carries its id (responses, conversations, grants) or an Idempotency-Key made
 * once per call (reservations, purchases, webhooks), so a retry never charges twice.
 */
export class TallyClient {
  readonly #config: TransportConfig;

  constructor(options: TallyClientOptions) {
    this.#config = {
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs ?? 10_000,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      fetch: options.fetch ?? globalThis.fetch,
    };
  }

  /** Records a call or chat (counted once); charging a response in it registers it too. */
  createConversation(input: ConversationInput, options?: CallOptions): Promise<Conversation> {
    return send(this.#config, ROUTES.createConversation, { body: input }, options);
  }

  /** Charges one AI response, idempotent by `input.id`: a retry returns the first charge. */
  chargeResponse(input: ResponseInput, options?: CallOptions): Promise<Charge> {
    return send(this.#config, ROUTES.chargeResponse, { body: input }, options);
  }

  /** Charges up to 1000 responses, each idempotent by its own id. */
  chargeBatch(responses: ResponseInput[], options?: CallOptions): Promise<BatchResult> {
    return send(this.#config, ROUTES.chargeBatch, { body: { responses } }, options);
  }

  /** May the workspace pay for `count` responses with these features? No side effects. */
  check(input: CheckInput = {}, options?: CallOptions): Promise<CheckResult> {
    return send(this.#config, ROUTES.check, { body: input }, options);
  }

  /** Holds credits for a response about to be generated; 402 when the workspace cannot pay. */
  reserve(input: ReservationInput = {}, options?: CallOptions): Promise<Reservation> {
    return send(this.#config, ROUTES.reserve, { body: input }, options);
  }

  /** Charges the response a reservation was held for, idempotent by the response's id. */
  commit(reservationId: string, input: CommitInput, options?: CallOptions): Promise<Charge> {
    return send(this.#config, ROUTES.commit, { params: { id: reservationId }, body: input }, options);
  }

  /** Gives a hold back; releasing twice is fine. */
  release(reservationId: string, options?: CallOptions): Promise<Reservation> {
    return send(this.#config, ROUTES.release, { params: { id: reservationId } }, options);
  }

  /** Returns a response's cost to the workspace (scope admin); refunding twice refunds once. */
  refund(responseId: string, reason: string, options?: CallOptions): Promise<Refund> {
    return send(this.#config, ROUTES.refund, { params: { id: responseId }, body: { reason } }, options);
  }

  /** Buys a credit pack (scope admin), idempotent by its Idempotency-Key. */
  purchase(pack: string, options?: CallOptions): Promise<Purchase> {
    return send(this.#config, ROUTES.purchase, { body: { pack } }, options);
  }

  balance(options?: CallOptions): Promise<Balance> {
    return send(this.#config, ROUTES.balance, {}, options);
  }

  /** The spend limits and what each has used this billing period (scope read). */
  spendLimits(options?: CallOptions): Promise<SpendLimits> {
    return send(this.#config, ROUTES.spendLimits, {}, options);
  }

  /** Sets the spend limits (scope admin); a charge past a block limit then throws SpendLimitReachedError. */
  setSpendLimits(input: SpendLimitsInput, options?: CallOptions): Promise<SpendLimits> {
    return send(this.#config, ROUTES.setSpendLimits, { body: input }, options);
  }

  /** Credits used, calls, chats and responses; `from` and `to` are days (`2026-11-01`). */
  usageSummary(range: { from?: string; to?: string } = {}, options?: CallOptions): Promise<UsageSummary> {
    return send(this.#config, ROUTES.usageSummary, { query: range }, options);
  }

  /** A one-time link that signs a browser into this workspace's dashboard (workspace key, scope admin). */
  createDashboardSession(input: DashboardSessionInput = {}, options?: CallOptions): Promise<DashboardSession> {
    return send(this.#config, ROUTES.createDashboardSession, { body: input }, options);
  }

  /** The same link for any workspace, asked with the operator key. */
  createWorkspaceDashboardSession(
    workspaceId: string,
    input: DashboardSessionInput = {},
    options?: CallOptions,
  ): Promise<DashboardSession> {
    return send(
      this.#config,
      ROUTES.createWorkspaceDashboardSession,
      { params: { id: workspaceId }, body: input },
      options,
    );
  }

  /** Operator: a new workspace on a plan. */
  createWorkspace(input: WorkspaceInput, options?: CallOptions): Promise<Workspace> {
    return send(this.#config, ROUTES.createWorkspace, { body: input }, options);
  }

  /** Operator: a workspace key; the key itself is shown only in this reply. */
  createKey(workspaceId: string, input: KeyInput, options?: CallOptions): Promise<ApiKey> {
    return send(this.#config, ROUTES.createKey, { params: { id: workspaceId }, body: input }, options);
  }

  /** Operator: grants credits, idempotent by `input.id`. */
  async grant(workspaceId: string, input: GrantInput, options?: CallOptions): Promise<Grant> {
    const reply = await send<{ grant: Grant }>(
      this.#config,
      ROUTES.grant,
      { params: { id: workspaceId }, body: input },
      options,
    );
    return reply.grant;
  }

  /** Operator: subscribes a URL to events; the signing secret is shown only in this reply. */
  createWebhook(input: WebhookInput, options?: CallOptions): Promise<WebhookSubscription> {
    return send(this.#config, ROUTES.createWebhook, { body: input }, options);
  }
}
