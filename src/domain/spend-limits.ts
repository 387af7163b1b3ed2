import type { Millicredits } from './amounts.ts';
import { TallyError } from './errors.ts';
import type { Period } from './periods.ts';

export type LimitMode = 'block' | 'alert';
export type LimitScope = 'workspace' | 'agent';

/** A limit as the workspace sets it: for the whole workspace (`agentId` null) or for one agent. */
export interface LimitSetting {
  agentId: string | null;
  limit: Millicredits;
  mode: LimitMode;
}

/** A limit and what it has counted in the period its workspace is in. */
export interface LimitCounter extends LimitSetting {
  /** Charges of the period minus their refunds. */
  used: Millicredits;
  /** `limit.reached` was announced for this limit in this period. */
  reached: boolean;
}

/** A workspace's limits and their counters, all of one billing period. */
export interface SpendLimits {
  periodStart: Date;
  counters: readonly LimitCounter[];
}

/** Why a charge or hold is refused: the block limit it would pass. */
export interface LimitRefusal {
  scope: LimitScope;
  agentId: string | null;
  limit: Millicredits;
  used: Millicredits;
}

/** A limit reached for the first time this period: what `limit.reached` tells. */
export interface LimitReached extends LimitRefusal {
  mode: LimitMode;
  periodStart: Date;
  periodEnd: Date;
}

/** What a charge or hold asks of the limits: its agent (none for a hold), its cost, and what others hold. */
export interface SpendAttempt {
  agentId: string | null;
  cost: Millicredits;
  held: Millicredits;
}

export const MAX_AGENT_LIMITS = 500;

export const scopeOf = (counter: LimitSetting): LimitScope => (counter.agentId === null ? 'workspace' : 'agent');

const applies = (counter: LimitSetting, agentId: string | null) =>
  counter.agentId === null || counter.agentId === agentId;

/**
 * Refuses a limit of 0 or less, a mode other than block/alert and the same agent twice; `field`
 * names each setting's place in the request (e.g. `agents[2]`).
 */
export function validateLimitSettings(settings: readonly (LimitSetting & { field: string })[]): void {
  const agents = new Set<string>();
  for (const setting of settings) {
    if (!Number.isSafeInteger(setting.limit) || setting.limit <= 0) {
      throw new TallyError('invalid_request', `${setting.field}.credits must be more than 0.`, {
        field: `${setting.field}.credits`,
      });
    }
    if (setting.mode !== 'block' && setting.mode !== 'alert') {
      throw new TallyError('invalid_request', `${setting.field}.mode must be "block" or "alert".`, {
        field: `${setting.field}.mode`,
      });
    }
    if (setting.agentId === null) continue;
    if (agents.has(setting.agentId)) {
      throw new TallyError('invalid_request', `Agent ${setting.agentId} has two limits; send one per agent.`, {
        field: `${setting.field}.agentId`,
      });
    }
    agents.add(setting.agentId);
  }
  if (agents.size > MAX_AGENT_LIMITS) {
    throw new TallyError('invalid_request', `At most ${MAX_AGENT_LIMITS} agents may have a limit.`, {
      field: 'agents',
    });
  }
}

/** The limits as of `period`: counters of an earlier period start again from zero. */
export function limitsInPeriod(limits: SpendLimits, period: Period): SpendLimits {
  if (limits.periodStart.getTime() === period.start.getTime()) return limits;
  return {
    periodStart: period.start,
    counters: limits.counters.map((counter) => ({ ...counter, used: 0, reached: false })),
  };
}

/**
 * New settings over the period's counters: what the period has spent (`spent`: the workspace's
 * total and each agent's) becomes each limit's `used`; a limit kept unchanged keeps whether it
 * was announced, a new or changed one is announced when it is next reached.
 */
export function limitsFromSettings(
  settings: readonly LimitSetting[],
  spent: { total: Millicredits; byAgent: ReadonlyMap<string, Millicredits> },
  current: SpendLimits | null,
  period: Period,
): SpendLimits | null {
  if (settings.length === 0) return null;
  const before = current ? limitsInPeriod(current, period).counters : [];
  return {
    periodStart: period.start,
    counters: settings.map((setting) => {
      const same = before.find(
        (counter) =>
          counter.agentId === setting.agentId && counter.limit === setting.limit && counter.mode === setting.mode,
      );
      const used = setting.agentId === null ? spent.total : (spent.byAgent.get(setting.agentId) ?? 0);
      return { ...setting, used, reached: same?.reached ?? false };
    }),
  };
}

/**
 * The block limit a spend would take past, or null. The workspace's limit counts what others hold
 * as spent already (holds belong to no agent, so an agent's limit counts charges only); a limit
 * may be spent up to exactly its amount.
 */
export function limitRefusal(limits: SpendLimits, attempt: SpendAttempt): LimitRefusal | null {
  for (const counter of limits.counters) {
    if (counter.mode !== 'block' || !applies(counter, attempt.agentId)) continue;
    const held = counter.agentId === null ? attempt.held : 0;
    if (counter.used + held + attempt.cost > counter.limit) {
      return { scope: scopeOf(counter), agentId: counter.agentId, limit: counter.limit, used: counter.used };
    }
  }
  return null;
}

function reachedOf(counter: LimitCounter, period: Period): LimitReached {
  return {
    scope: scopeOf(counter),
    agentId: counter.agentId,
    limit: counter.limit,
    used: counter.used,
    mode: counter.mode,
    periodStart: period.start,
    periodEnd: period.end,
  };
}

/** The limits after a change to their counters, and the limits it reached for the first time this period. */
export interface LimitsChanged {
  limits: SpendLimits;
  reached: LimitReached[];
}

function changeCounters(
  limits: SpendLimits,
  period: Period,
  change: (counter: LimitCounter) => LimitCounter,
): LimitsChanged {
  const reached: LimitReached[] = [];
  const counters = limits.counters.map((counter) => {
    const next = change(counter);
    if (next.reached && !counter.reached) reached.push(reachedOf(next, period));
    return next;
  });
  return { limits: { ...limits, counters }, reached };
}

/** Counts a charge of `agentId` against the limits it falls under: one is reached when used at or past it. */
export function spendAgainstLimits(
  limits: SpendLimits,
  agentId: string,
  cost: Millicredits,
  period: Period,
): LimitsChanged {
  return changeCounters(limits, period, (counter) => {
    if (!applies(counter, agentId)) return counter;
    const used = counter.used + cost;
    return { ...counter, used, reached: counter.reached || used >= counter.limit };
  });
}

/** A block limit refused a spend: that is reaching it, announced once per period. */
export function refusedByLimit(limits: SpendLimits, refusal: LimitRefusal, period: Period): LimitsChanged {
  return changeCounters(limits, period, (counter) =>
    counter.agentId === refusal.agentId && !counter.reached ? { ...counter, reached: true } : counter,
  );
}

/**
 * A refund lowers `used` of the limits its charge counted against, when the charge was made in
 * this period; a refund of an earlier period's charge changes nothing here.
 */
export function refundAgainstLimits(
  limits: SpendLimits,
  charge: { agentId: string; cost: Millicredits; chargedAt: Date },
  period: Period,
): SpendLimits {
  const at = charge.chargedAt.getTime();
  if (at < period.start.getTime() || at >= period.end.getTime()) return limits;
  const counters = limits.counters.map((counter) =>
    applies(counter, charge.agentId) ? { ...counter, used: Math.max(0, counter.used - charge.cost) } : counter,
  );
  return { ...limits, counters };
}
