import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * One owner per table (docs/architecture.md, "Who owns which table"): SQL that writes a table
 * (INSERT/UPDATE/DELETE/COPY/MERGE/TRUNCATE, or a TypeORM save/insert/update/delete of its entity)
 * may appear in its owner module's folder only. The tables are read from the migrations; triggers
 * live there, so the ledger tables' triggers count as the ledger module's, not as a second writer.
 * Another module that needs a change of the table calls the owner's repository functions, or
 * composes a hot-path statement from fragments the owner exports (the owner's file spells the SQL).
 */
export const OWNERS: Record<string, string> = {
  users: 'auth',
  api_keys: 'auth',
  idempotency_keys: 'common', // the Idempotency-Key interceptor (src/common/idempotency.ts)
  rate_limit_counters: 'common', // the shared rate limit (src/common/rate-limit-store.ts)
  guilds: 'guilds',
  workspaces: 'workspaces',
  tasks: 'tasks',
  connections: 'tasks',
  members: 'members',
  invites: 'members',
  subscriptions: 'members',
  ledger_accounts: 'ledger',
  ledger_transactions: 'ledger',
  ledger_entries: 'ledger',
  payment_methods: 'ledger',
  card_charges: 'ledger',
  payouts: 'ledger',
  batches: 'batches',
  data: 'batches',
  batch_connections: 'batches',
  batch_task_settings: 'batches',
  batch_shards: 'batches',
  files: 'batches',
  file_blobs: 'batches',
  work_items: 'work',
  assignments: 'work',
  submissions: 'work',
  answer_slots: 'work',
  work_item_members: 'work',
  answers: 'work',
  gold_items: 'quality',
  member_task_skills: 'quality', // the Dawid–Skene refresh (B.7); read by the submit
  task_models: 'quality',
  webhooks: 'webhooks',
  webhook_deliveries: 'webhooks',
  webhook_attempts: 'webhooks',
  batch_watchers: 'results', // live progress streams (src/results/progress-hub.ts)
  queue_processes: 'queue', // the queue's live processes (src/queue)
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
    for (const m of up.matchAll(
      /\b(CREATE|DROP)\s+(?:UNLOGGED\s+|TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?([a-z_][a-z0-9_]*(?:\s*,\s*[a-z_][a-z0-9_]*)*)/gi,
    )) {
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

export interface Source {
  module: string;
  text: string;
}

/** Every non-test .ts file under src/, with its module. */
export function srcSources(): Source[] {
  return sourceFiles(path.join(ROOT, 'src')).map((f) => ({ module: moduleOf(f), text: fs.readFileSync(f, 'utf8') }));
}

/** table → the module folders whose code writes it */
export function writersByTable(tables: string[], sources: Source[] = srcSources()): Map<string, Set<string>> {
  const entityTable = new Map<string, string>();
  for (const { text } of sources) {
    for (const m of text.matchAll(/@Entity\(\s*'([a-z_0-9]+)'\s*\)\s*(?:export\s+)?class\s+(\w+)/g)) entityTable.set(m[2], m[1]);
  }
  const names = tables.join('|');
  const sqlWrite = new RegExp(
    `(?<!\\b(?:FOR|DO|KEY)\\s+)\\b(?:INSERT\\s+INTO|UPDATE|DELETE\\s+FROM|COPY|MERGE\\s+INTO|TRUNCATE(?:\\s+TABLE)?)\\s+(?:ONLY\\s+)?(${names})\\b`,
    'gi',
  );
  const ormWrite = new RegExp(`\\.(?:${WRITE_VERBS.join('|')})\\(\\s*(\\w+)\\b`, 'g');
  const writers = new Map<string, Set<string>>(tables.map((t) => [t, new Set<string>()]));
  for (const { module: mod, text } of sources) {
    const addEntity = (entity: string) => {
      const table = entityTable.get(entity);
      if (table) writers.get(table)?.add(mod);
    };
    for (const m of text.matchAll(sqlWrite)) writers.get(m[1].toLowerCase())?.add(mod);
    for (const m of text.matchAll(ormWrite)) {
      const table = entityTable.get(m[1]);
      if (table) writers.get(table)?.add(mod);
    }
    // a repository of the entity: ds.getRepository(XEntity).delete(…), or `const repo = …getRepository(XEntity)`
    // then repo.save(…); @InjectRepository(XEntity) repo; query builders: .insert().into(X), .delete().from(X)
    const verbs = WRITE_VERBS.join('|');
    for (const m of text.matchAll(new RegExp(`getRepository\\(\\s*(\\w+)\\s*\\)\\s*\\.(?:${verbs})\\(`, 'g'))) addEntity(m[1]);
    for (const m of text.matchAll(/(?:(\w+)\s*=\s*[\w.]*getRepository|@InjectRepository)\(\s*(\w+)\s*\)\s*(?:(?:private|readonly|public)\s+)*(\w+)?/g)) {
      const name = m[1] ?? m[3];
      if (name && new RegExp(`\\b${name}\\.(?:${verbs})\\(`).test(text)) addEntity(m[2]);
    }
    for (const m of text.matchAll(/\.(?:into|delete\(\)\s*\.from)\(\s*(\w+)\b/g)) addEntity(m[1]);
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

/** Tables written by a module other than their owner: table → the trespassing modules. */
export function trespassers(tables: string[], sources: Source[] = srcSources()): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [table, mods] of writersByTable(tables, sources)) {
    const others = [...mods].filter((m) => m !== OWNERS[table]).sort();
    if (others.length) out[table] = others;
  }
  return out;
}

describe('every table has one owner', () => {
  const tables = migratedTables();

  it('reads the tables of the migrations', () => {
    expect(tables).toEqual(expect.arrayContaining(['users', 'batches', 'work_items', 'ledger_entries', 'webhook_deliveries']));
    expect(tables).not.toContain('jobs'); // dropped by migration 1732500300000
  });

  it('names an owner module for every table', () => {
    expect(tables.filter((t) => !OWNERS[t])).toEqual([]);
    expect(Object.keys(OWNERS).filter((t) => !tables.includes(t))).toEqual([]); // no stale entry
  });

  it('finds the SQL that writes each table in its owner module only', () => {
    expect(trespassers(tables)).toEqual({});
  });

  it('fails when a second module writes a table (the check can fail)', () => {
    const writes = [
      "await sql(em, `UPDATE work_items SET status = 'open' WHERE id = $1`, [id])",
      'await em.query(`INSERT INTO ledger_entries (account_id) VALUES ($1)`)',
      "await sql(em, 'DELETE FROM data WHERE id = $1', [id])",
      'await em.query(`COPY users FROM STDIN`)',
      'await em.save(em.create(GuildEntity, { name }))',
      'await this.db.getRepository(TaskEntity).delete({ id })',
      'const repo = this.db.getRepository(ApiKeyEntity);\nawait repo.update({ id }, { name })',
    ];
    const found = trespassers(tables, [...srcSources(), ...writes.map((text) => ({ module: 'members', text }))]);
    expect(found).toEqual({
      work_items: ['members'],
      ledger_entries: ['members'],
      data: ['members'],
      users: ['members'],
      guilds: ['members'],
      tasks: ['members'],
      api_keys: ['members'],
    });
    // reads and row locks are not writes
    const reads = ['SELECT 1 FROM work_items FOR UPDATE SKIP LOCKED', 'INSERT INTO x ON CONFLICT (id) DO UPDATE SET a = 1', 'SELECT … FOR KEY UPDATE'];
    expect(trespassers(tables, [...srcSources(), ...reads.map((text) => ({ module: 'members', text }))])).toEqual({});
  });
});
