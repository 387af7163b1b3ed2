/** A small seeded PRNG (mulberry32), so the demo shows the same three months on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DemoDay {
  calls: number;
  chats: number;
}

/**
 * How busy a demo business is on a day: weekdays busier than weekends, a slow growth over the
 * three months, a campaign bump in the middle, and day-to-day noise.
 */
export function demoDay(dayIndex: number, totalDays: number, date: Date, random: () => number): DemoDay {
  const weekday = date.getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  const growth = 0.75 + 0.5 * (dayIndex / Math.max(1, totalDays));
  const campaign = Math.abs(dayIndex - totalDays * 0.55) < 4 ? 1.6 : 1;
  const noise = 0.8 + random() * 0.4;
  const scale = (weekend ? 0.45 : 1) * growth * campaign * noise;
  return { calls: Math.round(6 * scale), chats: Math.round(12 * scale) };
}
