import { useSpendLimits } from '../api/limits.ts';
import { formatCredits, formatPercent } from '../format.ts';
import { Link } from '../router.tsx';
import { Card } from './card.tsx';

/** An agent at or past this share of its limit is shown as near it. */
const NEAR = 0.8;

function Progress({ label, used, credits, testId }: { label: string; used: number; credits: number; testId: string }) {
  const share = Math.min(used / credits, 1);
  return (
    <div className="field" data-testid={testId}>
      <label>
        {label}: {formatCredits(used)} / {formatCredits(credits)} credits ({formatPercent(used / credits)})
        <progress max={1} value={share} aria-label={`${label}: ${formatPercent(used / credits)} of the limit used`} />
      </label>
    </div>
  );
}

/** Where the spend limits stand this billing period; shown only when one is set. */
export function LimitProgressCard() {
  const limits = useSpendLimits();
  const data = limits.data;
  if (!data || (!data.workspace && data.agents.length === 0)) return null;
  const near = data.agents.filter((agent) => agent.used >= agent.credits * NEAR);
  return (
    <Card title="Spend limits" className="card-wide" testId="limit-progress">
      {data.workspace ? (
        <Progress
          label="Workspace"
          used={data.workspace.used}
          credits={data.workspace.credits}
          testId="limit-progress-workspace"
        />
      ) : null}
      {near.map((agent) => (
        <Progress
          key={agent.agentId}
          label={`Agent ${agent.agentId}`}
          used={agent.used}
          credits={agent.credits}
          testId={`limit-progress-agent-${agent.agentId}`}
        />
      ))}
      {data.agents.length > 0 && near.length === 0 ? (
        <p className="muted">No agent is near its limit ({data.agents.length} with a limit).</p>
      ) : null}
      <p className="form-hint">
        This billing period. <Link href="/upgrade">Change limits</Link>
      </p>
    </Card>
  );
}
