import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Database } from './schema.ts';
import { mayQuery, TABLE_OWNERS } from './table-owners.ts';

const ROOT = join(import.meta.dirname, '..', '..');
type Table = keyof Database;
const TABLES = Object.keys(TABLE_OWNERS) as Table[];

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.includes('.test.'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

const RUNS_SQL = /\.(?:selectFrom|insertInto|updateTable|deleteFrom|mergeInto)\(|\bsql(?:<[^>]*>)?`/;

/**
 * The tables a file queries. In a file that runs SQL, a table counts when its name is a string literal
 * ('grants', 'grants as g', 'grants.remaining': query builders name tables so, also through a variable
 * typed with the literal) or follows FROM, JOIN, UPDATE or INTO in a `sql` template.
 */
function tablesQueried(source: string): Set<Table> {
  const found = new Set<Table>();
  if (!RUNS_SQL.test(source)) return found;
  const names = TABLES.join('|');
  for (const match of source.matchAll(new RegExp(`['"\`](${names})(?:['"\`]|\\.\\w| as )`, 'g'))) {
    found.add(match[1] as Table);
  }
  for (const template of source.matchAll(/\bsql(?:<[^>]*>)?`([^`]*)`/g)) {
    for (const match of (template[1] ?? '').matchAll(
      new RegExp(`\\b(?:from|join|update|into)\\s+"?(${names})\\b`, 'gi'),
    )) {
      found.add(match[1] as Table);
    }
  }
  return found;
}

const files = sourceFiles('src').filter((file) => !file.startsWith('src/store/'));
const queried = new Map(files.map((file) => [file, tablesQueried(readFileSync(join(ROOT, file), 'utf8'))]));

describe('each table has one owner', () => {
  it('names an owner that exists for every table of the schema', () => {
    const known = new Set(sourceFiles('src'));
    for (const [table, owners] of Object.entries(TABLE_OWNERS)) {
      expect(owners.length, table).toBeGreaterThan(0);
      for (const owner of owners) {
        const exists = owner.endsWith('/') ? [...known].some((file) => file.startsWith(owner)) : known.has(owner);
        expect(exists, `${table}: ${owner}`).toBe(true);
      }
    }
  });

  it('lets no file outside src/store query a table it does not own', () => {
    const trespasses = [...queried].flatMap(([file, tables]) =>
      [...tables].filter((table) => !mayQuery(file, table)).map((table) => `${file} queries ${table}`),
    );
    expect(trespasses).toEqual([]);
  });

  it('lets every owner, and no other file, import Kysely past the Biome rule', () => {
    const biome = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8')) as {
      overrides: { includes: string[]; linter?: { rules?: { style?: { noRestrictedImports?: unknown } } } }[];
    };
    const allowed = biome.overrides.find((o) => o.linter?.rules?.style?.noRestrictedImports === 'off')?.includes ?? [];
    const owners = new Set(
      Object.values(TABLE_OWNERS).flatMap((paths) => paths.map((p) => (p.endsWith('/') ? `${p}**` : p))),
    );
    expect([...owners].filter((owner) => !allowed.includes(owner))).toEqual([]);
    // Beyond the owners: the store itself.
    expect(allowed.filter((path) => !owners.has(path))).toEqual(['src/store/**']);
  });

  it('opens every transaction through the store, none with the query builder itself', () => {
    // Store.transaction is the one way: group commit on SQLite, the pipelined transaction on PostgreSQL.
    const opened = files.filter((file) => /\.transaction\(\)/.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(opened).toEqual([]);
  });

  it('sees a query on a table in the builder and in raw SQL', () => {
    expect(tablesQueried("await db.selectFrom('grants as g').innerJoin('workspaces', 'workspaces.id', 'g.x')")).toEqual(
      new Set(['grants', 'workspaces']),
    );
    expect(
      tablesQueried('await sql`select sum(amount) from ledger_lines l join "holds" h on true`.execute(db)'),
    ).toEqual(new Set(['ledger_lines', 'holds']));
    expect(tablesQueried("const label = 'grants';")).toEqual(new Set());
  });
});
