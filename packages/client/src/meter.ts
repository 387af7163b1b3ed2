import type { TallyClient } from './client.ts';
import { newId } from './ids.ts';
import type { CallOptions } from './transport.ts';
import type { Channel, Charge } from './types.ts';

export interface MeterInput {
  conversationId: string;
  channel: Channel;
  agentId: string;
  features?: string[];
  /** The response's id (default a new random one); it keys the hold and the charge. */
  responseId?: string;
  /** How long the hold lasts if this process dies before committing (default Tally's). */
  ttlSeconds?: number;
}

/**
 * The loop around one AI response: hold its credits (a workspace that cannot pay is refused
 * here, before `generate` runs), run `generate`, charge the response when it succeeded, give the
 * hold back when it failed.
 */
export async function meter<T>(
  client: TallyClient,
  input: MeterInput,
  generate: () => Promise<T>,
  options: Pick<CallOptions, 'signal' | 'timeoutMs'> = {},
): Promise<{ result: T; charge: Charge }> {
  const responseId = input.responseId ?? newId('resp');
  const reservation = await client.reserve(
    { features: input.features, ttlSeconds: input.ttlSeconds },
    { ...options, idempotencyKey: `hold-${responseId}` },
  );
  let result: T;
  try {
    result = await generate();
  } catch (error) {
    await releaseQuietly(client, reservation.id);
    throw error;
  }
  try {
    const charge = await client.commit(
      reservation.id,
      {
        id: responseId,
        conversationId: input.conversationId,
        channel: input.channel,
        agentId: input.agentId,
        features: input.features,
      },
      options,
    );
    return { result, charge };
  } catch (error) {
    await releaseQuietly(client, reservation.id);
    throw error;
  }
}

/**
 * Gives a hold back after a failure, keeping the failure as the error the caller sees: if the
 * release itself fails, the hold lapses at its `expiresAt` anyway.
 */
export async function releaseQuietly(client: TallyClient, reservationId: string): Promise<void> {
  try {
    await client.release(reservationId);
  } catch {
    // the hold expires by itself; the caller's error is the one that matters
  }
}
