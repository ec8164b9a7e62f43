// Reads a dbmate migrations directory (default `db/migrations`): one `<version>_<name>.sql` file
// per migration, holding a `-- migrate:up` section and a `-- migrate:down` section, as dbmate 2.x
// parses them (pkg/dbmate/migration.go, checked against the dbmate 2.36.0 binary):
//
// - a file is a migration when its name matches `^(\d+).*\.sql$`; the version is those leading
//   digits, kept as a string in dbmate's `schema_migrations.version`;
// - dbmate applies files in file-name (byte) order, across all its migrations directories;
// - `^--\s*migrate:up` at the start of a line opens the up section, `^--\s*migrate:down` the
//   down section; only blank and `--` comment lines may come before the first marker;
// - a section marker may carry `key:value` options on its line; `transaction:false` makes dbmate
//   run that section outside a transaction (any other value, or none, runs it inside one);
// - the down marker is required (dbmate refuses a file without one) but its section may be empty.
//
// rehearse orders migrations by `versionNumber`, so it refuses what it cannot order the way dbmate
// does: two files whose versions are the same number (`1_a.sql` and `01_b.sql` are distinct
// versions to dbmate) and file names whose order is not their versions' numeric order (`10_x.sql`
// sorts before `9_y.sql`). It also refuses a file with several up sections: dbmate 2.36 records
// the version once per section, so such a file fails with a duplicate key on its second section.
import path from 'node:path';
import { displayPath } from '../golang-migrate.ts';
import type { Migration } from '../migration.ts';
import { compareBigints, compareBytes, fail, filesIn, keepLines, lineAt, throwProblems, type SourceFile } from './version-order.ts';

export const DBMATE_DEFAULT_DIR = 'db/migrations';

/** dbmate's `migrationFileRegexp`. */
const MIGRATION_FILE = /^(\d+).*\.sql$/;
/** Go's `\s` (RE2, ASCII) and `\S`. */
const WS = '[\\t\\n\\f\\r ]';
const NON_WS = '[^\\t\\n\\f\\r ]';
/** Go's multi-line `^` and `$`: at the start / end of the text, or next to a `\n` (not a lone `\r`). */
const BOL = '(?:(?<![\\s\\S])|(?<=\\n))';
const EOL = '(?=\\n|(?![\\s\\S]))';
/** dbmate's `upRegExp` and `downRegExp`: `(?m)^--\s*migrate:up(\s*$|\s+\S+)`. */
const UP_MARKER = new RegExp(`${BOL}--${WS}*migrate:up(?:${WS}*${EOL}|${WS}+${NON_WS}+)`, 'g');
const DOWN_MARKER = new RegExp(`${BOL}--${WS}*migrate:down(?:${WS}*${EOL}|${WS}+${NON_WS}+)`, 'g');
const EXPECTED_LAYOUT = '<version>_<name>.sql, the version a number, holding `-- migrate:up` and `-- migrate:down` sections';

export interface DbmateSectionOptions {
  /** dbmate runs the section in a transaction unless its marker says `transaction:false`. */
  transaction: boolean;
  /** Every `key:value` option on the marker line, as dbmate parses them. */
  options: Record<string, string>;
}

/**
 * A dbmate migration. `up.sql` and `down.sql` hold their section, marker line included (dbmate
 * runs it so), with the lines before the section reduced to line breaks, so statements keep the
 * file's line numbers; both `path`s are the one file's.
 */
export interface DbmateMigration extends Migration {
  /** The file name, as dbmate prints it. */
  file: string;
  upOptions: DbmateSectionOptions;
  /** The down section's marker options (a section holding nothing but blank and comment lines runs nothing). */
  downOptions?: DbmateSectionOptions;
  /** Lines of the `-- migrate:up` and `-- migrate:down` markers. */
  upLine: number;
  downLine: number;
}

/** Reads one or more dbmate migrations directories (dbmate's `--migrations-dir` may repeat). */
export async function readDbmateDir(dirs: string | string[] = DBMATE_DEFAULT_DIR): Promise<DbmateMigration[]> {
  const list = Array.isArray(dirs) ? dirs : [dirs];
  const files: SourceFile[] = [];
  // Only `.sql` files directly in each directory: dbmate does not descend.
  for (const dir of list) files.push(...(await filesIn(dir, (name) => /\.sql$/i.test(name))));
  const shownDir = list.map((dir) => displayPath(path.resolve(dir))).join(', ');
  return parseDbmateFiles(files, shownDir);
}

/** The migrations of dbmate files (`file` is the name; several directories may be mixed); every problem at once. */
export async function parseDbmateFiles(files: SourceFile[], shownDir: string): Promise<DbmateMigration[]> {
  const problems: string[] = [];
  const named: { source: SourceFile; name: string; version: string; versionNumber: bigint }[] = [];
  for (const source of files) {
    const name = path.posix.basename(source.file);
    const match = MIGRATION_FILE.exec(name);
    if (!match) {
      problems.push(
        /^\d+.*\.sql$/i.test(name)
          ? `${source.shown}: dbmate only reads files ending in lower-case \`.sql\` and would skip this one (expected ${EXPECTED_LAYOUT})`
          : `${source.shown} is not a dbmate migration: dbmate runs only files whose names start with their version and would skip it (expected ${EXPECTED_LAYOUT})`,
      );
      continue;
    }
    named.push({ source, name, version: match[1]!, versionNumber: BigInt(match[1]!) });
  }

  // dbmate's order: file names, byte-wise, over every directory.
  named.sort((a, b) => compareBytes(a.name, b.name));
  const byNumber = new Map<bigint, typeof named>();
  for (const n of named) byNumber.set(n.versionNumber, [...(byNumber.get(n.versionNumber) ?? []), n]);
  for (const [number, same] of byNumber) {
    if (same.length < 2) continue;
    const versions = new Set(same.map((s) => s.version));
    problems.push(
      versions.size === 1
        ? `duplicate version ${same[0]!.version}: ${same.map((s) => s.source.shown).join(' and ')} (dbmate records a version once)`
        : `duplicate version ${number}: ${same.map((s) => s.source.shown).join(' and ')} have versions ${[...versions].map((v) => `"${v}"`).join(' and ')}, ` +
            'distinct to dbmate but the same number, which rehearse orders by',
    );
  }
  const unique = named.filter((n) => byNumber.get(n.versionNumber)!.length === 1);
  for (let i = 1; i < unique.length; i++) {
    const before = unique[i - 1]!;
    const after = unique[i]!;
    if (compareBigints(before.versionNumber, after.versionNumber) > 0) {
      problems.push(
        `${before.source.shown} sorts before ${after.source.shown}, so dbmate applies it first, although its version is larger: ` +
          'give the versions the same number of digits (dbmate orders by file name, rehearse by version)',
      );
    }
  }

  const migrations: DbmateMigration[] = [];
  for (const n of unique) {
    const content = await n.source.read();
    const parsed = parseDbmateContent(content, n.source.shown, problems);
    if (!parsed) continue;
    const title = n.name.slice(n.version.length, -'.sql'.length).replace(/^_/, '');
    migrations.push({
      version: n.version,
      versionNumber: n.versionNumber,
      name: title,
      id: title === '' ? n.version : `${n.version}_${title}`,
      file: n.name,
      up: { path: n.source.shown, sql: parsed.up },
      // An empty down section is no obstacle to dbmate: `dbmate rollback` runs it (nothing) and
      // deletes the version's row. So it is a down that does nothing, and the rollback goes on.
      down: { path: n.source.shown, sql: parsed.down ?? '' },
      downOptions: parsed.downOptions,
      upOptions: parsed.upOptions,
      ...noTransaction(parsed.upOptions, parsed.downOptions),
      upLine: parsed.upLine,
      downLine: parsed.downLine,
    });
  }

  throwProblems(problems, shownDir);
  if (migrations.length === 0) {
    fail(`no migrations in ${shownDir}: expected files named ${EXPECTED_LAYOUT}`);
  }
  return migrations;
}

export interface ParsedDbmateFile {
  up: string;
  upOptions: DbmateSectionOptions;
  upLine: number;
  /** Undefined when the down section holds only blank and comment lines. */
  down?: string;
  downOptions: DbmateSectionOptions;
  downLine: number;
}

/** Splits one dbmate file into its sections, as dbmate does; problems name the file and line. */
export function parseDbmateContent(content: string, shown: string, problems: string[]): ParsedDbmateFile | undefined {
  const ups = [...content.matchAll(UP_MARKER)].map((m) => m.index);
  const firstUp = ups[0];
  if (firstUp === undefined) {
    const down = DOWN_MARKER.exec(content);
    DOWN_MARKER.lastIndex = 0;
    problems.push(
      down
        ? `${shown}:${lineAt(content, down.index)}: \`-- migrate:down\` with no \`-- migrate:up\` before it (dbmate requires an up section, first)`
        : `${shown}:1: no \`-- migrate:up\` line (dbmate requires each migration to define an up section with \`-- migrate:up\`)`,
    );
    return undefined;
  }
  const stray = firstStatementLine(content.slice(0, firstUp));
  if (stray !== undefined) {
    problems.push(`${shown}:${stray}: a statement before \`-- migrate:up\` (dbmate accepts only blank and comment lines there)`);
    return undefined;
  }
  if (ups.length > 1) {
    problems.push(
      `${shown}:${lineAt(content, ups[1]!)}: a second \`-- migrate:up\` section; dbmate (as of 2.36) records the version once per section, ` +
        'so applying this file fails on its second section: give each up/down pair its own file',
    );
    return undefined;
  }
  const downs = [...content.slice(firstUp).matchAll(DOWN_MARKER)].map((m) => firstUp + m.index);
  const firstDown = downs[0];
  if (firstDown === undefined) {
    problems.push(
      `${shown}:${lineAt(content, firstUp)}: no \`-- migrate:down\` after \`-- migrate:up\` (dbmate requires the down marker; leave its section empty when there is no down)`,
    );
    return undefined;
  }
  if (downs.length > 1) {
    problems.push(`${shown}:${lineAt(content, downs[1]!)}: a second \`-- migrate:down\` in one section (dbmate refuses it)`);
    return undefined;
  }
  const downBlock = content.slice(firstDown);
  const afterMarker = downBlock.indexOf('\n') === -1 ? '' : downBlock.slice(downBlock.indexOf('\n') + 1);
  const downIsEmpty = firstStatementLine(afterMarker) === undefined;
  return {
    up: keepLines(content, firstUp, firstDown),
    upOptions: sectionOptions(content.slice(firstUp, firstDown)),
    upLine: lineAt(content, firstUp),
    ...(downIsEmpty ? {} : { down: keepLines(content, firstDown) }),
    downOptions: sectionOptions(downBlock),
    downLine: lineAt(content, firstDown),
  };
}

/** dbmate's `parseMigrationOptions`: `key:value` pairs on the marker line. */
function sectionOptions(block: string): DbmateSectionOptions {
  const firstLine = block.split('\n', 1)[0]!;
  const rest = firstLine.replace(/^--[\t\n\f\r ]*migrate:(up|down)/, '').trim();
  const options: Record<string, string> = {};
  if (rest !== '') {
    for (const pair of rest.split(/[\t\n\f\r ]+/)) {
      const kv = pair.split(':');
      if (kv.length === 2) options[kv[0]!] = kv[1]!;
    }
  }
  return { transaction: options['transaction'] !== 'false', options };
}

/** 1-based line of the first line that is neither blank nor a `--` comment, if any (dbmate's test for stray statements). */
function firstStatementLine(text: string): number | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^[\t\n\f\r ]*$/.test(line) || /^[\t\n\f\r ]*--/.test(line)) continue;
    return i + 1;
  }
  return undefined;
}

/** dbmate runs a section marked `transaction:false` outside a transaction. */
function noTransaction(up: DbmateSectionOptions, down: DbmateSectionOptions | undefined): Pick<Migration, 'noTransaction'> {
  const reason = (d: string) => `the file opts out with -- migrate:${d} transaction:false (dbmate)`;
  const opts = { ...(up.transaction ? {} : { up: reason('up') }), ...(down && !down.transaction ? { down: reason('down') } : {}) };
  return Object.keys(opts).length > 0 ? { noTransaction: opts } : {};
}
