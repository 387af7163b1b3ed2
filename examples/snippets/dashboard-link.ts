import type { TallyClient } from '@tally/client';

/**
 * Your app's "Usage" button: ask Tally (with the workspace's admin key) for a one-time link and
 * send the customer's browser to it, or put it in an iframe of a TALLY_EMBED_ORIGINS page.
 */
export async function usagePageUrl(tally: TallyClient, backTo: string): Promise<string> {
  const { url } = await tally.createDashboardSession({ role: 'viewer', returnUrl: backTo, ttlSeconds: 300 });
  return url;
}
