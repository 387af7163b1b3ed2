import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePassword } from '../users/users.ts';

/**
 * The demo user's password: TALLY_DEMO_PASSWORD when set; otherwise generated once into the data
 * folder (owner-only), so the password `npm start` prints stays the same across restarts.
 */
export function loadOrCreateDemoPassword(configured: string | null, dataDir: string): string {
  if (configured) return configured;
  const file = join(dataDir, 'demo-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = generatePassword();
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}
