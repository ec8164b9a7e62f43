// `rehearse init`: finds the project's migration tool (migrations/sources/detect.ts), and writes a
// rehearse.config.yaml that runs as written: the tool's migrations, an engine that needs no setup
// where one fits (PGlite for a PostgreSQL project, SQLite for a SQLite one), and a seed script
// at the version before the newest migration, so the first `rehearse run` rehearses that one.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfigFile } from '../config/load.ts';
import { engineProblem } from '../config/values.ts';
import { ENGINE_KIND_TRAITS, type EngineKind } from '../engines/engine.ts';
import { UsageError } from '../errors.ts';
import { detectMigrationSources, type DetectedMigrationSource } from '../migrations/sources/detect.ts';
import { SQL_SOURCES, type SqlSourceId, sourceModule } from '../migrations/sources/registry.ts';
import { listVersions, resolveCommandSource } from '../migrations/command/index.ts';
import { type JsTool, readJsMigrations } from '../migrations/js/index.ts';
import type { Migration } from '../migrations/migration.ts';

export const INIT_EXAMPLES = `  # in the project's root: find the migration tool, write rehearse.config.yaml and a seed script
  npx rehearse init
  npx rehearse run

  # on the PostgreSQL server CI has (traffic probes measure blocking there)
  npx rehearse init --engine postgres
`;

export interface InitFlags {
  engine?: string;
  force?: boolean;
}

export function registerInitCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('init')
    .description("find the project's migration tool (golang-migrate, dbmate, Flyway, Prisma, Drizzle, Knex, Kysely, node-pg-migrate, Alembic, Django, Rails, Sqitch) and write a rehearse.config.yaml that runs")
    .option('--engine <engine>', "pglite | postgres | mysql | sqlite (default: from the project's configuration: PGlite for PostgreSQL, SQLite, or a MySQL server)")
    .option('--force', 'overwrite an existing rehearse.config.yaml')
    .addHelpText('after', `\nExamples:\n${INIT_EXAMPLES}\nExit status: 0 written, 2 no migration tool found, a tool rehearse cannot run yet, or a config already there.`)
    .action(async (flags: InitFlags) => {
      setExitCode(await initCommand(flags));
    });
}

const SEED_FILE = 'rehearse/seed.sql';

export async function initCommand(flags: InitFlags, cwd = process.cwd(), out: (s: string) => void = (s) => void process.stdout.write(s)): Promise<number> {
  if (flags.engine !== undefined) {
    const problem = engineProblem(flags.engine);
    if (problem) throw new UsageError('USAGE', `--engine: ${problem}`);
  }
  const configPath = join(cwd, 'rehearse.config.yaml');
  if (existsSync(configPath) && !flags.force) throw new UsageError('USAGE', `rehearse.config.yaml already exists in ${cwd}: pass --force to overwrite it`);

  const found = await detectMigrationSources(cwd);
  if (found.length === 0) {
    throw new UsageError(
      'USAGE',
      `no migration tool found in ${cwd}: looked for golang-migrate (*.up.sql/*.down.sql), dbmate (db/migrations with -- migrate:up), Flyway (V1__*.sql), Prisma (prisma/migrations), Drizzle (meta/_journal.json), Knex, Kysely, node-pg-migrate, Alembic, Django, Rails and Sqitch`,
    );
  }
  const chosen = found.find((f) => RUNNABLE.includes(f.source));
  if (!chosen) throw new UsageError('USAGE', `found ${describe(found[0]!)}, a tool rehearse cannot run yet; see docs/migration-sources.md`);
  const kind = sourceKind(chosen);
  const engine = (flags.engine as EngineKind | undefined) ?? engineFor(chosen, kind);
  if (kind.kind === 'command' && !ENGINE_KIND_TRAITS[engine].reachableByOtherProcesses) {
    throw new UsageError('USAGE', `${chosen.source} runs in a process of its own, which cannot reach ${engine} (it runs inside rehearse): pass --engine postgres, mysql or sqlite`);
  }
  const migrations = await migrationsOf(kind, chosen, cwd);
  if (migrations.length === 0) throw new UsageError('USAGE', `${chosen.dir} holds no ${chosen.source} migrations yet: write one, then run rehearse init`);
  const source = kind.kind === 'command' ? 'command' : chosen.source;
  // The newest migration is the change; the seed stands for production just before it.
  const atVersion = migrations.length > 1 ? migrations[migrations.length - 2]! : migrations[0]!;

  const seedPath = join(cwd, SEED_FILE);
  if (!existsSync(seedPath)) {
    await mkdir(join(cwd, 'rehearse'), { recursive: true });
    await writeFile(
      seedPath,
      `-- Rows as production has them at version ${atVersion.version} (${atVersion.id}): rehearse migrates an empty\n` +
        `-- database to that version, runs this, then rehearses the migrations above it.\n` +
        `-- Better still: a dump of production (anonymized), or \`rehearse dataset capture\` (docs/datasets.md).\n`,
    );
  }
  const others = found.filter((f) => f !== chosen);
  const lines = [
    `# Written by rehearse init from ${chosen.evidence}.${others.length > 0 ? ` Also found: ${others.map(describe).join('; ')}.` : ''}`,
    `# npx rehearse run rehearses the migrations above the dataset's version; docs: README.md.`,
    `source: ${source}`,
    ...(kind.kind === 'command' ? ['command:', `  preset: ${kind.preset}                 # the tool's own commands; docs/command-sources.md`] : []),
    // A command's tool knows where its migrations are; a JS tool's config usually says too.
    ...(kind.kind === 'sql' || (kind.kind === 'js' && chosen.dir !== '.') ? [`migrations: ${chosen.dir === '.' ? '.' : `./${chosen.dir}`}`] : []),
    ...engineLines(engine, chosen),
    `dataset:`,
    `  path: ./${SEED_FILE}`,
    `  version: "${atVersion.version}"       # the version the seed applies at`,
    // --base reads the tool's files at a git revision: SQL directories only.
    ...(kind.kind === 'sql' ? [`# base: origin/main                # in CI: trunk and history from the target branch`] : []),
    '',
  ];
  await writeFile(configPath, lines.join('\n'));
  // What init writes must load: a mistake here would greet the user with a config error.
  await loadConfigFile(configPath, { env: { REHEARSE_PG_URL: 'postgres://localhost/postgres', REHEARSE_MYSQL_URL: 'mysql://localhost/', ...process.env } });
  out(
    `rehearse: found ${describe(chosen)}\n` +
      `rehearse: wrote rehearse.config.yaml (${kind.kind === 'command' ? kind.preset : source}, ${engine}, ${migrations.length} migrations) and ${relative(cwd, seedPath)} at version ${atVersion.version}\n` +
      (migrations.length === 1 ? `rehearse: there is one migration: the seed applies at it, so the next one you write is the change rehearsed\n` : '') +
      `rehearse: next: put production-shaped rows in ${SEED_FILE} (or point dataset.path at a dump), then npx rehearse run\n`,
  );
  return 0;
}

/** The tools init writes a config for: SQL directories, JS tools run in-process, and command presets. */
const RUNNABLE: string[] = [...SQL_SOURCES, 'knex', 'kysely', 'node-pg-migrate', 'alembic', 'django', 'rails', 'sqitch'];

type SourceKind = { kind: 'sql'; id: SqlSourceId } | { kind: 'js'; id: JsTool } | { kind: 'command'; preset: 'alembic' | 'django' | 'rails' | 'sqitch' };

function sourceKind(found: DetectedMigrationSource): SourceKind {
  if ((SQL_SOURCES as readonly string[]).includes(found.source)) return { kind: 'sql', id: found.source as SqlSourceId };
  if (found.source === 'knex' || found.source === 'kysely' || found.source === 'node-pg-migrate') return { kind: 'js', id: found.source };
  return { kind: 'command', preset: found.source as 'alembic' | 'django' | 'rails' | 'sqitch' };
}

/** The migrations in the tool's order: read from files, or listed by the tool itself (on a throwaway SQLite file). */
async function migrationsOf(kind: SourceKind, found: DetectedMigrationSource, cwd: string): Promise<Migration[]> {
  if (kind.kind === 'sql') return (await sourceModule(kind.id).read(resolve(cwd, found.dir))).migrations;
  if (kind.kind === 'js') return (await readJsMigrations(kind.id, { projectDir: cwd })).migrations;
  const resolved = resolveCommandSource({ preset: kind.preset }, cwd);
  if (!resolved.ok) throw new UsageError('USAGE', resolved.problems.join('; '));
  const dir = await mkdtemp(join(tmpdir(), 'rehearse-init-'));
  try {
    const file = join(dir, 'list.db');
    const versions = await listVersions(resolved.spec, { engine: 'sqlite', url: file, database: file, file }, { sandbox: true });
    return versions.map((v, i) => ({ version: v.version, versionNumber: BigInt(i + 1), name: v.name ?? v.version, id: v.version, up: { path: '', sql: '' } }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The engine that runs with no setup where the project's database allows one (a command's tool cannot reach PGlite). */
function engineFor(found: DetectedMigrationSource, kind: SourceKind): EngineKind {
  if (found.engineHint === 'mysql') return 'mysql';
  if (found.engineHint === 'sqlite') return 'sqlite';
  if (kind.kind === 'command') return found.engineHint === 'postgres' ? 'postgres' : 'sqlite';
  return 'pglite';
}

function engineLines(engine: EngineKind, found: DetectedMigrationSource): string[] {
  switch (engine) {
    case 'pglite':
      return [`engine: pglite                  # embedded PostgreSQL, no server; on a server (traffic probes): engine: postgres, url: \${REHEARSE_PG_URL}`];
    case 'postgres':
      return ['engine: postgres', 'url: ${REHEARSE_PG_URL}            # a server where rehearse may create scratch databases (CREATEDB)'];
    case 'mysql':
      return [
        `engine: mysql${found.engineHint === 'mysql' ? '                    # the project is on MySQL/MariaDB' : ''}`,
        'url: ${REHEARSE_MYSQL_URL}         # a server where rehearse may create scratch databases',
      ];
    case 'sqlite':
      return ['engine: sqlite'];
  }
}

function describe(f: DetectedMigrationSource): string {
  return `${f.source} in ${f.dir} (${f.evidence})`;
}
