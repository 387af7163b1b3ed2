import { useId, useMemo, useState } from 'react';
import './usage-breakdown.css';
import { Bar, BarChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useBreakdown, useHistory, useSettings, useToday } from '../api/queries.ts';
import type { BreakdownRow, UsagePoint } from '../api/types.ts';
import { formatCompact, formatCount, formatCredits, formatDay, formatDayYear } from '../format.ts';
import { lastDays } from '../periods.ts';
import { Card, CardError, CardLoading } from './card.tsx';
import { Segmented } from './segmented.tsx';

type By = 'agent' | 'channel' | 'feature';

const DIMENSIONS = [
  { value: 'agent', label: 'By agent' },
  { value: 'channel', label: 'By channel' },
  { value: 'feature', label: 'By feature' },
] as const;

const KEY_HEADING: Record<By, string> = { agent: 'Agent', channel: 'Channel', feature: 'Features' };
const RANGE_DAYS = 30;
const BAR_COLOR = '#4338ca';

function keyLabel(by: By, key: string): string {
  if (by === 'channel') return key === 'call' ? 'Calls' : 'Chats';
  if (by === 'feature') return key === 'none' ? 'No features' : key.split('+').join(' + ');
  return key;
}

/** One sentence a screen reader can take in instead of the bars. */
function describe(rows: BreakdownRow[], by: By): string {
  if (rows.length === 0) return `No usage in the last ${RANGE_DAYS} days.`;
  const total = rows.reduce((sum, row) => sum + row.creditsUsed, 0);
  const top = rows[0];
  if (!top) return '';
  return `Credits used in the last ${RANGE_DAYS} days by ${by}: ${formatCredits(total)} in all; the most went to ${keyLabel(by, top.key)}, ${formatCredits(top.creditsUsed)} credits.`;
}

function BreakdownTable({ rows, by, onAgent }: { rows: BreakdownRow[]; by: By; onAgent: (agentId: string) => void }) {
  return (
    <div className="table-scroll">
      <table data-testid="breakdown-table">
        <thead>
          <tr>
            <th scope="col">{KEY_HEADING[by]}</th>
            <th scope="col">Credits used</th>
            <th scope="col">Calls</th>
            <th scope="col">Chats</th>
            <th scope="col">Responses</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key}>
              <th scope="row">
                {by === 'agent' ? (
                  <button type="button" className="link-button" onClick={() => onAgent(row.key)}>
                    {row.key}
                  </button>
                ) : (
                  keyLabel(by, row.key)
                )}
              </th>
              <td>{formatCredits(row.creditsUsed)}</td>
              <td>{formatCount(row.calls)}</td>
              <td>{formatCount(row.chats)}</td>
              <td>{formatCount(row.responses)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One agent's credits by day over the same range, with the figures as a table behind the line. */
function AgentHistory({ agentId, onClose }: { agentId: string; onClose: () => void }) {
  const today = useToday();
  const range = useMemo(() => lastDays(RANGE_DAYS, today), [today]);
  const history = useHistory(range, 'day', agentId);
  const captionId = useId();
  const points: UsagePoint[] = history.data?.points ?? [];
  const total = points.reduce((sum, point) => sum + point.creditsUsed, 0);
  return (
    <section className="agent-history" aria-label={`History of ${agentId}`} data-testid="agent-history">
      <header className="agent-history-header">
        <h3>History of {agentId}</h3>
        <button type="button" className="button button-secondary" onClick={onClose}>
          Close
        </button>
      </header>
      {history.isPending ? (
        <CardLoading label={`the history of ${agentId}`} lines={3} />
      ) : history.isError && !history.data ? (
        <CardError error={history.error} onRetry={() => history.refetch()} what={`the history of ${agentId}`} />
      ) : (
        <figure aria-describedby={captionId}>
          <div className="chart-box chart-box-small" aria-hidden="true">
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
                <CartesianGrid stroke="#e5e7eb" vertical={false} />
                <XAxis
                  dataKey="start"
                  tickFormatter={(value: string) => formatDay(value)}
                  minTickGap={24}
                  tick={{ fill: '#4b5563', fontSize: 12 }}
                />
                <YAxis tickFormatter={(value: number) => formatCompact(value)} width={44} tick={{ fontSize: 12 }} />
                <Tooltip formatter={(value) => [formatCredits(Number(value)), 'Credits used']} />
                <Line dataKey="creditsUsed" stroke={BAR_COLOR} strokeWidth={2} dot={false} isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          </div>
          <figcaption id={captionId} className="chart-caption" data-testid="agent-history-caption">
            {`${agentId} used ${formatCredits(total)} credits in the last ${RANGE_DAYS} days.`}
          </figcaption>
          <details className="chart-table">
            <summary>Show the figures as a table</summary>
            <div className="table-scroll">
              <table data-testid="agent-history-table">
                <thead>
                  <tr>
                    <th scope="col">Day</th>
                    <th scope="col">Credits used</th>
                    <th scope="col">Responses</th>
                  </tr>
                </thead>
                <tbody>
                  {points.map((point) => (
                    <tr key={point.start} data-day={point.start}>
                      <th scope="row">{formatDayYear(point.start)}</th>
                      <td>{formatCredits(point.creditsUsed)}</td>
                      <td>{formatCount(point.responses)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </figure>
      )}
    </section>
  );
}

/** Where the credits went over the last 30 days of the workspace's zone, by agent, channel or feature set. */
export function UsageBreakdownCard() {
  const [by, setBy] = useState<By>('agent');
  const [agent, setAgent] = useState<string | null>(null);
  const today = useToday();
  const zone = useSettings().data?.timeZone ?? 'UTC';
  const range = useMemo(() => lastDays(RANGE_DAYS, today), [today]);
  const breakdown = useBreakdown(range, by);
  const captionId = useId();
  const rows = breakdown.data?.by === by ? breakdown.data.rows : [];
  const chartHeight = Math.max(120, rows.length * 36 + 24);
  return (
    <Card
      title="Where the credits went"
      className="card-wide"
      testId="breakdown-card"
      action={<Segmented legend="Break down" name="breakdown" options={DIMENSIONS} value={by} onChange={setBy} />}
    >
      <p className="muted" data-testid="breakdown-range">
        Last {RANGE_DAYS} days, counted in {zone} days.
      </p>
      {breakdown.isPending ? (
        <CardLoading label="where the credits went" lines={4} />
      ) : breakdown.isError && !breakdown.data ? (
        <CardError error={breakdown.error} onRetry={() => breakdown.refetch()} what="where the credits went" />
      ) : (
        <figure aria-describedby={captionId} className={breakdown.isPlaceholderData ? 'is-updating' : ''}>
          <div className="chart-box" style={{ height: chartHeight }} aria-hidden="true" data-testid="breakdown-chart">
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 16, bottom: 0, left: 0 }}>
                <CartesianGrid stroke="#e5e7eb" horizontal={false} />
                <XAxis type="number" tickFormatter={(value: number) => formatCompact(value)} tick={{ fontSize: 12 }} />
                <YAxis
                  type="category"
                  dataKey="key"
                  width={120}
                  tickFormatter={(key: string) => keyLabel(by, key)}
                  tick={{ fill: '#4b5563', fontSize: 12 }}
                />
                <Tooltip formatter={(value) => [formatCredits(Number(value)), 'Credits used']} />
                <Bar
                  dataKey="creditsUsed"
                  fill={BAR_COLOR}
                  isAnimationActive={false}
                  cursor={by === 'agent' ? 'pointer' : undefined}
                  onClick={(bar) => {
                    const row = bar.payload as BreakdownRow | undefined;
                    if (by === 'agent' && row) setAgent(row.key);
                  }}
                />
              </BarChart>
            </ResponsiveContainer>
          </div>
          <figcaption id={captionId} className="chart-caption">
            {describe(rows, by)}
            {by === 'agent' ? ' Choose an agent to see its history.' : ''}
          </figcaption>
          <BreakdownTable rows={rows} by={by} onAgent={setAgent} />
        </figure>
      )}
      {agent ? <AgentHistory agentId={agent} onClose={() => setAgent(null)} /> : null}
    </Card>
  );
}
