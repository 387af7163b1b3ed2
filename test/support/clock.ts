/** A clock tests move by hand. */
export class TestClock {
  private current: number;

  constructor(start: string | Date = '2026-11-01T12:00:00Z') {
    this.current = new Date(start).getTime();
  }

  now = (): Date => new Date(this.current);

  advance(ms: number): Date {
    this.current += ms;
    return this.now();
  }

  set(at: string | Date): Date {
    this.current = new Date(at).getTime();
    return this.now();
  }
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
