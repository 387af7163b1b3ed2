import { creditsToMillicredits, millicreditsToCredits } from '../domain/amounts.ts';
import { TallyError } from '../domain/errors.ts';

/** Decimal credits and RFC 3339 strings exist only at this edge; inside, millicredits and Dates. */
export const toCredits = millicreditsToCredits;
export const toMillicredits = creditsToMillicredits;

export function parseTime(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) {
    throw new TallyError('invalid_request', `${field} must be an RFC 3339 time such as 2026-11-25T10:00:00Z.`, {
      field,
    });
  }
  return at;
}

export const iso = (at: Date): string => at.toISOString();
export const isoOrNull = (at: Date | null): string | null => (at ? at.toISOString() : null);
