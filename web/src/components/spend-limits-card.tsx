import { type FormEvent, useEffect, useId, useState } from 'react';
import { ApiError } from '../api/client.ts';
import { type LimitsReply, useSetSpendLimits, useSpendLimits } from '../api/limits.ts';
import { useCanChange } from '../api/queries.ts';
import { formatCredits } from '../format.ts';
import { Card, CardError, CardLoading } from './card.tsx';
import { Segmented } from './segmented.tsx';

type Mode = 'block' | 'alert';
interface Row {
  key: number;
  agentId: string;
  credits: string;
  mode: Mode;
}

const MODES = [
  { value: 'block', label: 'Block' },
  { value: 'alert', label: 'Alert only' },
] as const;

let nextKey = 0;
const rowOf = (agentId = '', credits = '', mode: Mode = 'block'): Row => ({ key: nextKey++, agentId, credits, mode });

function describe(credits: number, mode: Mode): string {
  return `${formatCredits(credits)} credits a period, ${mode === 'block' ? 'then blocked' : 'alert only'}`;
}

/** What is set, for a session that may only look. */
function LimitsList({ data }: { data: LimitsReply }) {
  if (!data.workspace && data.agents.length === 0) return <p className="muted">No spend limits are set.</p>;
  return (
    <ul className="offer-features" data-testid="limits-list">
      {data.workspace ? <li>Workspace: {describe(data.workspace.credits, data.workspace.mode)}</li> : null}
      {data.agents.map((agent) => (
        <li key={agent.agentId}>
          Agent {agent.agentId}: {describe(agent.credits, agent.mode)}
        </li>
      ))}
    </ul>
  );
}

function LimitsForm({ data }: { data: LimitsReply }) {
  const save = useSetSpendLimits();
  const ids = useId();
  const [workspaceCredits, setWorkspaceCredits] = useState('');
  const [workspaceMode, setWorkspaceMode] = useState<Mode>('block');
  const [rows, setRows] = useState<Row[]>([]);
  useEffect(() => {
    setWorkspaceCredits(data.workspace ? String(data.workspace.credits) : '');
    setWorkspaceMode(data.workspace?.mode ?? 'block');
    setRows(data.agents.map((agent) => rowOf(agent.agentId, String(agent.credits), agent.mode)));
  }, [data]);
  const change = (key: number, patch: Partial<Row>) =>
    setRows((current) => current.map((row) => (row.key === key ? { ...row, ...patch } : row)));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({
      workspace: workspaceCredits.trim() === '' ? null : { credits: Number(workspaceCredits), mode: workspaceMode },
      agents: rows
        .filter((row) => row.agentId.trim() !== '')
        .map((row) => ({ agentId: row.agentId.trim(), credits: Number(row.credits), mode: row.mode })),
    });
  };
  const error = save.error instanceof ApiError ? save.error : null;
  return (
    <form onSubmit={submit} data-testid="limits-form" aria-describedby={`${ids}-hint`}>
      <p className="form-hint" id={`${ids}-hint`}>
        Credits per billing period. Block refuses responses past the limit; alert only sends the limit.reached webhook.
        Leave the workspace limit empty for none.
      </p>
      <div className="field">
        <label htmlFor={`${ids}-ws`}>Workspace limit (credits)</label>
        <input
          id={`${ids}-ws`}
          inputMode="decimal"
          value={workspaceCredits}
          onChange={(event) => setWorkspaceCredits(event.target.value)}
          data-testid="limit-workspace-credits"
        />
      </div>
      <Segmented
        legend="When the workspace limit is reached"
        options={MODES}
        value={workspaceMode}
        onChange={setWorkspaceMode}
        name="limit-workspace-mode"
      />
      {rows.map((row, index) => (
        <fieldset key={row.key} className="field" data-testid={`limit-agent-${index}`}>
          <legend>Agent limit {index + 1}</legend>
          <label htmlFor={`${ids}-agent-${row.key}`}>Agent id</label>
          <input
            id={`${ids}-agent-${row.key}`}
            value={row.agentId}
            onChange={(event) => change(row.key, { agentId: event.target.value })}
            spellCheck={false}
            autoComplete="off"
          />
          <label htmlFor={`${ids}-credits-${row.key}`}>Credits</label>
          <input
            id={`${ids}-credits-${row.key}`}
            inputMode="decimal"
            value={row.credits}
            onChange={(event) => change(row.key, { credits: event.target.value })}
          />
          <Segmented
            legend={`When agent limit ${index + 1} is reached`}
            options={MODES}
            value={row.mode}
            onChange={(mode) => change(row.key, { mode })}
            name={`limit-agent-${index}-mode`}
          />
          <button
            type="button"
            className="button button-secondary"
            onClick={() => setRows((current) => current.filter((other) => other.key !== row.key))}
          >
            Remove agent limit {index + 1}
          </button>
        </fieldset>
      ))}
      {error ? (
        <p className="form-error" role="alert" data-testid="limits-error">
          {error.message}
        </p>
      ) : save.isSuccess ? (
        <p className="form-hint" role="status" data-testid="limits-saved">
          Spend limits saved.
        </p>
      ) : null}
      <div className="form-actions">
        <button type="button" className="button button-secondary" onClick={() => setRows((r) => [...r, rowOf()])}>
          Add an agent limit
        </button>
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          Save limits
        </button>
      </div>
    </form>
  );
}

/** Spend limits per billing period, for the workspace and per agent; admins set them, viewers see them. */
export function SpendLimitsCard() {
  const limits = useSpendLimits();
  const canChange = useCanChange();
  return (
    <Card title="Spend limits" className="card-wide" testId="spend-limits-card">
      {limits.isPending ? (
        <CardLoading label="spend limits" />
      ) : limits.isError || !limits.data ? (
        <CardError error={limits.error} onRetry={() => limits.refetch()} what="spend limits" />
      ) : canChange ? (
        <LimitsForm data={limits.data} />
      ) : (
        <LimitsList data={limits.data} />
      )}
    </Card>
  );
}
