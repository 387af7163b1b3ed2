import type { Millicredits } from '../domain/amounts.ts';
import { TallyError } from '../domain/errors.ts';
import { liveRemaining } from '../domain/grants.ts';
import { canAfford } from '../domain/overage.ts';
import { workspaceMustExist } from '../domain/workspace-exists.ts';
import type { Store } from '../store/store.ts';
import { price } from './pricing.ts';

export interface CheckInput {
  workspaceId: string;
  features?: string[];
  count?: number;
}

export interface CheckResult {
  allowed: boolean;
  cost: Millicredits;
  available: Millicredits;
}

export const MAX_COUNT = 10_000;

export function validateCount(count: number | undefined): number {
  const value = count ?? 1;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_COUNT) {
    throw new TallyError('invalid_request', `count must be a whole number from 1 to ${MAX_COUNT}.`, { field: 'count' });
  }
  return value;
}

/**
 * May the workspace pay for `count` responses now? Reads only, in one snapshot; takes no lock and
 * writes nothing.
 */
export async function checkCredits(store: Store, input: CheckInput, now: Date): Promise<CheckResult> {
  const count = validateCount(input.count);
  return store.snapshot(async (reader) => {
    const account = workspaceMustExist(await reader.lockAccount(input.workspaceId), input.workspaceId);
    const [grants, held, { cost }] = await Promise.all([
      reader.openGrants(input.workspaceId),
      reader.heldAmount(input.workspaceId, now),
      price(reader, input.features ?? [], count, now),
    ]);
    const available = liveRemaining(grants, now) - held - account.overageDebt;
    return { allowed: canAfford(available, cost, account.overageLimit), cost, available };
  });
}
