import { DEFAULT_LOW_CREDIT_THRESHOLD, isLow } from '../domain/low-credit.ts';
import type { Store } from '../store/store.ts';
import type { Catalog } from './catalog.ts';

/** Plan limits and the low-credit rule shown beside the balance. */
export class PlanInsights {
  constructor(
    private readonly store: Store,
    private readonly catalog: Catalog,
    private readonly upgradeUrl: string,
  ) {}

  async agents(workspaceId: string): Promise<{ used: number; allowed: number | null }> {
    const [workspace, used] = await Promise.all([
      this.store.db.selectFrom('workspaces').select('plan').where('id', '=', workspaceId).executeTakeFirst(),
      this.store.db
        .selectFrom('conversations')
        .select((eb) => eb.fn.count<number>('agent_id').distinct().as('agents'))
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirst(),
    ]);
    const plan = workspace ? this.catalog.data.plans.find((p) => p.id === workspace.plan) : undefined;
    return { used: Number(used?.agents ?? 0), allowed: plan?.agents ?? null };
  }

  async low(_workspaceId: string, available: number, periodGranted: number) {
    if (!isLow(available, DEFAULT_LOW_CREDIT_THRESHOLD, periodGranted)) return { low: false };
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
