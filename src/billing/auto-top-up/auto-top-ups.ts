import type { Millicredits } from '../../domain/amounts.ts';
import type { Clock } from '../../domain/clock.ts';
import { TallyError } from '../../domain/errors.ts';
import { workspaceMustExist } from '../../domain/workspace-exists.ts';
import type { Store } from '../../store/store.ts';
import type { Catalog } from '../catalog.ts';
import { type PaymentsMode, paymentsNotConfigured } from '../payments-mode.ts';
import { StripePayments, type StripeSettings } from '../stripe/stripe-payments.ts';
import { StripeTopUps } from '../stripe/stripe-top-ups.ts';
import type { AutoTopUpEvents } from './events.ts';
import { decideOnBalanceChange } from './observer.ts';
import { type PayRound, payDue } from './payer.ts';
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

export interface AutoTopUpOptions {
  store: Store;
  catalog: Catalog;
  clock: Clock;
  payments: PaymentsMode;
  events: AutoTopUpEvents;
  stripe: StripeSettings | null;
  /** How often an idle payer looks for attempts to pay. */
  pollMs?: number;
}

const DEFAULT_POLL_MS = 2_000;
/** What GET shows before the workspace sets anything: off, with the first pack. */
const MAX_PER_MONTH_DEFAULT = 3;

/**
 * Auto top-up: a workspace's settings, the decision in every ledger transaction (observer.ts), and
 * the payer that pays what was decided after the commit (payer.ts).
 */
export class AutoTopUps {
  private readonly stripe: { topUps: StripeTopUps; checkout: StripePayments } | null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly options: AutoTopUpOptions) {
    this.stripe = options.stripe
      ? { topUps: new StripeTopUps(options.stripe), checkout: new StripePayments(options.stripe) }
      : null;
  }

  /** Starts deciding top-ups in every ledger transaction on this store. */
  observeLedger(): void {
    const { store, catalog, payments } = this.options;
    store.observeBalances('auto-top-up', {
      load: (db, workspaceId) => findSettings(db, workspaceId),
      decide: (change, settings, db) => decideOnBalanceChange(change, settings, db, catalog, payments),
    });
  }

  async view(workspaceId: string): Promise<AutoTopUpView> {
    const { store, catalog, clock } = this.options;
    const [settings, count, last] = await Promise.all([
      findSettings(store.db, workspaceId),
      countBoughtInMonth(store.db, workspaceId, clock()),
      lastAttempt(store.db, workspaceId),
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
  async set(workspaceId: string, settings: AutoTopUpSettings): Promise<AutoTopUpView> {
    const { store, catalog, clock, payments } = this.options;
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
    const now = clock();
    await store.transaction(async (tx, db) => {
      workspaceMustExist(await tx.lockAccount(workspaceId), workspaceId);
      await saveSettings(db, workspaceId, settings, now);
    });
    return this.view(workspaceId);
  }

  /** One payer round now. */
  payDue(returnUrl: string, now: Date = this.options.clock(), onError?: (error: unknown) => void): Promise<PayRound> {
    const { store, events } = this.options;
    return payDue({ store, events, stripe: this.stripe, returnUrl, now, ...(onError ? { onError } : {}) });
  }

  /** Pays decided attempts in the background until `stop`; every process may run one. */
  start(returnUrl: string, onError: (error: unknown) => void): void {
    if (this.timer) return;
    const tick = () => {
      this.running = this.payDue(returnUrl, this.options.clock(), onError)
        .then(() => undefined)
        .catch(onError)
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.options.pollMs ?? DEFAULT_POLL_MS).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
