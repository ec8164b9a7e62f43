// Reads Flyway SQL migrations from one or more locations (default `db/migration`), with Flyway's
// default naming settings (`V` / `U` / `R` prefixes, `__` separator, `.sql` suffix), as Flyway's
// `ResourceNameParser` and `MigrationVersion` read them:
//
// - `V<version>__<description>.sql` is a versioned migration. `_` in the version reads as `.`
//   (`V1_2__x.sql` is version 1.2, which Flyway stores as `1.2`); parts compare numerically and
//   trailing zero parts do not count, so `1 < 1.1 < 1.10 < 2` and `1` and `1.0` are the same
//   version (two files with it: an error, as in Flyway). `_` in the description reads as a space.
// - `U<version>__<description>.sql` undoes the versioned migration of the same version (an undo
//   migration is a Flyway Teams feature); rehearse uses it as that migration's `down`.
// - `R__<description>.sql` is a repeatable migration: Flyway applies repeatables after the
//   versioned ones, ordered by description, and again whenever their checksum changes. They have
//   no place in the versioned order, so they are returned apart (`repeatables`); rehearse does not
//   run them.
// - Locations are scanned recursively; other `.sql` files (SQL callbacks such as
//   `beforeMigrate.sql`) are returned apart as `ignored`.
//
// Flyway (with its default `validateMigrationNaming=false`) silently skips a file whose name starts
// with a migration prefix but does not parse: rehearse refuses it instead, since a migration that
// never runs in production is what a gate is for. Each file's Flyway checksum (what
// `flyway_schema_history.checksum` holds) is computed as Flyway computes it.
import path from 'node:path';
import { displayPath } from '../golang-migrate.ts';
import type { Migration, MigrationFile } from '../migration.ts';
import {
  compareBigints,
  compareDottedVersions,
  encodeDottedVersion,
  fail,
  filesUnder,
  flywayChecksum,
  throwProblems,
  trimTrailingZeros,
  type SourceFile,
} from './version-order.ts';

export const FLYWAY_DEFAULT_LOCATION = 'db/migration';
const SEPARATOR = '__';
const SUFFIX = '.sql';
const EXPECTED_LAYOUT = 'V<version>__<description>.sql (U<version>__… for its undo, R__<description>.sql for a repeatable)';

export interface FlywayMigration extends Migration {
  /** Flyway's description: the file's, `_` read as spaces (also `name`). */
  description: string;
  /** The version's numeric parts, trailing zeros dropped (`1.2.0` → [1, 2]). */
  versionParts: bigint[];
  /** Path of the versioned file relative to its location, `/`-separated: what `flyway_schema_history.script` holds. */
  script: string;
  /** Flyway's checksum of the versioned file (signed 32-bit), what `flyway_schema_history.checksum` holds. */
  checksum: number;
  /** The undo file's `script` and checksum (an `UNDO_SQL` row of the history table), with `down`. */
  undoScript?: string;
  undoChecksum?: number;
  /** Names of the `${…}` placeholders the versioned file uses: Flyway replaces them, rehearse does not. */
  placeholders: string[];
}

export interface FlywayRepeatable {
  description: string;
  script: string;
  file: MigrationFile;
  checksum: number;
  placeholders: string[];
}

export interface FlywayMigrations {
  /** Versioned migrations in Flyway's order (ascending version). */
  migrations: FlywayMigration[];
  /** Repeatable migrations in the order Flyway applies them (by description); rehearse does not run them. */
  repeatables: FlywayRepeatable[];
  /** Other `.sql` files of the locations (SQL callbacks, …), as shown paths; Flyway does not run them as migrations. */
  ignored: string[];
}

interface Parsed {
  source: SourceFile;
  kind: 'V' | 'U' | 'R';
  rawVersion: string;
  /** Flyway's display form: `_` → `.`. */
  version: string;
  parts: bigint[];
  rawDescription: string;
}

/** Reads Flyway locations: directories, optionally written `filesystem:<dir>`. */
export async function readFlywayDir(locations: string | string[] = FLYWAY_DEFAULT_LOCATION): Promise<FlywayMigrations> {
  const list = Array.isArray(locations) ? locations : [locations];
  const files: SourceFile[] = [];
  const problems: string[] = [];
  for (const location of list) {
    if (/^classpath:/i.test(location)) {
      problems.push(
        `location ${location} is on the Java classpath: give rehearse the directory it comes from (for \`classpath:db/migration\`, usually src/main/resources/db/migration)`,
      );
      continue;
    }
    const dir = location.replace(/^filesystem:/i, '');
    // `file` is relative to the location, as Flyway names scripts; `shown` to the current directory.
    files.push(...(await filesUnder(path.resolve(dir), (rel) => /\.sql$/i.test(rel))));
  }
  throwProblems(problems, list.join(', '));
  return parseFlywayFiles(files, list.map((l) => displayPath(path.resolve(l.replace(/^filesystem:/i, '')))).join(', '));
}

/**
 * The migrations of the files of Flyway locations (`file` is the path relative to its location,
 * which is what Flyway records as `script`); every problem at once.
 */
export async function parseFlywayFiles(files: SourceFile[], shownDir: string): Promise<FlywayMigrations> {
  const problems: string[] = [];
  const parsed: Parsed[] = [];
  const ignored: string[] = [];
  for (const source of files) {
    const result = parseFlywayFileName(path.posix.basename(source.file));
    if (result === 'ignored') ignored.push(source.shown);
    else if (typeof result === 'string') problems.push(`${source.shown}: ${result}`);
    else parsed.push({ source, ...result });
  }

  const versioned = new Map<bigint, { v: Parsed[]; u: Parsed[]; number: bigint }>();
  const repeatables = new Map<string, Parsed[]>();
  for (const p of parsed) {
    if (p.kind === 'R') {
      const description = p.rawDescription.replace(/_/g, ' ');
      repeatables.set(description, [...(repeatables.get(description) ?? []), p]);
      continue;
    }
    const number = encodeDottedVersion(p.parts);
    if (typeof number === 'string') {
      problems.push(`${p.source.shown}: version ${p.version} ${number}`);
      continue;
    }
    const entry = versioned.get(number) ?? { v: [], u: [], number };
    entry[p.kind === 'V' ? 'v' : 'u'].push(p);
    versioned.set(number, entry);
  }

  const pairs: { v: Parsed; u?: Parsed; number: bigint }[] = [];
  for (const { v, u, number } of versioned.values()) {
    for (const [list, what] of [
      [v, 'versioned'],
      [u, 'undo'],
    ] as const) {
      if (list.length > 1) {
        problems.push(
          `duplicate ${what === 'undo' ? 'undo ' : ''}version ${list[0]!.parts.join('.')}: ${list.map((p) => p.source.shown).join(' and ')} ` +
            `(Flyway refuses two ${what} migrations with one version; 1 and 1.0 are the same)`,
        );
      }
    }
    if (v.length === 0) {
      problems.push(`${u[0]!.source.shown} undoes version ${u[0]!.version}, and there is no versioned migration V${u[0]!.rawVersion}${SEPARATOR}….sql`);
      continue;
    }
    if (v.length > 1 || u.length > 1) continue;
    pairs.push({ v: v[0]!, ...(u[0] ? { u: u[0] } : {}), number });
  }
  for (const [description, same] of repeatables) {
    if (same.length > 1) {
      problems.push(
        `duplicate repeatable description "${description}": ${same.map((p) => p.source.shown).join(' and ')} (Flyway refuses two repeatables with one description)`,
      );
    }
  }

  throwProblems(problems, shownDir);
  if (pairs.length === 0) {
    fail(`no versioned migrations in ${shownDir}: expected files named ${EXPECTED_LAYOUT}`);
  }

  pairs.sort((a, b) => compareBigints(a.number, b.number));
  const migrations = await Promise.all(
    pairs.map(async ({ v, u, number }): Promise<FlywayMigration> => {
      const sql = await v.source.read();
      const undo = u && (await u.source.read());
      const description = v.rawDescription.replace(/_/g, ' ');
      return {
        version: v.version,
        versionNumber: number,
        name: description,
        description,
        id: v.rawDescription === '' ? v.version : `${v.version}_${v.rawDescription}`,
        versionParts: v.parts,
        up: { path: v.source.shown, sql },
        ...(u && undo !== undefined
          ? { down: { path: u.source.shown, sql: undo }, undoScript: u.source.file, undoChecksum: flywayChecksum(undo) }
          : {}),
        script: v.source.file,
        checksum: flywayChecksum(sql),
        placeholders: placeholdersIn(sql),
      };
    }),
  );
  const repeatableList = await Promise.all(
    [...repeatables.values()]
      .map((same) => same[0]!)
      .map(async (r): Promise<FlywayRepeatable> => {
        const sql = await r.source.read();
        return {
          description: r.rawDescription.replace(/_/g, ' '),
          script: r.source.file,
          file: { path: r.source.shown, sql },
          checksum: flywayChecksum(sql),
          placeholders: placeholdersIn(sql),
        };
      }),
  );
  // Java's String.compareTo: UTF-16 code units, which is JavaScript's default order.
  repeatableList.sort((a, b) => (a.description < b.description ? -1 : a.description > b.description ? 1 : 0));
  return { migrations, repeatables: repeatableList, ignored };
}

/**
 * A file name as Flyway's `ResourceNameParser` reads it with the default settings: the parts of a
 * migration, `'ignored'` for a file that is no migration, or why a migration's name is invalid.
 */
export function parseFlywayFileName(name: string): Omit<Parsed, 'source'> | 'ignored' | string {
  if (!name.endsWith(SUFFIX)) {
    return /^[VUR]/.test(name) && name.toLowerCase().endsWith(SUFFIX)
      ? `Flyway's default suffix is lower-case \`${SUFFIX}\`: Flyway would not read this file (expected ${EXPECTED_LAYOUT})`
      : 'ignored';
  }
  const stem = name.slice(0, -SUFFIX.length);
  const kind = stem[0];
  if (kind !== 'V' && kind !== 'U' && kind !== 'R') {
    if (/^[vur]\d[\d._]*__/.test(stem)) {
      return `Flyway's prefixes are upper-case (\`${stem[0]!.toUpperCase()}\`): Flyway would skip this file (expected ${EXPECTED_LAYOUT})`;
    }
    return 'ignored';
  }
  const rest = stem.slice(1);
  const at = rest.indexOf(SEPARATOR);
  const rawVersion = at >= 0 ? rest.slice(0, at) : rest;
  const rawDescription = at >= 0 ? rest.slice(at + SEPARATOR.length) : '';
  if (kind === 'R') {
    if (rawVersion !== '') {
      return `a repeatable migration has no version: Flyway would reject or skip this name (expected R${SEPARATOR}<description>${SUFFIX})`;
    }
    return { kind, rawVersion: '', version: '', parts: [], rawDescription };
  }
  if (rawVersion === '') {
    return `no version after the ${kind} prefix: Flyway would skip this file (expected ${kind}1.2${SEPARATOR}<description>${SUFFIX})`;
  }
  const version = rawVersion.replace(/_/g, '.');
  // MigrationVersion splits on a dot followed by a digit and reads each part as a number.
  const pieces = version.split(/\.(?=\d)/);
  if (!pieces.every((p) => /^\d+$/.test(p))) {
    return `version "${rawVersion}" is not a Flyway version (digits separated by . or _): Flyway would skip this file (expected ${EXPECTED_LAYOUT})`;
  }
  return { kind, rawVersion, version, parts: trimTrailingZeros(pieces.map((p) => BigInt(p))), rawDescription };
}

/** `${name}` placeholders Flyway would replace (its default prefix and suffix). */
function placeholdersIn(sql: string): string[] {
  return [...new Set([...sql.matchAll(/\$\{([^}\r\n]+)\}/g)].map((m) => m[1]!))];
}

/** Orders Flyway version strings as Flyway does (`1.10` after `1.9`); for callers holding history-table versions. */
export function compareFlywayVersions(a: string, b: string): number {
  const parts = (v: string) => trimTrailingZeros(v.replace(/_/g, '.').split(/\.(?=\d)/).map((p) => BigInt(p)));
  return compareDottedVersions(parts(a), parts(b));
}
