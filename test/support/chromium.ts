import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
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

/**
 * The packaged build brings its own fonts beside the binary, but its fonts.conf names the folders
 * of AWS Lambda (/tmp/fonts, /opt/fonts), which exist nowhere else: pages would render without a
 * single glyph. We write a fonts.conf of our own that names the fonts where they were unpacked.
 * A system Chromium uses the system's fonts.
 */
function packagedEnv(executablePath: string): Record<string, string> {
  const fonts = join(executablePath, '..', 'fonts', 'fonts');
  if (!existsSync(fonts)) return {};
  const config = join(executablePath, '..', 'tally-fonts.conf');
  if (!existsSync(config)) {
    const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    // Written aside and renamed, so a browser starting meanwhile never reads half a file.
    const draft = `${config}.${process.pid}`;
    writeFileSync(
      draft,
      [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
        '<fontconfig>',
        `  <dir>${xml(fonts)}</dir>`,
        `  <cachedir>${xml(join(executablePath, '..', 'fonts-cache'))}</cachedir>`,
        '</fontconfig>',
        '',
      ].join('\n'),
    );
    renameSync(draft, config);
  }
  return { FONTCONFIG_FILE: config };
}
