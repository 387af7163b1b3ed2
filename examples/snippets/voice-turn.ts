import { meter, TallyApiError, type TallyClient } from '@tally/client';

/** A call is counted once, when Tally first sees it: record it when the phone is answered. */
export async function answerCall(tally: TallyClient, callSid: string, agentId: string) {
  await tally.createConversation({ id: callSid, channel: 'call', agentId });
}

/**
 * One spoken turn, charged when the agent speaks. The response id is the call and turn, so a turn
 * retried after a crash is charged once; a premium voice is a feature priced by the rate card.
 */
export async function speakTurn(
  tally: TallyClient,
  turn: { callSid: string; agentId: string; index: number; premiumVoice: boolean },
  speak: () => Promise<void>,
): Promise<'spoken' | 'out_of_credits'> {
  try {
    await meter(
      tally,
      {
        responseId: `${turn.callSid}:${turn.index}`,
        conversationId: turn.callSid,
        channel: 'call',
        agentId: turn.agentId,
        features: turn.premiumVoice ? ['voice:elevenlabs'] : [],
      },
      speak,
    );
    return 'spoken';
  } catch (error) {
    if (error instanceof TallyApiError && error.code === 'insufficient_credits') return 'out_of_credits';
    throw error;
  }
}
