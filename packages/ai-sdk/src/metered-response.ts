import { type Channel, type Charge, newId, releaseQuietly, type TallyClient } from '@tally/client';

export interface TallyMiddlewareOptions {
  client: TallyClient;
  /** The chat or call the responses belong to; Tally registers it with the first charge. */
  conversationId: string;
  agentId: string;
  channel: Channel;
  /** Premium features every response uses, priced by the rate card (e.g. `voice:elevenlabs`). */
  features?: string[];
  /** How long a hold lasts if the process dies mid-response (default Tally's). */
  ttlSeconds?: number;
  /** Told what each response cost, once it is charged. */
  onCharge?: (charge: Charge) => void;
}

/** One model call as one AI response: held before the model runs, then charged or given back once. */
export interface MeteredResponse {
  commit(): Promise<void>;
  release(): Promise<void>;
}

/**
 * Holds the credits of one response. A workspace that cannot pay is refused here, with the
 * client's TallyApiError (`insufficient_credits`), or its SpendLimitReachedError when a block
 * spend limit of the workspace or this agent would be passed, before the model is called.
 */
export async function startResponse(options: TallyMiddlewareOptions, signal?: AbortSignal): Promise<MeteredResponse> {
  const { client } = options;
  const responseId = newId('resp');
  const hold = await client.reserve(
    { features: options.features, ttlSeconds: options.ttlSeconds, agentId: options.agentId },
    { idempotencyKey: `hold-${responseId}`, signal },
  );
  let settled: Promise<void> | undefined;
  return {
    commit() {
      settled ??= client
        .commit(hold.id, {
          id: responseId,
          conversationId: options.conversationId,
          channel: options.channel,
          agentId: options.agentId,
          features: options.features,
        })
        .then(
          (charge) => options.onCharge?.(charge),
          async (error: unknown) => {
            await releaseQuietly(client, hold.id);
            throw error;
          },
        );
      return settled;
    },
    release() {
      settled ??= releaseQuietly(client, hold.id);
      return settled;
    },
  };
}
