import { DEFAULT_LOW_CREDIT_THRESHOLD, isLow, type LowCreditThreshold } from '../domain/low-credit.ts';
import { findWorkspace } from '../ledger/workspaces.ts';
import type { Store } from '../store/store.ts';
import { Agents } from './agents.ts';
import type { Catalog } from './catalog.ts';

/** Plan limits and the low-credit rule shown beside the balance. */
export class PlanInsights {
  constructor(
    private readonly store: Store,
    private readonly catalog: Catalog,
    private readonly upgradeUrl: string,
    /** Each workspace's own low-credit threshold (src/alerts keeps it); the default for all when left out. */
    private readonly thresholds: { thresholdOf(workspaceId: string): Promise<LowCreditThreshold> } = {
      thresholdOf: async () => DEFAULT_LOW_CREDIT_THRESHOLD,
    },
  ) {}

  /** Agents registered (POST /v1/agents) against the plan's limit. */
  async agents(workspaceId: string): Promise<{ used: number; allowed: number | null }> {
    const [workspace, used] = await Promise.all([
      findWorkspace({ ctx: { store: this.store }, input: { workspaceId } }),
      new Agents(this.store, this.catalog).count(workspaceId),
    ]);
    const plan = workspace ? this.catalog.planOrFallback(workspace.plan) : undefined;
    return { used, allowed: plan?.agents ?? null };
  }

  async low(workspaceId: string, available: number, periodGranted: number) {
    if (!isLow(available, await this.thresholds.thresholdOf(workspaceId), periodGranted)) return { low: false };
    return {
      low: true,
      upgrade: {
        url: this.upgradeUrl,
        reason:
          available <= 0
            ? 'Credits are used up: agents cannot respond until you add credits.'
            : 'Credits are running low.',
      },
    };
  }
}
