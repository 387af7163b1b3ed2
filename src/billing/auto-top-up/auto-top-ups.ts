import type { Millicredits } from '../../domain/amounts.ts';
import { TallyError } from '../../domain/errors.ts';
import { workspaceMustExist } from '../../domain/workspace-exists.ts';
import type { Call } from '../../ledger/context.ts';
import type { BillingContext } from '../context.ts';
import { paymentsNotConfigured } from '../payments-mode.ts';
import { countBoughtInMonth, findSettings, lastAttempt, saveSettings, type TopUpAttempt } from './rows.ts';

export interface AutoTopUpSettings {
  enabled: boolean;
  threshold: Millicredits;
  pack: string;
  maxPerMonth: number;
}

export interface AutoTopUpView extends AutoTopUpSettings {
  thisMonth: { count: number };
  last: TopUpAttempt | null;
}

/** What GET shows before the workspace sets anything: off, with the first pack. */
const MAX_PER_MONTH_DEFAULT = 3;

/**
 * A workspace's auto top-up settings, with this month's count and the last attempt. The decision is
 * made in every ledger transaction (observer.ts), and paid after the commit (payer.ts).
 */
export async function getAutoTopUp({
  ctx,
  input,
}: Call<Pick<BillingContext, 'store' | 'clock' | 'catalog'>, { workspaceId: string }>): Promise<AutoTopUpView> {
  const now = ctx.clock();
  const { store, catalog } = ctx;
  const [settings, count, last] = await Promise.all([
    findSettings(store.db, input.workspaceId),
    countBoughtInMonth(store.db, input.workspaceId, now),
    lastAttempt(store.db, input.workspaceId),
  ]);
  return {
    enabled: settings?.enabled ?? false,
    threshold: settings?.threshold ?? 0,
    pack: settings?.pack ?? catalog.packs[0]?.id ?? '',
    maxPerMonth: settings?.maxPerMonth ?? MAX_PER_MONTH_DEFAULT,
    thisMonth: { count },
    last,
  };
}

/** Sets the workspace's auto top-up. Saving arms it: the next fall below the threshold buys. */
export async function setAutoTopUp({
  ctx,
  input,
}: Call<
  Pick<BillingContext, 'store' | 'clock' | 'catalog' | 'payments'>,
  { workspaceId: string; settings: AutoTopUpSettings }
>): Promise<AutoTopUpView> {
  const now = ctx.clock();
  const { store, catalog, payments } = ctx;
  const { workspaceId, settings } = input;
  catalog.pack(settings.pack);
  if (!Number.isSafeInteger(settings.threshold) || settings.threshold < 0) {
    throw new TallyError('invalid_request', 'threshold must be zero or more credits.', { field: 'threshold' });
  }
  if (!Number.isInteger(settings.maxPerMonth) || settings.maxPerMonth < 1 || settings.maxPerMonth > 100) {
    throw new TallyError('invalid_request', 'maxPerMonth must be a whole number from 1 to 100.', {
      field: 'maxPerMonth',
    });
  }
  if (settings.enabled && payments === 'off') throw paymentsNotConfigured();
  await store.transaction(async (tx, db) => {
    workspaceMustExist(await tx.lockAccount(workspaceId), workspaceId);
    await saveSettings(db, workspaceId, settings, now);
  });
  return getAutoTopUp({ ctx, input: { workspaceId } });
}
