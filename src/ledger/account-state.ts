import type { Millicredits } from '../domain/amounts.ts';
import { burnDown, type Draw } from '../domain/burn-down.ts';
import { isExpired, liveRemaining } from '../domain/grants.ts';
import { periodAt } from '../domain/periods.ts';
import { slotOf } from '../domain/usage-slots.ts';
import { workspaceMustExist } from '../domain/workspace-exists.ts';
import type { Account, LedgerNeeds, LedgerTx, NewLedgerLine, RollupDelta, StoredGrant } from '../store/store.ts';
import { SpendLimitTracker } from './spend-limit-tracker.ts';

/**
 * A locked workspace inside one ledger transaction: its open grants and overage debt in memory,
 * and what changed, written at the end by `flush`: one conditional update per grant touched (its
 * net change, however many responses drew on it), the ledger lines that explain the changes with a
 * running balance, and the daily rollups merged by key. Holding the account lock until commit is
 * what makes writing at the end safe.
 */
export class AccountState {
  readonly lines: NewLedgerLine[] = [];
  private readonly grantDeltas = new Map<string, Millicredits>();
  private readonly rollups = new Map<string, RollupDelta>();
  /** Every rollup change and grant of this transaction, for the balance observers. */
  private readonly usage: RollupDelta[] = [];
  private readonly grantsAdded: { amount: Millicredits; effectiveAt: Date }[] = [];
  private balance: Millicredits;
  private readonly initialDebt: Millicredits;
  /** Available when the account was opened; kept only when the store has balance observers to tell. */
  private availableBefore: Millicredits | null = null;
  /** The workspace's spend limits in this period; null when it has none. */
  readonly limits: SpendLimitTracker | null;

  private constructor(
    private readonly tx: LedgerTx,
    readonly account: Account,
    readonly grants: StoredGrant[],
    private readonly now: Date,
  ) {
    this.balance = grants.reduce((sum, grant) => sum + grant.remaining, 0) - account.overageDebt;
    this.initialDebt = account.overageDebt;
    this.limits = account.spendLimits
      ? new SpendLimitTracker(account.spendLimits, periodAt(account.periodAnchor, now))
      : null;
  }

  /**
   * Locks the workspace and reads what the operation needs (`needs`: the rows it names by id, so its
   * lookups need no query of their own), writes off what expired, and settles overage debt from live
   * credits. The observers read alongside the lock: a pipelining store sends it all at once.
   */
  static async open(tx: LedgerTx, workspaceId: string, now: Date, needs: LedgerNeeds = {}): Promise<AccountState> {
    const [opened] = await Promise.all([
      tx.openAccount(workspaceId, now, needs),
      tx.balanceObserved ? tx.watchBalance(workspaceId, now) : undefined,
    ]);
    const { account, grants } = workspaceMustExist(opened, workspaceId);
    const state = new AccountState(tx, account, grants, now);
    await state.sweepExpired();
    await state.settleDebt();
    if (tx.balanceObserved) state.availableBefore = state.available(await tx.heldAmount(workspaceId, now));
    return state;
  }

  get debt(): Millicredits {
    return this.account.overageDebt;
  }

  /** What live grants still hold, before holds and debt. */
  get liveRemaining(): Millicredits {
    return liveRemaining(this.grants, this.now);
  }

  available(held: Millicredits): Millicredits {
    return this.liveRemaining - held - this.debt;
  }

  /** Takes `cost` in burn-down order; what the grants cannot pay becomes overage debt. */
  async spend(
    cost: Millicredits,
    responseId: string,
    reason: string,
  ): Promise<{ grants: Draw[]; overage: Millicredits }> {
    const { draws, shortfall } = burnDown(this.grants, cost, this.now);
    for (const draw of draws) {
      await this.move(draw.grantId, -draw.amount, 'charge', responseId, reason, this.now);
    }
    if (shortfall > 0) await this.moveDebt(shortfall, 'charge', responseId, reason);
    return { grants: draws, overage: shortfall };
  }

  /** Gives back what a response took. Credits whose grant has expired since are written off again at once. */
  async refund(
    draws: { grants: Draw[]; overage: Millicredits },
    responseId: string,
    reason: string,
  ): Promise<Millicredits> {
    let unplaced = 0;
    for (const draw of draws.grants) {
      const grant =
        this.grants.find((g) => g.id === draw.grantId) ?? (await this.tx.findGrant(this.account.id, draw.grantId));
      if (!grant) throw new Error(`grant ${draw.grantId} of response ${responseId} is missing`);
      if (!this.grants.includes(grant)) this.grants.push(grant);
      await this.move(grant.id, draw.amount, 'refund', responseId, reason, this.now);
      if (isExpired(grant, this.now))
        await this.move(grant.id, -draw.amount, 'expire', null, 'grant expired before the refund', this.now);
    }
    if (draws.overage > 0) {
      const repaid = Math.min(draws.overage, this.debt);
      if (repaid > 0) await this.moveDebt(-repaid, 'refund', responseId, reason);
      unplaced = draws.overage - repaid;
    }
    return unplaced;
  }

  /** Records a new grant's credits, then lets them pay any overage debt. */
  async credit(grant: StoredGrant): Promise<void> {
    await this.tx.insertGrant({ ...grant, remaining: 0 });
    this.grants.push({ ...grant, remaining: 0 });
    this.grantsAdded.push({ amount: grant.amount, effectiveAt: grant.effectiveAt });
    await this.move(grant.id, grant.amount, 'grant', null, grant.reason, grant.createdAt);
    await this.settleDebt();
  }

  /**
   * Writes the grant moves, the collected lines, the rollups, the debt and the spend limits, sends
   * what the store held back, then reports the balance change to the store's observers — also when
   * nothing moved, since expiry and lapsed holds change it without a write.
   */
  async flush(): Promise<void> {
    for (const [grantId, delta] of this.grantDeltas) {
      // Conditional update: under the account lock it always applies; if it ever did not, the transaction aborts.
      if (delta !== 0 && !(await this.tx.adjustGrant(this.account.id, grantId, delta))) {
        throw new Error(`grant ${grantId} could not move by ${delta}: its remaining changed outside the account lock`);
      }
    }
    this.grantDeltas.clear();
    for (const delta of this.rollups.values()) {
      await this.tx.bumpRollup(delta);
      this.usage.push(delta);
    }
    this.rollups.clear();
    await this.tx.appendLedger(this.lines);
    if (this.debt !== this.initialDebt) await this.tx.setOverageDebt(this.account.id, this.debt);
    if (this.limits?.changed) await this.tx.setSpendLimits(this.account.id, this.limits.current);
    this.tx.applyWrites();
    if (this.availableBefore !== null) {
      const after = this.available(await this.tx.heldAmount(this.account.id, this.now));
      await this.tx.reportBalance({
        workspaceId: this.account.id,
        before: this.availableBefore,
        after,
        at: this.now,
        limitsReached: this.limits?.takeReached() ?? [],
        usage: this.usage.splice(0),
        grantsAdded: this.grantsAdded.splice(0),
      });
    }
  }

  private async sweepExpired(): Promise<void> {
    const expired = this.grants
      .filter((grant) => grant.remaining > 0 && isExpired(grant, this.now))
      .sort((a, b) => (a.expiresAt?.getTime() ?? 0) - (b.expiresAt?.getTime() ?? 0));
    for (const grant of expired) {
      await this.move(grant.id, -grant.remaining, 'expire', null, 'grant expired', grant.expiresAt ?? this.now);
    }
  }

  private async settleDebt(): Promise<void> {
    const payable = Math.min(this.debt, this.liveRemaining);
    if (payable <= 0) return;
    const { draws } = burnDown(this.grants, payable, this.now);
    for (const draw of draws) {
      await this.move(draw.grantId, -draw.amount, 'settle', null, 'overage repaid from new credits', this.now);
    }
    await this.moveDebt(-payable, 'settle', null, 'overage repaid from new credits');
  }

  private async move(
    grantId: string,
    delta: Millicredits,
    kind: NewLedgerLine['kind'],
    responseId: string | null,
    reason: string,
    at: Date,
  ): Promise<void> {
    const grant = this.grants.find((g) => g.id === grantId);
    if (!grant) throw new Error(`grant ${grantId} is not loaded`);
    if (grant.remaining + delta < 0 || grant.remaining + delta > grant.amount) {
      throw new Error(`grant ${grantId} cannot move by ${delta} from ${grant.remaining}`);
    }
    grant.remaining += delta;
    this.grantDeltas.set(grantId, (this.grantDeltas.get(grantId) ?? 0) + delta);
    this.balance += delta;
    this.lines.push({
      workspaceId: this.account.id,
      at,
      kind,
      amount: delta,
      grantId,
      responseId,
      reason,
      balanceAfter: this.balance,
    });
  }

  /**
   * Adds to the rollup rows of (quarter hour, channel, agent, features), and of the local day in the
   * locked account's zone; written once per row at flush.
   */
  bumpRollup(delta: Omit<RollupDelta, 'timeZone'>): void {
    const key = `${slotOf(delta.at)}\u0000${delta.channel}\u0000${delta.agentId}\u0000${delta.features.join(',')}`;
    const pending = this.rollups.get(key);
    if (!pending) {
      this.rollups.set(key, { ...delta, timeZone: this.account.timeZone });
      return;
    }
    pending.creditsUsed += delta.creditsUsed;
    pending.responses += delta.responses;
    pending.conversations += delta.conversations;
  }

  /** `added` > 0 borrows below zero; < 0 repays. Debt lines carry no grant. */
  private async moveDebt(added: Millicredits, kind: NewLedgerLine['kind'], responseId: string | null, reason: string) {
    this.account.overageDebt += added;
    this.balance -= added;
    this.lines.push({
      workspaceId: this.account.id,
      at: this.now,
      kind,
      amount: -added,
      grantId: null,
      responseId,
      reason,
      balanceAfter: this.balance,
    });
  }
}
