import type { FakeTwilioAccount } from './twilio-server.ts';
import type { FakeDayUsage } from './twilio-usage.ts';

/**
 * The account the demo workspace connects to. Its credentials are public on purpose: they only
 * open the local fake, never Twilio.
 */
export const DEMO_TWILIO_ACCOUNT_SID = 'AC7d1e5a0f3c2b49e8a6d4f1b2c3e5a7d9';
export const DEMO_TWILIO_AUTH_TOKEN = '5f2c8e1a9b3d4c6e7f8a0b1c2d3e4f5a';
export const DEMO_TWILIO_API_KEY_SID = 'SK3a9c1e5f7b2d4a6c8e0f1a3b5c7d9e1f';
export const DEMO_TWILIO_API_KEY_SECRET = 'demoSecretDemoSecretDemoSecret12';

/** A small deterministic hash of a day so the demo shows the same history on every start. */
function noise(day: string, salt: number): number {
  let h = 2166136261 ^ salt;
  for (const ch of day) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return ((h >>> 0) % 10_000) / 10_000;
}

/**
 * A small business's phone agent: busier on weekdays, about three minutes a call, a per-minute
 * price of a US local number, and three numbers whose rental is charged on the 1st of each month.
 */
export function demoDayUsage(day: string): FakeDayUsage {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  const calls = Math.round(weekend ? 8 + noise(day, 1) * 12 : 34 + noise(day, 2) * 38);
  const minutes = Math.round(calls * (2.4 + noise(day, 3) * 1.7));
  const callPrice = minutes * 0.014;
  const recordings = minutes * 0.0025;
  const numberRental = day.endsWith('-01') ? 3 * 1.15 : 0;
  return {
    calls,
    minutes,
    callPrice: callPrice.toFixed(4),
    recordingsPrice: recordings.toFixed(4),
    phoneNumbersPrice: numberRental.toFixed(4),
    totalPrice: (callPrice + recordings + numberRental).toFixed(4),
  };
}

export function demoAccount(): FakeTwilioAccount {
  return {
    sid: DEMO_TWILIO_ACCOUNT_SID,
    authToken: DEMO_TWILIO_AUTH_TOKEN,
    apiKeys: { [DEMO_TWILIO_API_KEY_SID]: DEMO_TWILIO_API_KEY_SECRET },
    friendlyName: 'Acme Dental (demo)',
    balance: '187.42',
    currency: 'USD',
    usage: demoDayUsage,
  };
}
