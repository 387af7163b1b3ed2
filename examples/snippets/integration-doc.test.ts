import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const doc = readFileSync(`${root}docs/integration.md`, 'utf8');

/** Every fenced block of the page, with the snippet marker on the line before it, if any. */
function codeBlocks(): Array<{ file: string | null; code: string }> {
  const blocks = [...doc.matchAll(/(?:<!-- snippet: (\S+) -->\n)?```\w*\n([\s\S]*?)```/g)];
  return blocks.map((match) => ({ file: match[1] ?? null, code: match[2] ?? '' }));
}

it('shows every code block of docs/integration.md exactly as its file in examples/snippets', () => {
  const blocks = codeBlocks();
  expect(blocks.length).toBeGreaterThan(0);
  for (const block of blocks) {
    expect(block.file, `a code block without a snippet marker:\n${block.code}`).not.toBeNull();
    expect(block.code, `docs/integration.md differs from ${block.file}`).toBe(
      readFileSync(`${root}${block.file}`, 'utf8'),
    );
  }
});

it('shows every snippet file', () => {
  const snippets = readdirSync(`${root}examples/snippets`)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    .map((name) => `examples/snippets/${name}`);
  expect(
    codeBlocks()
      .map((block) => block.file)
      .sort(),
  ).toEqual(snippets.sort());
});
