import { openSecret, sealSecret } from '../secrets/secret-box.ts';
import type { AlertsContext } from './context.ts';

/**
 * Webhook signing secrets are kept sealed: whoever reads the database (a backup, a copied file)
 * cannot forge Tally's signatures. The subscription id is the authenticated context, so a sealed
 * value copied onto another subscription does not open.
 */
const context = (subscriptionId: string) => `webhook-signing-secret:${subscriptionId}`;

export function sealSigningSecret(key: Uint8Array, subscriptionId: string, secret: string): string {
  return sealSecret(key, secret, context(subscriptionId));
}

export function openSigningSecret(key: Uint8Array, subscriptionId: string, stored: string): string {
  return openSecret(key, stored, context(subscriptionId));
}

/**
 * Seals the secrets that databases written before sealing still hold in plain text (sealed ones
 * start with `v1.`, plain ones with `whsec_`). Run on start; each row is sealed once, whichever
 * process gets to it first. Returns how many rows it sealed.
 */
export async function sealPlainSigningSecrets({ ctx }: { ctx: AlertsContext }): Promise<number> {
  const { store, secretKey } = ctx;
  const plain = await store.db
    .selectFrom('webhook_subscriptions')
    .select(['id', 'secret'])
    .where('secret', 'not like', 'v1.%')
    .execute();
  let sealed = 0;
  for (const row of plain) {
    const result = await store.db
      .updateTable('webhook_subscriptions')
      .set({ secret: sealSigningSecret(secretKey, row.id, row.secret) })
      .where('id', '=', row.id)
      .where('secret', '=', row.secret)
      .executeTakeFirst();
    sealed += Number(result.numUpdatedRows);
  }
  return sealed;
}
