// Reads a drizzle-kit migrations folder (drizzle-kit's `out`, default `drizzle`) as drizzle-orm's
// migrator reads it (`readMigrationFiles` in drizzle-orm/migrator, checked against drizzle-orm
// 0.45 and drizzle-kit 0.31):
//
// - `meta/_journal.json` lists the migrations: `{ version, dialect, entries: [{ idx, version,
//   when, tag, breakpoints }] }`; the migrator runs `<tag>.sql` for each entry, in the journal's
//   order, and nothing else;
// - a file's statements are the pieces between `--> statement-breakpoint` markers, sent one by one;
// - the migrator records `sha256(file)` and the entry's `when` in `__drizzle_migrations`, and on
//   later runs applies only entries whose `when` is later than the newest recorded `created_at`.
//
// So a `.sql` file missing from the journal never runs, and a journal entry without its file
// stops the migrator: both are errors here, naming both files. An entry whose `when` is not later
// than the entry before it would be skipped on a database that already has that one: an error
// too. There are no down migrations. Version = the `idx` zero-padded as drizzle-kit pads it in the
// tag (`0000`), `versionNumber` = `idx`.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { displayPath } from '../golang-migrate.ts';
import type { Migration } from '../migration.ts';
import { fail, filesIn, lineAt, sha256Hex, throwProblems, type SourceFile } from './version-order.ts';

export const DRIZZLE_DEFAULT_DIR = 'drizzle';
export const STATEMENT_BREAKPOINT = '--> statement-breakpoint';
const JOURNAL = 'meta/_journal.json';

export interface DrizzleStatement {
  /** The piece of the file between breakpoints, exactly as drizzle sends it. */
  sql: string;
  /** 1-based line where the piece starts. */
  line: number;
}

/**
 * A drizzle migration. `up.sql` is the file with each `--> statement-breakpoint` blanked out (or
 * turned into a `;` when the statement before it has none), so every dialect's statement splitter
 * sees the statements drizzle sends (MySQL does not read `-->` as a comment) at the file's lines
 * and columns; `source` is the file as written, which `hash` covers.
 */
export interface DrizzleMigration extends Migration {
  /** The journal entry's tag: the file is `<tag>.sql`. */
  tag: string;
  /** The journal entry's `when` (milliseconds): what `__drizzle_migrations.created_at` holds. */
  when: number;
  /** SHA-256 of the file, lower-case hex: what `__drizzle_migrations.hash` holds. */
  hash: string;
  /** The journal entry's `breakpoints` (drizzle-kit's setting; the migrator splits at markers regardless). */
  breakpoints: boolean;
  statements: DrizzleStatement[];
  source: string;
}

export interface DrizzleMigrations {
  migrations: DrizzleMigration[];
  /** The journal's `dialect` (`postgresql`, `mysql`, `sqlite`, `turso`, `singlestore`, `gel`). */
  dialect?: string;
  /** The engine rehearse runs for that dialect, when it has one. */
  engine?: 'postgres' | 'mysql' | 'sqlite';
  /** The journal's format `version` (`7` from drizzle-kit 0.2x–0.31). */
  journalVersion?: string;
}

export async function readDrizzleDir(dir: string = DRIZZLE_DEFAULT_DIR): Promise<DrizzleMigrations> {
  const absolute = path.resolve(dir);
  const files = await filesIn(absolute, (name) => /\.sql$/i.test(name));
  const journalPath = path.join(absolute, ...JOURNAL.split('/'));
  let journal: string | undefined;
  try {
    journal = await readFile(journalPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return parseDrizzleFiles(files, journal === undefined ? undefined : { shown: displayPath(journalPath), text: journal }, displayPath(absolute));
}

/** The migrations of a drizzle folder: its top-level `.sql` files and its journal; every problem at once. */
export async function parseDrizzleFiles(
  files: SourceFile[],
  journal: { shown: string; text: string } | undefined,
  shownDir: string,
): Promise<DrizzleMigrations> {
  if (!journal) {
    fail(
      `no ${JOURNAL} in ${shownDir}: drizzle's migrator runs the migrations it lists (drizzle-kit generate writes it beside the .sql files)` +
        (files.length === 0 ? '' : `; the ${files.length} .sql file(s) there would not run`),
    );
  }
  const problems: string[] = [];
  const entries = readJournal(journal, problems);
  const byTag = new Map(files.map((f) => [f.file.replace(/\.sql$/i, ''), f]));
  const listed = new Set<string>();
  const migrations: DrizzleMigration[] = [];
  let previous: JournalEntry | undefined;
  for (const entry of entries.list) {
    const at = entry.line === undefined ? journal.shown : `${journal.shown}:${entry.line}`;
    if (listed.has(entry.tag)) {
      problems.push(`${at}: tag ${entry.tag} is listed twice`);
      continue;
    }
    listed.add(entry.tag);
    const file = files.find((f) => f.file === `${entry.tag}.sql`);
    if (!file) {
      const otherCase = byTag.get(entry.tag) ?? [...byTag.entries()].find(([tag]) => tag.toLowerCase() === entry.tag.toLowerCase())?.[1];
      problems.push(
        `${at}: entry ${entry.idx} (${entry.tag}) has no file ${path.join(shownDir, `${entry.tag}.sql`)}` +
          (otherCase ? ` (there is ${otherCase.shown}; the names must match exactly)` : '') +
          ': drizzle\'s migrator stops at it',
      );
      continue;
    }
    if (previous && entry.idx <= previous.idx) {
      problems.push(`${at}: entry ${entry.tag} has idx ${entry.idx}, not above the entry before it (${previous.tag}, idx ${previous.idx}); rehearse orders by idx`);
    }
    if (previous && entry.when <= previous.when) {
      problems.push(
        `${at}: entry ${entry.tag} has \`when\` ${entry.when}, not later than ${previous.tag}'s ${previous.when}: drizzle's migrator would skip it ` +
          'on a database that already has the entry before it',
      );
    }
    previous = entry;
    const source = await file.read();
    const padded = entry.tag.match(/^(\d+)_/)?.[1];
    const version = padded !== undefined && BigInt(padded) === BigInt(entry.idx) ? padded : String(entry.idx).padStart(4, '0');
    const name = padded !== undefined ? entry.tag.slice(padded.length + 1) : entry.tag;
    migrations.push({
      version,
      versionNumber: BigInt(entry.idx),
      name,
      id: entry.tag,
      tag: entry.tag,
      when: entry.when,
      hash: sha256Hex(source),
      breakpoints: entry.breakpoints,
      statements: drizzleStatements(source),
      source,
      up: { path: file.shown, sql: withoutBreakpoints(source) },
    });
  }
  for (const file of files) {
    const tag = file.file.replace(/\.sql$/i, '');
    if (!listed.has(tag)) {
      problems.push(`${file.shown} is not in ${journal.shown}: drizzle's migrator runs only the journal's entries, so it would never run`);
    }
  }
  throwProblems(problems, shownDir);
  if (migrations.length === 0) fail(`no migrations in ${journal.shown}: its entries list is empty`);
  const engine = entries.dialect === undefined ? undefined : drizzleDialectEngine(entries.dialect);
  return {
    migrations,
    ...(entries.dialect !== undefined ? { dialect: entries.dialect } : {}),
    ...(engine ? { engine } : {}),
    ...(entries.version !== undefined ? { journalVersion: entries.version } : {}),
  };
}

interface JournalEntry {
  idx: number;
  when: number;
  tag: string;
  breakpoints: boolean;
  line?: number;
}

function readJournal(journal: { shown: string; text: string }, problems: string[]): { list: JournalEntry[]; dialect?: string; version?: string } {
  let data: unknown;
  try {
    data = JSON.parse(journal.text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message)?.[1];
    const at = position === undefined ? journal.shown : `${journal.shown}:${lineAt(journal.text, Number(position))}`;
    fail(`${at}: not valid JSON (${message})`);
  }
  if (typeof data !== 'object' || data === null || !Array.isArray((data as { entries?: unknown }).entries)) {
    fail(`${journal.shown}:1: no \`entries\` list (expected drizzle-kit's { version, dialect, entries: [...] })`);
  }
  const root = data as { entries: unknown[]; dialect?: unknown; version?: unknown };
  // Where each entry is, for messages: drizzle-kit writes one `"tag"` per entry.
  const tagLines = [...journal.text.matchAll(/"tag"\s*:/g)].map((m) => lineAt(journal.text, m.index));
  const lines = tagLines.length === root.entries.length ? tagLines : [];
  const list: JournalEntry[] = [];
  root.entries.forEach((raw, i) => {
    const line = lines[i];
    const at = line === undefined ? journal.shown : `${journal.shown}:${line}`;
    const e = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const wrong: string[] = [];
    if (typeof e['tag'] !== 'string' || e['tag'] === '' || /[\\/]/.test(e['tag'])) wrong.push('`tag` (a file name without .sql)');
    if (typeof e['idx'] !== 'number' || !Number.isSafeInteger(e['idx']) || e['idx'] < 0) wrong.push('`idx` (a whole number)');
    if (typeof e['when'] !== 'number' || !Number.isFinite(e['when'])) wrong.push('`when` (milliseconds)');
    if (wrong.length > 0) {
      problems.push(`${at}: entry ${i} lacks a valid ${wrong.join(', ')}`);
      return;
    }
    list.push({
      idx: e['idx'] as number,
      when: e['when'] as number,
      tag: e['tag'] as string,
      breakpoints: e['breakpoints'] === true,
      ...(line !== undefined ? { line } : {}),
    });
  });
  return {
    list,
    ...(typeof root.dialect === 'string' ? { dialect: root.dialect } : {}),
    ...(typeof root.version === 'string' ? { version: root.version } : {}),
  };
}

/** The statements drizzle sends for a file: `sql.split('--> statement-breakpoint')`, with where each starts. */
export function drizzleStatements(source: string): DrizzleStatement[] {
  const statements: DrizzleStatement[] = [];
  let offset = 0;
  for (const piece of source.split(STATEMENT_BREAKPOINT)) {
    statements.push({ sql: piece, line: lineAt(source, offset) });
    offset += piece.length + STATEMENT_BREAKPOINT.length;
  }
  return statements;
}

/** The file with its breakpoints blanked (a `;` where the statement before one has none), lines and columns kept. */
export function withoutBreakpoints(source: string): string {
  const pieces = source.split(STATEMENT_BREAKPOINT);
  let out = pieces[0]!;
  for (const piece of pieces.slice(1)) {
    const blank = ' '.repeat(STATEMENT_BREAKPOINT.length - 1);
    out += (/;\s*$/.test(out) || out.trim() === '' ? ' ' : ';') + blank + piece;
  }
  return out;
}

/** rehearse's engine for a drizzle dialect; none for the others. */
export function drizzleDialectEngine(dialect: string): 'postgres' | 'mysql' | 'sqlite' | undefined {
  if (dialect === 'postgresql' || dialect === 'pg') return 'postgres';
  if (dialect === 'mysql') return 'mysql';
  if (dialect === 'sqlite' || dialect === 'turso') return 'sqlite';
  return undefined;
}
