import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectMigrationSources, engineFromUrl } from './detect.ts';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/sources', import.meta.url));

let root: string;

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'rehearse-detect-')));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A project: relative path → content. */
async function project(files: Record<string, string>): Promise<string> {
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), content);
  }
  return root;
}

describe('detectMigrationSources: the fixture projects the tools wrote', () => {
  it('finds dbmate, with the engine of .env', async () => {
    expect(await detectMigrationSources(path.join(FIXTURES, 'dbmate'))).toEqual([
      {
        source: 'dbmate',
        dir: 'db/migrations',
        evidence:
          'db/migrations/20261121143536_create_projects.sql has a `-- migrate:up` section (4 <version>_<name>.sql files in db/migrations); .env DATABASE_URL is postgres',
        engineHint: 'postgres',
      },
    ]);
  });

  it('finds Flyway from flyway.toml, counting migrations in sub-directories', async () => {
    expect(await detectMigrationSources(path.join(FIXTURES, 'flyway'))).toEqual([
      {
        source: 'flyway',
        dir: 'db/migration',
        evidence: 'flyway.toml (locations filesystem:db/migration), 6 V<version>__<description>.sql files in db/migration',
        engineHint: 'postgres',
      },
    ]);
  });

  it('finds Prisma with the provider of migration_lock.toml', async () => {
    expect(await detectMigrationSources(path.join(FIXTURES, 'prisma'))).toEqual([
      {
        source: 'prisma',
        dir: 'prisma/migrations',
        evidence: 'prisma/schema.prisma, prisma/migrations/migration_lock.toml (provider "postgresql"), 2 migrations in prisma/migrations',
        engineHint: 'postgres',
      },
    ]);
  });

  it('finds drizzle from drizzle.config.ts and its journal', async () => {
    expect(await detectMigrationSources(path.join(FIXTURES, 'drizzle'))).toEqual([
      {
        source: 'drizzle',
        dir: 'drizzle',
        evidence: 'drizzle.config.ts (out ./drizzle, dialect postgresql), drizzle/meta/_journal.json with 3 entries',
        engineHint: 'postgres',
      },
    ]);
  });
});

describe('detectMigrationSources: other tools', () => {
  it('finds golang-migrate pairs', async () => {
    const dir = await project({ 'migrations/0001_init.up.sql': 'SELECT 1;', 'migrations/0001_init.down.sql': 'SELECT 1;' });
    expect(await detectMigrationSources(dir)).toEqual([
      { source: 'golang-migrate', dir: 'migrations', evidence: 'migrations: 1 {version}_{title}.up.sql file, 1 with a .down.sql beside it' },
    ]);
  });

  it('finds Flyway from flyway.conf locations and URL', async () => {
    const dir = await project({
      'conf/flyway.conf': 'flyway.url=jdbc:mysql://db:3306/app\nflyway.locations=filesystem:sql/migrations,classpath:db/migration\n',
      'sql/migrations/V1__init.sql': 'SELECT 1;',
    });
    expect(await detectMigrationSources(dir)).toEqual([
      {
        source: 'flyway',
        dir: 'sql/migrations',
        evidence: 'conf/flyway.conf (locations filesystem:sql/migrations, classpath:db/migration), 1 V<version>__<description>.sql file in sql/migrations',
        engineHint: 'mysql',
      },
    ]);
  });

  it('finds a Spring Boot project\'s Flyway migrations and its datasource', async () => {
    const dir = await project({
      'src/main/resources/db/migration/V1__init.sql': 'SELECT 1;',
      'src/main/resources/application.yml': 'spring:\n  datasource:\n    url: jdbc:postgresql://localhost/app\n',
    });
    expect(await detectMigrationSources(dir)).toEqual([
      { source: 'flyway', dir: 'src/main/resources/db/migration', evidence: 'src/main/resources/db/migration: 1 V<version>__<description>.sql file', engineHint: 'postgres' },
    ]);
  });

  it('finds knex from its knexfile, and node-pg-migrate from package.json', async () => {
    const dir = await project({
      'knexfile.js': "module.exports = { client: 'mysql2', migrations: { directory: './db/knex' } };\n",
      'db/knex/20240101_init.js': 'exports.up = () => {};',
      'package.json': JSON.stringify({ dependencies: { knex: '^3', 'node-pg-migrate': '^7' }, scripts: { migrate: 'node-pg-migrate up -m db/pg' } }),
      'db/pg/1700000000000_init.js': 'exports.up = () => {};',
    });
    expect(await detectMigrationSources(dir)).toEqual([
      { source: 'knex', dir: 'db/knex', evidence: 'knexfile.js (client mysql2), db/knex holds 1 file', engineHint: 'mysql' },
      { source: 'node-pg-migrate', dir: 'db/pg', evidence: 'package.json depends on node-pg-migrate, db/pg holds 1 file', engineHint: 'postgres' },
    ]);
  });

  it('finds kysely\'s Migrator and its dialect', async () => {
    const dir = await project({
      'package.json': JSON.stringify({ dependencies: { kysely: '^0.28', pg: '^8' } }),
      'src/db/migrate.ts':
        "import { FileMigrationProvider, Migrator, PostgresDialect } from 'kysely';\n" +
        "const migrator = new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder: path.join(__dirname, 'migrations') }) });\n",
      'src/db/migrations/2024_01_01_init.ts': 'export async function up() {}',
    });
    expect(await detectMigrationSources(dir)).toEqual([
      { source: 'kysely', dir: 'src/db/migrations', evidence: "src/db/migrate.ts runs kysely's Migrator; package.json depends on kysely", engineHint: 'postgres' },
    ]);
  });

  it('finds alembic with the engine of sqlalchemy.url, hiding credentials', async () => {
    const dir = await project({
      'alembic.ini': '[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = mysql+pymysql://app:secret@db/app\n',
      'alembic/env.py': '',
      'alembic/versions/1a2b3c_init.py': '',
    });
    expect(await detectMigrationSources(dir)).toEqual([
      {
        source: 'alembic',
        dir: 'alembic/versions',
        evidence: 'alembic.ini (script_location alembic), 1 revision in alembic/versions, sqlalchemy.url mysql+pymysql://…@db/app',
        engineHint: 'mysql',
      },
    ]);
  });

  it('finds Django apps with migrations and the ENGINE of settings', async () => {
    const dir = await project({
      'manage.py': '',
      'mysite/settings.py': "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': 'db.sqlite3'}}\n",
      'blog/migrations/0001_initial.py': '',
      'blog/migrations/__init__.py': '',
    });
    expect(await detectMigrationSources(dir)).toEqual([
      {
        source: 'django',
        dir: '.',
        evidence: 'manage.py, 1 app with migrations (blog), ENGINE in mysite/settings.py: sqlite3',
        engineHint: 'sqlite',
      },
    ]);
  });

  it('finds Rails migrations and the adapter of config/database.yml', async () => {
    const dir = await project({
      Gemfile: "source 'https://rubygems.org'\ngem 'rails', '~> 8.0'\ngem 'pg'\n",
      'config/database.yml': 'default: &default\n  adapter: postgresql\n',
      'db/migrate/20240101000000_create_users.rb': '',
    });
    expect(await detectMigrationSources(dir)).toEqual([
      { source: 'rails', dir: 'db/migrate', evidence: 'Gemfile (gem rails), 1 migration in db/migrate, config/database.yml adapter postgresql', engineHint: 'postgres' },
    ]);
  });

  it('finds sqitch and its engine', async () => {
    const dir = await project({
      'sqitch.plan': '%syntax-version=1.0.0\n%project=app\n\nusers 2024-01-01T00:00:00Z Ann <ann@example.com> # Adds users.\n',
      'sqitch.conf': '[core]\n\tengine = pg\n',
    });
    expect(await detectMigrationSources(dir)).toEqual([
      { source: 'sqitch', dir: '.', evidence: 'sqitch.plan (1 change), sqitch.conf engine pg', engineHint: 'postgres' },
    ]);
  });
});

describe('detectMigrationSources: order and bounds', () => {
  it('puts migrations found before a dependency alone, and a schema without migrations last', async () => {
    const dir = await project({
      'package.json': JSON.stringify({ dependencies: { knex: '^3' } }),
      'api/prisma/schema.prisma': 'datasource db {\n  provider = "mysql"\n  url = env("DATABASE_URL")\n}\n',
      'db/migrations/1_init.up.sql': 'SELECT 1;',
      'db/migrations/1_init.down.sql': 'SELECT 1;',
    });
    expect((await detectMigrationSources(dir)).map((d) => [d.source, d.dir, d.engineHint])).toEqual([
      ['golang-migrate', 'db/migrations', undefined],
      ['prisma', 'api/prisma/migrations', 'mysql'],
      ['knex', 'migrations', undefined],
    ]);
  });

  it('looks into neither dependencies, VCS metadata nor virtualenvs', async () => {
    const dir = await project({
      'node_modules/pkg/migrations/1_a.up.sql': 'SELECT 1;',
      '.git/x/1_a.up.sql': 'SELECT 1;',
      'env/pyvenv.cfg': 'home = /usr/bin',
      'env/lib/alembic.ini': '[alembic]\nscript_location = alembic\n',
    });
    expect(await detectMigrationSources(dir)).toEqual([]);
  });

  it('stops at the depth it is given', async () => {
    const dir = await project({ 'a/b/c/migrations/1_a.up.sql': 'SELECT 1;' });
    expect(await detectMigrationSources(dir, { maxDepth: 3 })).toEqual([]);
    expect((await detectMigrationSources(dir, { maxDepth: 4 })).map((d) => d.dir)).toEqual(['a/b/c/migrations']);
  });

  it('reads engines from URLs and driver names', () => {
    expect(engineFromUrl('postgres://u@h/db')).toBe('postgres');
    expect(engineFromUrl('postgresql+psycopg://u@h/db')).toBe('postgres');
    expect(engineFromUrl('jdbc:mariadb://h/db')).toBe('mysql');
    expect(engineFromUrl('sqlite:db/app.sqlite3')).toBe('sqlite');
    expect(engineFromUrl('driver://user:pass@localhost/dbname')).toBeUndefined();
  });
});
