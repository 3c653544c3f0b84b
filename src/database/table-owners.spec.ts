import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * One owner per table (docs/architecture.md, "Who owns which table"): SQL that writes a table
 * (INSERT/UPDATE/DELETE/COPY, or a TypeORM save/insert/update/delete of its entity) may appear in
 * one module's folder only. The tables are read from the migrations; triggers live there, so the
 * ledger tables' triggers count as the ledger module's, not as a second writer.
 *
 * KNOWN_SHARED lists the writers that still cross a module boundary today (issue 14, step 2
 * moves them into their owner's repository). The test fails on any writer not listed, and on a
 * listed one that is gone — so the list can only shrink.
 */
const KNOWN_SHARED: Record<string, string[]> = {
  // table: every module folder that writes it today, sorted (owner per docs/architecture.md in the comment)
  assignments: ['batches', 'work'], // work
  batches: ['batches', 'work'], // batches
  data: ['batches', 'work'], // batches
  ledger_entries: ['transactions', 'work'], // transactions (the ledger)
  ledger_transactions: ['transactions', 'work'], // transactions (the ledger)
  submissions: ['batches', 'work'], // work
  work_items: ['batches', 'work'], // work
};

const ROOT = path.resolve(__dirname, '..', '..');
const WRITE_VERBS = ['save', 'insert', 'update', 'delete', 'remove', 'upsert', 'softDelete', 'increment', 'decrement'];

/** Tables that exist after every migration's up(): CREATE TABLE adds, DROP TABLE removes. */
export function migratedTables(): string[] {
  const dir = path.join(ROOT, 'migrations');
  const tables = new Set<string>();
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => /^\d+-.*\.ts$/.test(f))
    .sort()) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const up = text.slice(text.indexOf('async up('), text.indexOf('async down(') >= 0 ? text.indexOf('async down(') : undefined);
    for (const m of up.matchAll(/\b(CREATE|DROP)\s+TABLE\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?([a-z_][a-z0-9_]*(?:\s*,\s*[a-z_][a-z0-9_]*)*)/gi)) {
      for (const name of m[2].split(',').map((s) => s.trim().toLowerCase())) {
        if (m[1].toUpperCase() === 'CREATE') tables.add(name);
        else tables.delete(name);
      }
    }
  }
  return [...tables].sort();
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [p] : [];
  });
}

/** The module a file belongs to: its first folder under src/ ('.' for src/*.ts). */
function moduleOf(file: string): string {
  const rel = path.relative(path.join(ROOT, 'src'), file).split(path.sep);
  return rel.length > 1 ? rel[0] : '.';
}

/** table → the module folders whose code writes it */
export function writersByTable(tables: string[]): Map<string, Set<string>> {
  const files = sourceFiles(path.join(ROOT, 'src'));
  const entityTable = new Map<string, string>();
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(/@Entity\(\s*'([a-z_0-9]+)'\s*\)\s*(?:export\s+)?class\s+(\w+)/g)) entityTable.set(m[2], m[1]);
  }
  const names = tables.join('|');
  const sqlWrite = new RegExp(`(?<!\\b(?:FOR|DO|KEY)\\s+)\\b(?:INSERT\\s+INTO|UPDATE|DELETE\\s+FROM|COPY)\\s+(?:ONLY\\s+)?(${names})\\b`, 'gi');
  const ormWrite = new RegExp(`\\.(?:${WRITE_VERBS.join('|')})\\(\\s*(\\w+)\\b`, 'g');
  const writers = new Map<string, Set<string>>(tables.map((t) => [t, new Set<string>()]));
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    const mod = moduleOf(f);
    for (const m of text.matchAll(sqlWrite)) writers.get(m[1].toLowerCase())?.add(mod);
    for (const m of text.matchAll(ormWrite)) {
      const table = entityTable.get(m[1]);
      if (table) writers.get(table)?.add(mod);
    }
    // em.save(em.create(XEntity, …)) and repository.save(entity) of a created entity
    if (/\.save\(/.test(text)) {
      for (const m of text.matchAll(/\.create\(\s*(\w+)\b/g)) {
        const table = entityTable.get(m[1]);
        if (table) writers.get(table)?.add(mod);
      }
    }
  }
  return writers;
}

describe('every table has one owner', () => {
  const tables = migratedTables();

  it('reads the tables of the migrations', () => {
    expect(tables).toEqual(expect.arrayContaining(['users', 'batches', 'work_items', 'ledger_entries', 'webhook_deliveries']));
    expect(tables).not.toContain('jobs'); // dropped by migration 1732500300000
  });

  it('finds the SQL that writes a table in one module folder only (beyond the known, shrinking list)', () => {
    const writers = writersByTable(tables);
    const shared: Record<string, string[]> = {};
    for (const [table, mods] of writers) if (mods.size > 1) shared[table] = [...mods].sort();
    expect(shared).toEqual(KNOWN_SHARED);
  });

  it('detects a write from a second module (the check can fail)', () => {
    const text = "await em.query(`UPDATE work_items SET status = 'open' WHERE id = $1`)";
    const re = new RegExp(`\\b(?:INSERT\\s+INTO|UPDATE|DELETE\\s+FROM|COPY)\\s+(work_items)\\b`, 'gi');
    expect([...text.matchAll(re)].map((m) => m[1])).toEqual(['work_items']);
    expect('SELECT 1 FROM work_items FOR UPDATE SKIP LOCKED').not.toMatch(/(?<!\b(?:FOR|DO|KEY)\s+)\bUPDATE\s+work_items\b/i);
  });
});
