import { useId, useMemo, useState } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  type TooltipContentProps,
  XAxis,
  YAxis,
} from 'recharts';
import { useHistory, useToday } from '../api/queries.ts';
import type { UsagePoint } from '../api/types.ts';
import { conversationsOfDay } from '../conversation-links.ts';
import { formatCompact, formatCount, formatCredits, formatDay, formatDayYear, formatLongDay } from '../format.ts';
import { lastDays } from '../periods.ts';
import { Link, navigate } from '../router.tsx';
import { Card, CardError, CardLoading } from './card.tsx';
import { ForecastPanel } from './forecast-panel.tsx';
import { Segmented } from './segmented.tsx';

type Interval = 'day' | 'week';

const INTERVALS = [
  { value: 'day', label: 'Days' },
  { value: 'week', label: 'Weeks' },
] as const;

/** Colours and dash patterns both differ, so the lines stay apart in grey print and for colour-blind readers. */
export const SERIES = {
  creditsUsed: { label: 'Credits used', color: '#4338ca', dash: undefined },
  calls: { label: 'Calls', color: '#0f766e', dash: undefined },
  chats: { label: 'Chats', color: '#c2410c', dash: '6 4' },
} as const;

type SeriesKey = keyof typeof SERIES;

/** Round axis steps (1, 2, 2.5 or 5 times a power of ten) and the ticks that cover `max` in at most five steps. */
export function axisTicks(max: number, integers = false): number[] {
  if (max <= 0) return [0, 1];
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough) ?? 10 * power;
  const safeStep = integers ? Math.max(1, Math.ceil(step)) : step;
  const ticks: number[] = [];
  for (let tick = 0; tick < max + safeStep; tick += safeStep) {
    ticks.push(Math.round(tick * 1000) / 1000);
    if (tick >= max) break;
  }
  return ticks;
}

function periodLabel(start: string, interval: Interval): string {
  return interval === 'day' ? formatLongDay(start) : `Week of ${formatDayYear(start)}`;
}

function HistoryTooltip({
  active,
  payload,
  label,
  interval,
}: TooltipContentProps<number, string> & { interval: Interval }) {
  if (!active || !payload?.length || label === undefined) return null;
  const point = payload[0]?.payload as UsagePoint | undefined;
  if (!point) return null;
  return (
    <div className="chart-tooltip">
      <p className="chart-tooltip-title">{periodLabel(String(label), interval)}</p>
      <dl>
        {(Object.keys(SERIES) as SeriesKey[]).map((key) => (
          <div key={key}>
            <dt>
              <span className="swatch" style={{ background: SERIES[key].color }} aria-hidden="true" />
              {SERIES[key].label}
            </dt>
            <dd>{key === 'creditsUsed' ? formatCredits(point[key]) : formatCount(point[key])}</dd>
          </div>
        ))}
        <div>
          <dt>Responses</dt>
          <dd>{formatCount(point.responses)}</dd>
        </div>
      </dl>
    </div>
  );
}

/** One sentence a screen reader can take in instead of the picture. */
function describe(points: UsagePoint[], interval: Interval): string {
  if (points.length === 0) return 'No usage in this range.';
  const first = points[0];
  const last = points[points.length - 1];
  const peak = points.reduce((best, point) => (point.creditsUsed > best.creditsUsed ? point : best));
  const total = points.reduce((sum, point) => sum + point.creditsUsed, 0);
  if (!first || !last) return '';
  return `Usage by ${interval} from ${formatDayYear(first.start)} to ${formatDayYear(last.start)}: ${formatCredits(total)} credits in all; the busiest ${interval} was ${periodLabel(peak.start, interval)} with ${formatCredits(peak.creditsUsed)} credits.`;
}

function HistoryTable({ points, interval }: { points: UsagePoint[]; interval: Interval }) {
  return (
    <details className="chart-table">
      <summary>Show the figures as a table</summary>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">{interval === 'day' ? 'Day' : 'Week of'}</th>
              <th scope="col">Credits used</th>
              <th scope="col">Calls</th>
              <th scope="col">Chats</th>
              <th scope="col">Responses</th>
            </tr>
          </thead>
          <tbody>
            {points.map((point) => (
              <tr key={point.start}>
                <th scope="row">
                  {interval === 'day' ? (
                    <Link href={conversationsOfDay(point.start)}>{formatDayYear(point.start)}</Link>
                  ) : (
                    formatDayYear(point.start)
                  )}
                </th>
                <td>{formatCredits(point.creditsUsed)}</td>
                <td>{formatCount(point.calls)}</td>
                <td>{formatCount(point.chats)}</td>
                <td>{formatCount(point.responses)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

export function UsageHistoryCard() {
  const [interval, setGrouping] = useState<Interval>('day');
  // The last three months to today in the workspace's zone; polling refreshes the figures in it.
  const today = useToday();
  const range = useMemo(() => lastDays(91, today), [today]);
  const history = useHistory(range, interval);
  const captionId = useId();
  const points = history.data?.interval === interval ? history.data.points : (history.data?.points ?? []);
  const creditTicks = axisTicks(Math.max(0, ...points.map((p) => p.creditsUsed)));
  const conversationTicks = axisTicks(Math.max(0, ...points.map((p) => Math.max(p.calls, p.chats))), true);
  const average =
    interval === 'day' && points.length > 0 ? points.reduce((sum, p) => sum + p.creditsUsed, 0) / points.length : null;
  return (
    <Card
      title="Usage history"
      className="card-history"
      testId="history-card"
      action={
        <Segmented legend="Group by" name="interval" options={INTERVALS} value={interval} onChange={setGrouping} />
      }
    >
      <div className="history-layout">
        <div className="history-chart">
          {history.isPending ? (
            <CardLoading label="the usage history" lines={6} />
          ) : history.isError && !history.data ? (
            <CardError error={history.error} onRetry={() => history.refetch()} what="the usage history" />
          ) : (
            <figure aria-describedby={captionId} className={history.isPlaceholderData ? 'is-updating' : ''}>
              <div className="chart-axes" aria-hidden="true">
                <span>Credits</span>
                <span>Calls and chats</span>
              </div>
              <div className="chart-box" data-testid="history-chart" data-points={points.length}>
                <ResponsiveContainer width="100%" height="100%">
                  <LineChart
                    data={points}
                    margin={{ top: 4, right: 0, bottom: 0, left: 0 }}
                    // A day opens its conversations; the table below has the same links for the keyboard.
                    onClick={(state) => {
                      if (interval === 'day' && typeof state.activeLabel === 'string')
                        navigate(conversationsOfDay(state.activeLabel));
                    }}
                    style={interval === 'day' ? { cursor: 'pointer' } : undefined}
                  >
                    <CartesianGrid stroke="#e5e7eb" vertical={false} />
                    <XAxis
                      dataKey="start"
                      tickFormatter={(value: string) => formatDay(value)}
                      minTickGap={24}
                      tick={{ fill: '#4b5563', fontSize: 12 }}
                      tickLine={false}
                      axisLine={{ stroke: '#d1d5db' }}
                    />
                    <YAxis
                      yAxisId="credits"
                      ticks={creditTicks}
                      domain={[0, creditTicks[creditTicks.length - 1] ?? 1]}
                      tickFormatter={(value: number) => formatCompact(value)}
                      tick={{ fill: '#4b5563', fontSize: 12 }}
                      tickLine={false}
                      axisLine={false}
                      width={48}
                    />
                    <YAxis
                      yAxisId="conversations"
                      orientation="right"
                      ticks={conversationTicks}
                      domain={[0, conversationTicks[conversationTicks.length - 1] ?? 1]}
                      tickFormatter={(value: number) => formatCompact(value)}
                      tick={{ fill: '#4b5563', fontSize: 12 }}
                      tickLine={false}
                      axisLine={false}
                      width={44}
                      allowDecimals={false}
                    />
                    <Tooltip
                      content={(props) => (
                        <HistoryTooltip {...(props as TooltipContentProps<number, string>)} interval={interval} />
                      )}
                    />
                    <Legend
                      verticalAlign="bottom"
                      align="center"
                      height={28}
                      iconType="plainline"
                      itemSorter={null}
                      wrapperStyle={{ fontSize: 13 }}
                    />
                    {average !== null ? (
                      <ReferenceLine
                        yAxisId="credits"
                        y={average}
                        stroke="#6b7280"
                        strokeDasharray="2 4"
                        ifOverflow="extendDomain"
                      />
                    ) : null}
                    {(Object.keys(SERIES) as SeriesKey[]).map((key) => (
                      <Line
                        key={key}
                        yAxisId={key === 'creditsUsed' ? 'credits' : 'conversations'}
                        dataKey={key}
                        name={SERIES[key].label}
                        type="monotone"
                        stroke={SERIES[key].color}
                        strokeWidth={key === 'creditsUsed' ? 2.5 : 2}
                        strokeDasharray={SERIES[key].dash}
                        dot={interval === 'week'}
                        activeDot={{ r: 4 }}
                        isAnimationActive={false}
                      />
                    ))}
                  </LineChart>
                </ResponsiveContainer>
              </div>
              <figcaption id={captionId} className="chart-caption">
                {describe(points, interval)}
                {average !== null
                  ? ` The dotted line is the daily average, ${formatCredits(Math.round(average * 10) / 10)} credits.`
                  : ''}
              </figcaption>
              <HistoryTable points={points} interval={interval} />
            </figure>
          )}
        </div>
        <ForecastPanel />
      </div>
    </Card>
  );
}
