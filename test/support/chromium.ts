import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import chromium from '@sparticuz/chromium';

/** Where a run finds Chromium: the one the suite checked at start is passed on in TALLY_CHROMIUM. */
export interface ChromiumBinary {
  executablePath: string;
  /** Environment the browser needs beside the caller's (fonts for the packaged build). */
  env: Record<string, string>;
  source: 'TALLY_CHROMIUM' | 'system' | '@sparticuz/chromium';
}

const SYSTEM_CHROMIUM = '/usr/bin/chromium';
/** Per checkout and per user, so a build unpacked by one user never blocks another. */
const UNPACK_DIR = fileURLToPath(new URL('../../node_modules/.cache/tally-chromium', import.meta.url));

/**
 * TALLY_CHROMIUM when set, else Debian's /usr/bin/chromium when it exists, else the Chromium that
 * the npm package @sparticuz/chromium ships, unpacked once into node_modules/.cache.
 */
export async function findChromium(): Promise<ChromiumBinary> {
  const chosen = process.env.TALLY_CHROMIUM;
  if (chosen) return { executablePath: chosen, env: packagedEnv(chosen), source: 'TALLY_CHROMIUM' };
  if (existsSync(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM, env: {}, source: 'system' };
  mkdirSync(UNPACK_DIR, { recursive: true });
  // The package unpacks into os.tmpdir(), which follows TMPDIR: point it at our folder for this call.
  const tmpdir = process.env.TMPDIR;
  process.env.TMPDIR = UNPACK_DIR;
  try {
    const executablePath = await chromium.executablePath();
    return { executablePath, env: packagedEnv(executablePath), source: '@sparticuz/chromium' };
  } finally {
    if (tmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpdir;
  }
}

/** The packaged build brings its own fonts beside the binary; a system Chromium uses the system's. */
function packagedEnv(executablePath: string): Record<string, string> {
  const fonts = join(executablePath, '..', 'fonts');
  return existsSync(join(fonts, 'fonts.conf')) ? { FONTCONFIG_PATH: fonts } : {};
}
