// Restores a dataset directory on a PostgreSQL-family engine (server or PGlite), the way
// pg_restore -j does it:
//   1. schema-pre.sql — pg_dump's pre-data section, run as a pg_dump script is (run-sql-script.ts:
//      one transaction, ALTER … OWNER TO / GRANT skipped since the roles need not exist here, a
//      SET of a parameter this server does not know skipped);
//   2. the data — `COPY t (columns) FROM STDIN` per table, straight from the gunzip stream. Each
//      table loads in a transaction that first empties it (TRUNCATE of the table just created),
//      so COPY can FREEZE: the rows are written frozen and all-visible, as a vacuumed production
//      table's are, and nothing rewrites hint bits during the rehearsal. PGlite takes a COPY's
//      data whole in memory, so the data goes in slices of at most 64 MB, each a COPY of its own;
//   3. schema-post.sql — the sequence positions first; then primary keys, unique constraints and
//      indexes (built over the loaded rows); foreign keys (validated against them); and whatever
//      else pg_dump's post-data section holds (triggers, rules, …), in the file's order.
// Steps 2 and 3 share a scheduler over every session the caller gives (a server: two): the
// largest table's data first, and a table's keys and indexes as soon as its data is in, while
// other tables still load. Each piece of work is a transaction of its own, and two pieces that
// would conflict on a table's lock never run at once (two index builds on one table may), so no
// session ever waits for another's lock.
import { join } from 'node:path';
import { DatabaseError, toDatabaseError, type Session } from '../../engines/engine.ts';
import { EnvironmentError, InputError } from '../../errors.ts';
import { qualified, quoteIdent } from '../../observe/postgres/names.ts';
import { redactDataValues } from '../../redact.ts';
import { LineReader } from '../line-reader.ts';
import { runSqlScript } from '../run-sql-script.ts';
import { DEFAULT_BATCH_LIMITS, ScriptExecutor } from '../script-executor.ts';
import { loadParser, roleOf } from '../statement-role.ts';
import { StatementSplitter, type ScriptStatement } from '../statement-splitter.ts';
import type { DatasetTable } from './manifest.ts';
import { DataFileError, dataFilePath, SCHEMA_POST_FILE, SCHEMA_PRE_FILE, verifiedDataChunks } from './reader.ts';
import type { DialectRestore, DialectRestoreResult } from './restore.ts';

/** PGlite holds a COPY's data in memory: no COPY gets more than this. */
const COPY_SLICE_BYTES = 64 << 20;

interface TargetTable {
  /** `"schema"."table"` */
  sql: string;
  /** A plain table referenced by no foreign key yet: TRUNCATE + COPY FREEZE applies. */
  freezable: boolean;
  /** A plain table (not partitioned): a primary key can be built as a unique index, then attached. */
  plain: boolean;
}

export async function restorePostgres(context: DialectRestore): Promise<DialectRestoreResult> {
  const { session, dir, manifest } = context;
  const copyFrom = session.copyFrom;
  if (!copyFrom) throw new EnvironmentError('ENGINE_FAILED', 'this PostgreSQL engine has no COPY FROM STDIN: rehearse cannot load the dataset on it');
  const postPath = join(dir, SCHEMA_POST_FILE);
  // Planned before anything runs (a section with psql meta-commands runs after the data as a script, which says what is wrong).
  const post = await planPostData(postPath);

  let started = performance.now();
  await runSchemaScript(session, join(dir, SCHEMA_PRE_FILE));
  const schemaPre = Math.round(performance.now() - started);
  context.log(`schema-pre.sql: ${schemaPre} ms`);
  context.checkAborted();

  started = performance.now();
  const targets = await targetTables(session, dir, manifest.tables);
  const sessions = await context.loadSessions();
  const runners = sessions.map((s) => new PostRunner(s, postPath, post?.settings ?? []));
  let rows = 0;
  let dataDone = started;
  try {
    if (post) await runners[0]!.inOrder(post.head);
    const sizes = new Map(manifest.tables.map((t) => [tableKey(t.name), t.fileBytes]));
    const tasks: Task[] = manifest.tables.map((table) => ({
      kind: 'data',
      locks: new Map([[tableKey(table.name), 'exclusive']]),
      size: table.fileBytes,
      run: async (runner) => {
        const started = performance.now();
        const loaded = await copyTable(runner.session, dir, table, targets.get(table.name)!);
        rows += loaded;
        context.log(`table ${table.name}: ${loaded} rows in ${Math.round(performance.now() - started)} ms`);
      },
    }));
    if (post) {
      const plainTables = new Set(manifest.tables.filter((t) => targets.get(t.name)!.plain).map((t) => tableKey(t.name)));
      for (const local of post.tableLocal) tasks.push(tableLocalTask(local, sizes.get(local.table) ?? 0, plainTables.has(local.table)));
    }
    await schedule(runners, tasks, context.checkAborted, () => (dataDone = performance.now()));
    const data = Math.round(dataDone - started);
    context.checkAborted();

    if (post) {
      for (const run of post.rest) {
        if (run.kind === 'in-order') await runners[0]!.inOrder(run.statements);
        else await schedule(runners, run.statements.map((fk) => postTask(fk.statement, new Map(fk.tables.map((t) => [t, 'exclusive'])), sizes.get(fk.tables[0]!) ?? 0, [])), context.checkAborted);
      }
    } else {
      await runSchemaScript(session, postPath);
    }
    // Keys and indexes of the tables loaded first were built while others loaded: counted in `data`.
    const schemaPost = Math.round(performance.now() - dataDone);
    context.log(`schema-post.sql: ${schemaPost} ms after the last table's data`);
    const froze = [...targets.values()].some((t) => t.freezable);
    return { rows, sessions: sessions.length, method: froze ? 'COPY FREEZE' : 'COPY', notes: [], phases: { schemaPre, data, schemaPost } };
  } finally {
    // pg_dump's SET lines change the sessions' settings: back to a new session's.
    await Promise.all(sessions.map((s) => s.exec('RESET ALL').catch(() => {})));
  }
}

/** A pg_dump section, as a pg_dump script is run; then the session's settings as a new session's (pg_dump's SETs change them). */
async function runSchemaScript(session: Session, path: string): Promise<void> {
  try {
    await runSqlScript(session, { path });
  } finally {
    await session.exec('RESET ALL').catch(() => {});
  }
}

/** Each table of the manifest as schema-pre.sql created it; a table it did not create is an error. */
async function targetTables(session: Session, dir: string, tables: DatasetTable[]): Promise<Map<string, TargetTable>> {
  const result = new Map<string, TargetTable>();
  if (tables.length === 0) return result;
  const values = tables.map((t) => {
    const { schema, name } = splitName(t.name);
    return `(${literal(t.name)}, ${literal(schema)}, ${literal(name)})`;
  });
  const { rows } = await session.query<{ name: string; relkind: string | null; referenced: boolean }>(
    `SELECT t.name, c.relkind::text AS relkind,
            EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.confrelid = c.oid) AS referenced
       FROM (VALUES ${values.join(', ')}) AS t(name, nsp, rel)
       LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = t.nsp
       LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = t.rel`,
  );
  const found = new Map(rows.map((r) => [r.name, r]));
  for (const table of tables) {
    const row = found.get(table.name);
    if (!row?.relkind || !['r', 'p'].includes(row.relkind)) {
      throw new InputError('DATASET_INVALID', `the manifest lists table "${table.name}", which ${SCHEMA_PRE_FILE} does not create`, { location: { file: join(dir, SCHEMA_PRE_FILE) } });
    }
    const { schema, name } = splitName(table.name);
    result.set(table.name, { sql: qualified(schema, name), freezable: row.relkind === 'r' && !row.referenced, plain: row.relkind === 'r' });
  }
  return result;
}

/** `schema.table`, or `table` in public (how the manifest names PostgreSQL tables). */
function splitName(name: string): { schema: string; name: string } {
  const dot = name.indexOf('.');
  return dot < 0 ? { schema: 'public', name } : { schema: name.slice(0, dot), name: name.slice(dot + 1) };
}

/** The key a table goes by in the scheduler: `schema.table` as the catalog spells it. */
function tableKey(manifestName: string): string {
  const { schema, name } = splitName(manifestName);
  return `${schema}.${name}`;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

async function copyTable(session: Session, dir: string, table: DatasetTable, target: TargetTable): Promise<number> {
  const columns = table.columns.map((c) => quoteIdent(c.name)).join(', ');
  const copySql = `COPY ${target.sql} (${columns}) FROM STDIN${target.freezable ? ' WITH (FREEZE)' : ''}`;
  await session.exec(target.freezable ? `BEGIN; TRUNCATE ${target.sql}` : 'BEGIN');
  try {
    const slicer = new LineSlicer(verifiedDataChunks(dir, table), COPY_SLICE_BYTES);
    let rows = 0;
    while (!slicer.done) {
      const firstLine = slicer.linesBefore + 1;
      try {
        rows += await session.copyFrom!(copySql, slicer.slice());
      } catch (error) {
        throw copyFailure(dir, table, error, firstLine);
      }
    }
    if (rows !== table.rows) {
      throw new DataFileError(table.name, table.file, `loaded as ${rows} rows, the manifest says ${table.rows}`, dataFilePath(dir, table));
    }
    await session.exec('COMMIT');
    return rows;
  } catch (error) {
    await session.exec('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** The server refused a row: the data file's line (from the server's `COPY t, line N` context) and its reason, values left out. */
function copyFailure(dir: string, table: DatasetTable, error: unknown, firstLine: number): unknown {
  const failure = toDatabaseError(error);
  if (!(failure instanceof DatabaseError)) return failure;
  if (['08', '53', '57', '58', 'XX'].includes((failure.sqlstate ?? '').slice(0, 2))) return failure;
  const dataLine = /^COPY [^,]*, line (\d+)/.exec(failure.details.where ?? '')?.[1];
  const line = dataLine === undefined ? undefined : firstLine + Number(dataLine) - 1;
  return new InputError('DATASET_RESTORE_FAILED', `table "${table.name}": ${redactDataValues(failure.message)} (SQLSTATE ${failure.sqlstate})`, {
    location: { file: dataFilePath(dir, table), ...(line === undefined ? {} : { line }) },
    cause: failure,
  });
}

/**
 * Cuts a stream of bytes into slices that end on a line boundary, each at most about `maxBytes`
 * (a line longer than that stays whole), for one COPY each.
 */
export class LineSlicer {
  #source: AsyncIterator<Buffer>;
  #carry: Buffer | undefined;
  /** Set once the source has ended (and so passed its checks). */
  done = false;
  /** Lines handed out in earlier slices. */
  linesBefore = 0;

  constructor(
    source: AsyncIterable<Buffer>,
    private readonly maxBytes: number,
  ) {
    this.#source = source[Symbol.asyncIterator]();
  }

  async *slice(): AsyncGenerator<Buffer> {
    let sent = 0;
    const give = (chunk: Buffer) => {
      sent += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) this.linesBefore++;
      return chunk;
    };
    if (this.#carry) {
      const carry = this.#carry;
      this.#carry = undefined;
      yield give(carry);
    }
    for (;;) {
      const next = await this.#source.next();
      if (next.done) {
        this.done = true;
        return;
      }
      const chunk = next.value;
      if (sent + chunk.length >= this.maxBytes) {
        const cut = chunk.lastIndexOf(10);
        if (cut >= 0) {
          if (cut + 1 < chunk.length) this.#carry = chunk.subarray(cut + 1);
          yield give(chunk.subarray(0, cut + 1));
          return;
        }
      }
      yield give(chunk);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// schema-post.sql, planned

type LockMode = 'shared' | 'exclusive';

interface TableLocalStatement {
  statement: ScriptStatement;
  table: string;
  /** CREATE INDEX takes a SHARE lock (index builds on one table may run together); ALTER TABLE … ADD CONSTRAINT an ACCESS EXCLUSIVE one. */
  mode: LockMode;
}

interface ForeignKeyStatement {
  statement: ScriptStatement;
  /** The constrained table, then the referenced one. */
  tables: string[];
}

type PostRun = { kind: 'in-order'; statements: ScriptStatement[] } | { kind: 'foreign-keys'; statements: ForeignKeyStatement[] };

export interface PostDataPlan {
  /** SET lines (and pg_dump's set_config of search_path): every session runs them before its first statement of the file. */
  settings: ScriptStatement[];
  /** The SELECTs before the first key or index (sequence positions): on the first session, before the data. */
  head: ScriptStatement[];
  /** The run of primary keys, unique / check / exclusion constraints and indexes that follows: each as soon as its table's data is in. */
  tableLocal: TableLocalStatement[];
  /** The rest, in the file's order: runs of foreign keys (in parallel where their tables allow), everything else on one session. */
  rest: PostRun[];
}

const IDENT = String.raw`(?:"(?:[^"]|"")*"|[^\s."(),;]+)`;
const TABLE = String.raw`(${IDENT}(?:\s*\.\s*${IDENT})?)`;
const ADD_CONSTRAINT = new RegExp(String.raw`^ALTER\s+TABLE\s+(?:ONLY\s+)?${TABLE}\s+ADD\s+CONSTRAINT\s+${IDENT}\s+(PRIMARY\s+KEY|UNIQUE|CHECK|EXCLUDE|FOREIGN\s+KEY)\b`, 'i');
const CREATE_INDEX = new RegExp(String.raw`^CREATE\s+(?:UNIQUE\s+)?INDEX\s+${IDENT}\s+ON\s+(?:ONLY\s+)?${TABLE}\s`, 'i');
const REFERENCES = new RegExp(String.raw`\)\s*REFERENCES\s+${TABLE}`, 'i');

/** What a post-data statement is for the scheduler: table-local work, a foreign key, or something to run in order. */
export function classifyPostStatement(text: string): { kind: 'table-local'; table: string; mode: LockMode } | { kind: 'foreign-key'; tables: string[] } | { kind: 'other' } {
  const index = CREATE_INDEX.exec(text);
  if (index) return { kind: 'table-local', table: canonicalTable(index[1]!), mode: 'shared' };
  const constraint = ADD_CONSTRAINT.exec(text);
  if (!constraint) return { kind: 'other' };
  const table = canonicalTable(constraint[1]!);
  if (!/^FOREIGN/i.test(constraint[2]!)) return { kind: 'table-local', table, mode: 'exclusive' };
  const references = REFERENCES.exec(text.slice(constraint[0].length));
  return references ? { kind: 'foreign-key', tables: [table, canonicalTable(references[1]!)] } : { kind: 'other' };
}

/** `public.orders`, `"Billing"."Invoices"`, `orders` → `schema.table` as the catalog spells it. */
function canonicalTable(sql: string): string {
  const parts: string[] = [];
  const ident = new RegExp(IDENT, 'gy');
  let i = 0;
  while (i < sql.length) {
    ident.lastIndex = i;
    const match = ident.exec(sql);
    if (!match) break;
    const raw = match[0];
    parts.push(raw.startsWith('"') ? raw.slice(1, -1).replaceAll('""', '"') : raw.toLowerCase());
    i = ident.lastIndex;
    while (i < sql.length && /[\s.]/.test(sql[i]!)) i++;
  }
  return parts.length === 1 ? `public.${parts[0]}` : parts.join('.');
}

function isSetting(statement: ScriptStatement): boolean {
  return statement.firstWord === 'set' || (statement.firstWord === 'select' && /^select\s+pg_catalog\.set_config\s*\(/i.test(statement.text));
}

/**
 * Splits schema-post.sql into the plan above, or undefined when it holds something the plan does
 * not take apart (a psql meta-command other than pg_dump's \restrict, a COPY): then the file runs
 * after the data as a pg_dump script, which reports what is wrong with it.
 */
async function planPostData(path: string): Promise<PostDataPlan | undefined> {
  await loadParser();
  const statements: ScriptStatement[] = [];
  const reader = new LineReader({ path });
  const splitter = new StatementSplitter();
  for (let line = await reader.next(); line; line = await reader.next()) {
    if (splitter.inCode && line.text.startsWith('\\')) {
      if (/^\\(un)?restrict\b/.test(line.text)) continue;
      return undefined;
    }
    statements.push(...splitter.feed(line.text, line.number));
  }
  const last = splitter.finish();
  if (last) statements.push(last);
  if (statements.some((s) => roleOf(s).kind === 'copy-from-stdin')) return undefined;

  const plan: PostDataPlan = { settings: [], head: [], tableLocal: [], rest: [] };
  let phase: 'head' | 'table-local' | 'rest' = 'head';
  for (const statement of statements) {
    const what = classifyPostStatement(statement.text);
    if (isSetting(statement)) {
      if (phase === 'rest') addInOrder(plan, statement);
      else plan.settings.push(statement);
    } else if (what.kind === 'table-local' && phase !== 'rest') {
      phase = 'table-local';
      plan.tableLocal.push({ statement, table: what.table, mode: what.mode });
    } else if (phase === 'head' && what.kind === 'other' && statement.firstWord === 'select') {
      // Sequence positions (setval). Anything else — a trigger above all — waits for the data.
      plan.head.push(statement);
    } else {
      phase = 'rest';
      if (what.kind === 'foreign-key') {
        const lastRun = plan.rest.at(-1);
        if (lastRun?.kind === 'foreign-keys') lastRun.statements.push({ statement, tables: what.tables });
        else plan.rest.push({ kind: 'foreign-keys', statements: [{ statement, tables: what.tables }] });
      } else {
        addInOrder(plan, statement);
      }
    }
  }
  return plan;
}

function addInOrder(plan: PostDataPlan, statement: ScriptStatement): void {
  const lastRun = plan.rest.at(-1);
  if (lastRun?.kind === 'in-order') lastRun.statements.push(statement);
  else plan.rest.push({ kind: 'in-order', statements: [statement] });
}

/** Runs statements of schema-post.sql on one session the way runSqlScript would: owners and grants skipped, file:line on failure. */
class PostRunner {
  readonly #executor: ScriptExecutor;
  #settingsDone = false;

  constructor(
    readonly session: Session,
    path: string,
    private readonly settings: ScriptStatement[],
  ) {
    this.#executor = new ScriptExecutor(session, path, DEFAULT_BATCH_LIMITS);
  }

  /** One transaction for all of `statements`. */
  async inOrder(statements: ScriptStatement[]): Promise<void> {
    if (statements.length === 0) return;
    await this.#applySettings();
    await this.#executor.begin();
    try {
      for (const statement of statements) {
        const role = roleOf(statement);
        if (role.kind !== 'copy-from-stdin') await this.#executor.run(statement, role);
      }
      await this.#executor.commit();
    } catch (error) {
      await this.#executor.rollback();
      throw error;
    }
  }

  /** Outside a transaction, so that a parameter this server does not know is skipped, as psql would. */
  async #applySettings(): Promise<void> {
    if (this.#settingsDone) return;
    this.#settingsDone = true;
    for (const statement of this.settings) {
      const role = roleOf(statement);
      if (role.kind !== 'copy-from-stdin') await this.#executor.run(statement, role);
    }
  }
}

interface Task {
  kind: 'data' | 'post';
  /** The tables it works on, and how: two tasks that share a table run together only if both hold it `shared`. */
  locks: Map<string, LockMode>;
  /** Priority: the bytes of the data of the table it works on (largest first). */
  size: number;
  /** Tables whose data must be loaded first. */
  after?: string[];
  run(runner: PostRunner): Promise<void>;
  /** Work that becomes possible once this task is done. */
  then?: Task;
}

function postTask(statement: ScriptStatement, locks: Map<string, LockMode>, size: number, after: string[]): Task {
  return { kind: 'post', locks, size, after, run: (runner) => runner.inOrder([statement]) };
}

/**
 * A key, constraint or index of one table, once its data is in. A plain `PRIMARY KEY (cols)` or
 * `UNIQUE (cols)` of a plain table is built as `CREATE UNIQUE INDEX` (a SHARE lock: it builds
 * alongside the table's other indexes) and then attached with `ADD CONSTRAINT … USING INDEX`
 * (an instant catalog change): the same constraint and index as the ALTER TABLE would make, which
 * would hold the table's ACCESS EXCLUSIVE lock for the whole build.
 */
function tableLocalTask(local: TableLocalStatement, size: number, plainTable: boolean): Task {
  const split = plainTable ? splitKeyConstraint(local.statement) : undefined;
  if (!split) return postTask(local.statement, new Map([[local.table, local.mode]]), size, [local.table]);
  const build = postTask(split.build, new Map([[local.table, 'shared']]), size, [local.table]);
  build.then = postTask(split.attach, new Map([[local.table, 'exclusive']]), size, []);
  return build;
}

const KEY_CONSTRAINT = new RegExp(
  String.raw`^ALTER\s+TABLE\s+ONLY\s+${TABLE}\s+ADD\s+CONSTRAINT\s+(${IDENT})\s+(PRIMARY\s+KEY|UNIQUE)\s*(\((?:\s*${IDENT}\s*,)*\s*${IDENT}\s*\))$`,
  'i',
);

/** `ALTER TABLE ONLY t ADD CONSTRAINT c PRIMARY KEY|UNIQUE (cols)`, with nothing more, as an index build and an attach. */
export function splitKeyConstraint(statement: ScriptStatement): { build: ScriptStatement; attach: ScriptStatement } | undefined {
  const match = KEY_CONSTRAINT.exec(statement.text.trim());
  if (!match) return undefined;
  const [, table, name, kind, columns] = match as unknown as [string, string, string, string, string];
  return {
    build: { ...statement, firstWord: 'create', text: `CREATE UNIQUE INDEX ${name} ON ${table} USING btree ${columns}` },
    attach: { ...statement, text: `ALTER TABLE ONLY ${table} ADD CONSTRAINT ${name} ${kind.toUpperCase().replace(/\s+/, ' ')} USING INDEX ${name}` },
  };
}

/**
 * Runs `tasks` on every runner at once: each runner takes the first task, in order of priority,
 * whose data dependencies are loaded and whose tables no running task holds in a conflicting mode.
 * No new task starts after a failure; the first failure is thrown once the running ones end.
 */
async function schedule(runners: PostRunner[], tasks: Task[], checkAborted: () => void, onDataDone?: () => void): Promise<void> {
  const pending = [...tasks].sort(byPriority);
  const dataPending = new Set(tasks.filter((t) => t.kind === 'data').flatMap((t) => [...t.locks.keys()]));
  const dataRunning = new Set<string>();
  const held = new Map<string, { shared: number; exclusive: boolean }>();
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  let changed = new Promise<void>((resolve) => (wake = resolve));
  const notify = () => {
    const w = wake;
    changed = new Promise<void>((resolve) => (wake = resolve));
    w?.();
  };
  const runnable = (task: Task) => {
    if (task.after?.some((t) => dataPending.has(t) || dataRunning.has(t))) return false;
    for (const [table, mode] of task.locks) {
      const h = held.get(table);
      if (h && (h.exclusive || (mode === 'exclusive' && h.shared > 0))) return false;
    }
    return true;
  };
  const hold = (task: Task, delta: 1 | -1) => {
    for (const [table, mode] of task.locks) {
      const h = held.get(table) ?? { shared: 0, exclusive: false };
      if (mode === 'exclusive') h.exclusive = delta === 1;
      else h.shared += delta;
      if (!h.exclusive && h.shared === 0) held.delete(table);
      else held.set(table, h);
    }
  };
  let running = 0;
  const worker = async (runner: PostRunner) => {
    while (!failure) {
      const index = pending.findIndex(runnable);
      if (index < 0) {
        // A running task may still add one (an attach after its index build).
        if (pending.length === 0 && running === 0) return;
        if (running === 0) throw new Error('restore scheduler: tasks are left that can never run');
        await changed;
        continue;
      }
      running++;
      const [task] = pending.splice(index, 1) as [Task];
      hold(task, 1);
      const dataTables = task.kind === 'data' ? [...task.locks.keys()] : [];
      for (const t of dataTables) {
        dataPending.delete(t);
        dataRunning.add(t);
      }
      try {
        checkAborted();
        await task.run(runner);
      } catch (error) {
        failure ??= { error };
      } finally {
        running--;
        hold(task, -1);
        if (task.then && !failure) insertByPriority(pending, task.then);
        for (const t of dataTables) dataRunning.delete(t);
        if (task.kind === 'data' && dataPending.size === 0 && dataRunning.size === 0) onDataDone?.();
        notify();
      }
    }
  };
  await Promise.all(runners.map(worker));
  if (failure) throw failure.error;
}

/** Data before the keys of the same table; larger tables first; exclusive work before shared on a table. */
function byPriority(a: Task, b: Task): number {
  return b.size - a.size || (a.kind === b.kind ? 0 : a.kind === 'data' ? -1 : 1) || modeRank(a) - modeRank(b);
}

function insertByPriority(pending: Task[], task: Task): void {
  const at = pending.findIndex((t) => byPriority(task, t) < 0);
  pending.splice(at < 0 ? pending.length : at, 0, task);
}

function modeRank(task: Task): number {
  return [...task.locks.values()].includes('exclusive') ? 0 : 1;
}
