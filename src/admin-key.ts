import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey } from './keys/api-keys.ts';

/**
 * The operator key: TALLY_ADMIN_KEY when set; on the embedded default, generated on first start
 * into the data folder (owner-only) and reported once so the operator can copy it.
 */
export function loadOrCreateAdminKey(configured: string | null, dataDir: string): { key: string; created: boolean } {
  if (configured) return { key: configured, created: false };
  const file = join(dataDir, 'admin.key');
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), created: false };
  const { key } = generateKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, created: true };
}
