import type { TallyApp } from '../app.ts';

export interface DemoTwilio {
  url: string;
  stop(): Promise<void>;
}

/**
 * The demo's Twilio: the local fake (test/fakes) that speaks Twilio's wire format, with one demo
 * account whose balance and spend fill the dashboard's Twilio card without a network. It is loaded
 * only in demo mode, so production never carries it.
 */
export async function startDemoTwilio(): Promise<DemoTwilio> {
  const { FakeTwilio } = await import('../../test/fakes/twilio-server.ts');
  const { demoAccount } = await import('../../test/fakes/twilio-demo-account.ts');
  const fake = await FakeTwilio.start({ accounts: [demoAccount()] });
  return { url: fake.url, stop: () => fake.stop() };
}

/** Connects the demo workspace to the demo Twilio account, once. */
export async function connectDemoTwilio(tally: TallyApp, workspaceId: string): Promise<void> {
  const card = await tally.ctx.twilio.card({ workspaceId });
  if (card.connected) return;
  const { DEMO_TWILIO_ACCOUNT_SID, DEMO_TWILIO_AUTH_TOKEN } = await import('../../test/fakes/twilio-demo-account.ts');
  await tally.ctx.twilio.connect({
    workspaceId,
    credentials: { accountSid: DEMO_TWILIO_ACCOUNT_SID, authToken: DEMO_TWILIO_AUTH_TOKEN },
  });
}
