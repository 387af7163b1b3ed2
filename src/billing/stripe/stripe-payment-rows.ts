import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../store/schema.ts';

export interface StripePayment {
  workspaceId: string;
  /** The invoice or Checkout Session id. */
  id: string;
  at: Date;
  description: string;
  /** In the currency's smallest unit, as Stripe gives it. */
  amount: number;
  currency: string;
  documentUrl: string | null;
}

/** Records a payment once: the same invoice or session again changes nothing. */
export async function recordStripePayment(db: Transaction<Database>, payment: StripePayment): Promise<void> {
  await db
    .insertInto('stripe_payments')
    .values({
      workspace_id: payment.workspaceId,
      id: payment.id,
      at: payment.at.getTime(),
      description: payment.description,
      amount: payment.amount,
      currency: payment.currency,
      document_url: payment.documentUrl,
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'id']).doNothing())
    .execute();
}

export async function listStripePayments(db: Kysely<Database>, workspaceId: string): Promise<StripePayment[]> {
  const rows = await db.selectFrom('stripe_payments').selectAll().where('workspace_id', '=', workspaceId).execute();
  return rows.map((row) => ({
    workspaceId: row.workspace_id,
    id: row.id,
    at: new Date(Number(row.at)),
    description: row.description,
    amount: Number(row.amount),
    currency: row.currency,
    documentUrl: row.document_url,
  }));
}
