import { useId, useMemo, useState } from 'react';
import { rangeQuery, useSummary, useToday } from '../api/queries.ts';
import { formatCount, formatCredits, formatDayRange } from '../format.ts';
import {
  customRange,
  type DayRange,
  lastDays,
  PERIOD_LABELS,
  type PeriodChoice,
  rangeFor,
  toDateInput,
} from '../periods.ts';
import { Card, CardError, CardLoading } from './card.tsx';
import { Segmented } from './segmented.tsx';

const CHOICES = (Object.keys(PERIOD_LABELS) as PeriodChoice[]).map((value) => ({ value, label: PERIOD_LABELS[value] }));

function Stat({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="summary-stat">
      <p className="stat-label">{label}</p>
      <p className="stat-value stat-value-large" data-testid={testId}>
        {value}
      </p>
    </div>
  );
}

function CustomDates({ onRange }: { onRange: (range: DayRange) => void }) {
  const initial = lastDays(14, useToday());
  const [first, setFirst] = useState(toDateInput(initial.from));
  const [last, setLast] = useState(toDateInput(new Date(initial.to.getTime() - 86_400_000)));
  const fromId = useId();
  const toId = useId();
  const range = customRange(first, last);
  const problem = typeof range === 'string' ? range : null;
  const update = (nextFirst: string, nextLast: string) => {
    setFirst(nextFirst);
    setLast(nextLast);
    const next = customRange(nextFirst, nextLast);
    if (typeof next !== 'string') onRange(next);
  };
  return (
    <div className="custom-dates">
      <div className="field field-inline">
        <label htmlFor={fromId}>From</label>
        <input id={fromId} type="date" value={first} max={last} onChange={(e) => update(e.target.value, last)} />
      </div>
      <div className="field field-inline">
        <label htmlFor={toId}>To</label>
        <input id={toId} type="date" value={last} min={first} onChange={(e) => update(first, e.target.value)} />
      </div>
      {problem ? (
        <p className="form-error" role="alert">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

export function UsageSummaryCard() {
  const [choice, setChoice] = useState<PeriodChoice>('this-month');
  const today = useToday();
  const [custom, setCustom] = useState<DayRange>(() => lastDays(14, today));
  // Recomputed on choice only: the range stays put while the page polls, even across midnight.
  const range = useMemo(() => (choice === 'custom' ? custom : rangeFor(choice, today)), [choice, custom, today]);
  const summary = useSummary(range);
  const data = summary.data;
  return (
    <Card
      title="Usage summary"
      className="card-summary"
      testId="summary-card"
      action={
        <a className="button button-secondary" href={`/v1/usage/export.csv?${rangeQuery(range)}`} download>
          Export CSV
        </a>
      }
    >
      <div className="summary-controls">
        <Segmented legend="Period" name="period" options={CHOICES} value={choice} onChange={setChoice} />
        {choice === 'custom' ? <CustomDates onRange={setCustom} /> : null}
      </div>
      <p className="summary-range" data-testid="summary-range" aria-live="polite">
        {formatDayRange(range.from, range.to)}
      </p>
      {summary.isPending ? (
        <CardLoading label="the usage summary" lines={2} />
      ) : summary.isError && !data ? (
        <CardError error={summary.error} onRetry={() => summary.refetch()} what="the usage summary" />
      ) : data ? (
        <div className={`summary-stats ${summary.isPlaceholderData ? 'is-updating' : ''}`}>
          <Stat label="Credits used" value={formatCredits(data.creditsUsed)} testId="summary-credits" />
          <Stat label="No of calls" value={formatCount(data.calls)} testId="summary-calls" />
          <Stat label="No of chats" value={formatCount(data.chats)} testId="summary-chats" />
          <Stat label="Responses" value={formatCount(data.responses)} testId="summary-responses" />
        </div>
      ) : null}
    </Card>
  );
}
