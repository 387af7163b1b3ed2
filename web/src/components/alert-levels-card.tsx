import { type FormEvent, useState } from 'react';
import { type AlertLevelInput, type AlertLevelsReply, useAlertLevels, useSetAlertLevels } from '../api/alerts.ts';
import { ApiError } from '../api/client.ts';
import { formatCredits } from '../format.ts';
import { Card, CardError, CardLoading } from './card.tsx';
import { Segmented } from './segmented.tsx';

type Kind = 'used_percent' | 'credits_left';

const KINDS = [
  { value: 'used_percent', label: '% used' },
  { value: 'credits_left', label: 'Credits left' },
] as const;

type Level = AlertLevelsReply['levels'][number];

function asInput(level: Level): AlertLevelInput {
  return level.kind === 'used_percent' ? { usedPercent: level.usedPercent } : { creditsLeft: level.creditsLeft };
}

function describe(level: Level): string {
  return level.kind === 'used_percent'
    ? `${level.usedPercent}% of the period's credits used`
    : `${formatCredits(level.creditsLeft ?? 0)} credits or less left`;
}

/** Admins choose the usage levels that send an alert (webhook and e-mail): shares used, or credits left. */
export function AlertLevelsCard() {
  const levels = useAlertLevels();
  const save = useSetAlertLevels();
  const [kind, setKind] = useState<Kind>('used_percent');
  const [value, setValue] = useState('');
  const data = levels.data;

  const add = (event: FormEvent) => {
    event.preventDefault();
    if (!data) return;
    const number = Number(value);
    const added: AlertLevelInput = kind === 'used_percent' ? { usedPercent: number } : { creditsLeft: number };
    save.mutate([...data.levels.map(asInput), added], { onSuccess: () => setValue('') });
  };

  return (
    <Card
      title="Usage alerts"
      className="card-wide"
      testId="alert-levels-card"
      action={data?.default ? <span className="badge badge-muted">Defaults</span> : null}
    >
      {levels.isPending ? (
        <CardLoading label="usage alerts" />
      ) : levels.isError || !data ? (
        <CardError error={levels.error} onRetry={() => levels.refetch()} what="usage alerts" />
      ) : (
        <>
          <p className="form-hint">
            Each level alerts once per period (webhook and e-mail to dashboard users), and again if usage drops back
            below it and reaches it again.
            {data.period.usedPercent === null ? '' : ` ${data.period.usedPercent}% of this period's credits used.`}
          </p>
          {data.levels.length === 0 ? <p className="muted">No usage alerts.</p> : null}
          <ul className="alert-levels" data-testid="alert-levels">
            {data.levels.map((level, index) => (
              <li key={describe(level)} data-testid="alert-level">
                <span>{describe(level)}</span>
                {level.reached ? <span className="badge badge-muted">Reached</span> : null}
                <button
                  type="button"
                  className="button button-secondary"
                  disabled={save.isPending}
                  onClick={() => save.mutate(data.levels.filter((_, other) => other !== index).map(asInput))}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
          <form className="connect-form" onSubmit={add}>
            <Segmented legend="Kind of level" name="alert-level-kind" options={KINDS} value={kind} onChange={setKind} />
            <div className="field">
              <label htmlFor="alert-level-value">
                {kind === 'used_percent' ? 'Alert at this percent used' : 'Alert at this many credits left'}
              </label>
              <input
                id="alert-level-value"
                inputMode="decimal"
                value={value}
                onChange={(event) => setValue(event.target.value)}
                placeholder={kind === 'used_percent' ? '90' : '150'}
                required
              />
            </div>
            {save.isError ? (
              <p className="form-error" role="alert">
                {save.error instanceof ApiError ? save.error.message : 'The alerts could not be saved.'}
              </p>
            ) : null}
            <div className="form-actions">
              <button type="submit" className="button button-primary" disabled={save.isPending}>
                Add alert
              </button>
              {data.default ? null : (
                <button
                  type="button"
                  className="button button-secondary"
                  disabled={save.isPending}
                  onClick={() => save.mutate(null)}
                >
                  Back to defaults
                </button>
              )}
            </div>
          </form>
        </>
      )}
    </Card>
  );
}
