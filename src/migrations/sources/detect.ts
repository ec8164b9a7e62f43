// Which migration tools a project uses, from the marks each one leaves: its migrations directory
// in the tool's layout, its configuration file, its package. One bounded walk of the project (no
// dependency, VCS or virtualenv directories), then a few small files read; nothing is executed.
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { prismaLockProvider, prismaProviderEngine } from './prisma.ts';
import { drizzleDialectEngine } from './drizzle.ts';

export type MigrationSourceKind =
  | 'golang-migrate'
  | 'dbmate'
  | 'flyway'
  | 'prisma'
  | 'drizzle'
  | 'knex'
  | 'kysely'
  | 'node-pg-migrate'
  | 'alembic'
  | 'django'
  | 'rails'
  | 'sqitch';

export type EngineHint = 'postgres' | 'mysql' | 'sqlite';

export interface DetectedMigrationSource {
  source: MigrationSourceKind;
  /** The migrations directory (or the tool's project directory), relative to the project, `/`-separated (`.` for the project itself). */
  dir: string;
  /** What was found, with paths relative to the project. */
  evidence: string;
  /** The engine the project's configuration names, when it names one rehearse runs. */
  engineHint?: EngineHint;
}

export interface DetectOptions {
  /** Deepest directory level looked into (the project is level 0). */
  maxDepth?: number;
  /** Most directory entries looked at, all directories together. */
  maxEntries?: number;
}

/** Never looked into: dependencies, VCS metadata, build output, caches. Virtualenvs are skipped by their `pyvenv.cfg`. */
const SKIPPED_DIRS = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  '.venv',
  'venv',
  '__pycache__',
  '.tox',
  '.nox',
  '.mypy_cache',
  '.pytest_cache',
  '.next',
  '.nuxt',
  '.turbo',
  '.cache',
  '.gradle',
  '.idea',
  '.vscode',
  'vendor',
  'target',
  'coverage',
  'bower_components',
  'site-packages',
]);

/** Tie-break among equally certain findings: tools whose layout alone identifies them first. */
const ORDER: MigrationSourceKind[] = [
  'golang-migrate',
  'dbmate',
  'flyway',
  'prisma',
  'drizzle',
  'sqitch',
  'alembic',
  'django',
  'rails',
  'node-pg-migrate',
  'knex',
  'kysely',
];

interface Finding extends DetectedMigrationSource {
  /** 3: the tool's migrations (and usually its configuration) found; 2: migrations or configuration; 1: a dependency only. */
  certainty: number;
}

interface Tree {
  root: string;
  /** Files of each directory, by the directory's relative path (`.` for the root). */
  files: Map<string, string[]>;
  /** Sub-directories of each directory. */
  dirs: Map<string, string[]>;
}

/** The migration tools `projectDir` uses, most certain and most specific first, with what shows it. */
export async function detectMigrationSources(projectDir: string, opts: DetectOptions = {}): Promise<DetectedMigrationSource[]> {
  const tree = await walk(path.resolve(projectDir), opts.maxDepth ?? 6, opts.maxEntries ?? 20_000);
  const findings: Finding[] = [];
  const detectors = [golangMigrate, dbmate, flyway, prisma, drizzle, knex, kysely, nodePgMigrate, alembic, django, rails, sqitch];
  for (const detector of detectors) findings.push(...(await detector(tree)));
  findings.sort(
    (a, b) =>
      b.certainty - a.certainty ||
      ORDER.indexOf(a.source) - ORDER.indexOf(b.source) ||
      depth(a.dir) - depth(b.dir) ||
      (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0),
  );
  return findings.map(({ certainty: _certainty, engineHint, ...rest }) => ({ ...rest, ...(engineHint ? { engineHint } : {}) }));
}

async function walk(root: string, maxDepth: number, maxEntries: number): Promise<Tree> {
  const tree: Tree = { root, files: new Map(), dirs: new Map() };
  let budget = maxEntries;
  let level: string[] = ['.'];
  for (let d = 0; d <= maxDepth && level.length > 0 && budget > 0; d++) {
    const next: string[] = [];
    for (const rel of level) {
      let entries;
      try {
        entries = await readdir(path.join(root, rel), { withFileTypes: true });
      } catch {
        continue;
      }
      if (rel !== '.' && entries.some((e) => e.name === 'pyvenv.cfg')) continue;
      budget -= entries.length;
      const files: string[] = [];
      const dirs: string[] = [];
      for (const e of entries) {
        if (e.isDirectory()) {
          if (!SKIPPED_DIRS.has(e.name)) dirs.push(e.name);
        } else if (e.isFile() || e.isSymbolicLink()) files.push(e.name);
      }
      tree.files.set(rel, files.sort());
      tree.dirs.set(rel, dirs.sort());
      for (const dir of dirs) next.push(join(rel, dir));
      if (budget <= 0) break;
    }
    level = next;
  }
  return tree;
}

function join(...parts: string[]): string {
  return path.posix.normalize(parts.filter((p) => p !== '.' && p !== '').join('/') || '.');
}

function depth(rel: string): number {
  return rel === '.' ? 0 : rel.split('/').length;
}

function has(tree: Tree, rel: string): boolean {
  const dir = path.posix.dirname(rel);
  return tree.files.get(dir === '' ? '.' : dir)?.includes(path.posix.basename(rel)) ?? false;
}

/** The first `limit` bytes of a project file, as text; undefined when it cannot be read. */
async function readHead(tree: Tree, rel: string, limit = 64 * 1024): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path.join(tree.root, rel), 'r');
    const buffer = Buffer.alloc(limit);
    const { bytesRead } = await handle.read(buffer, 0, limit, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

/** Files across the tree whose name passes `test`, as relative paths. */
function filesNamed(tree: Tree, test: (name: string) => boolean): string[] {
  const found: string[] = [];
  for (const [dir, files] of tree.files) for (const f of files) if (test(f)) found.push(join(dir, f));
  return found.sort();
}

function plural(n: number, word: string): string {
  return n === 1 ? `1 ${word}` : `${n} ${word.endsWith('y') ? `${word.slice(0, -1)}ies` : `${word}s`}`;
}

/** `dir` and the directories above it, up to the project. */
function upward(dir: string): string[] {
  const dirs = [dir];
  while (dirs[dirs.length - 1] !== '.') dirs.push(path.posix.dirname(dirs[dirs.length - 1]!) || '.');
  return dirs;
}

/** The engine a database URL's scheme names (`postgres://`, `mysql2://`, `sqlite:`, `jdbc:postgresql:`, `postgresql+psycopg://`). */
export function engineFromUrl(url: string): EngineHint | undefined {
  const scheme = /^\s*(?:jdbc:)?([a-z0-9]+)/i.exec(url)?.[1]?.toLowerCase();
  if (!scheme) return undefined;
  if (['postgres', 'postgresql', 'pg', 'pgsql', 'postgis'].includes(scheme)) return 'postgres';
  if (['mysql', 'mysql2', 'mariadb', 'trilogy'].includes(scheme)) return 'mysql';
  if (['sqlite', 'sqlite3', 'file'].includes(scheme)) return 'sqlite';
  return undefined;
}

/** A `KEY=value` from a dotenv file. */
function dotenvValue(text: string, key: string): string | undefined {
  const match = new RegExp(`^\\s*(?:export\\s+)?${key}\\s*=\\s*(.*)$`, 'm').exec(text);
  return match?.[1]?.trim().replace(/^(['"])(.*)\1$/, '$2');
}

/** package.json dependencies (all kinds) of the manifests in the tree, by the manifest's directory. */
async function packageManifests(tree: Tree): Promise<{ dir: string; deps: Set<string>; scripts: string[] }[]> {
  const manifests: { dir: string; deps: Set<string>; scripts: string[] }[] = [];
  for (const rel of filesNamed(tree, (n) => n === 'package.json')) {
    const text = await readHead(tree, rel, 512 * 1024);
    if (!text) continue;
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      const deps = new Set<string>();
      for (const key of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
        const block = json[key];
        if (block && typeof block === 'object') for (const name of Object.keys(block)) deps.add(name);
      }
      const scripts = json['scripts'] && typeof json['scripts'] === 'object' ? Object.values(json['scripts'] as Record<string, unknown>).filter((s): s is string => typeof s === 'string') : [];
      manifests.push({ dir: path.posix.dirname(rel) === '' ? '.' : path.posix.dirname(rel), deps, scripts });
    } catch {
      // Not JSON: not a manifest to read.
    }
  }
  return manifests;
}

// --- SQL-file tools ------------------------------------------------------------------------

async function golangMigrate(tree: Tree): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const [dir, files] of tree.files) {
    const ups = files.filter((f) => /^\d+_.*\.up\.sql$/.test(f));
    if (ups.length === 0) continue;
    const paired = ups.filter((f) => files.includes(f.replace(/\.up\.sql$/, '.down.sql'))).length;
    findings.push({
      source: 'golang-migrate',
      dir,
      evidence: `${dir}: ${plural(ups.length, '{version}_{title}.up.sql file')}, ${paired} with a .down.sql beside it`,
      certainty: paired > 0 ? 3 : 2,
    });
  }
  return findings;
}

async function dbmate(tree: Tree): Promise<Finding[]> {
  const findings: Finding[] = [];
  // dbmate reads DATABASE_URL from `.env` in the directory it runs in: the nearest one above the migrations.
  const urlFor = async (dir: string) => {
    for (const d of upward(dir)) {
      const url = has(tree, join(d, '.env')) ? dotenvValue((await readHead(tree, join(d, '.env'))) ?? '', 'DATABASE_URL') : undefined;
      if (url) return url;
    }
    return undefined;
  };
  for (const [dir, files] of tree.files) {
    const candidates = files.filter((f) => /^\d+.*\.sql$/.test(f) && !/\.(up|down)\.sql$/.test(f));
    if (candidates.length === 0) continue;
    for (const file of candidates.slice(0, 3)) {
      const text = await readHead(tree, join(dir, file), 16 * 1024);
      if (!text || !/^--\s*migrate:up/m.test(text)) continue;
      const url = await urlFor(dir);
      const engineHint = url ? engineFromUrl(url) : undefined;
      findings.push({
        source: 'dbmate',
        dir,
        evidence:
          `${join(dir, file)} has a \`-- migrate:up\` section (${plural(candidates.length, '<version>_<name>.sql file')} in ${dir})` +
          (engineHint ? `; .env DATABASE_URL is ${engineHint}` : ''),
        certainty: 3,
        ...(engineHint ? { engineHint } : {}),
      });
      break;
    }
  }
  return findings;
}

async function flyway(tree: Tree): Promise<Finding[]> {
  const findings: Finding[] = [];
  const versionedDirs = [...tree.files].filter(([, files]) => files.some((f) => /^V\d[\d._]*__.*\.sql$/.test(f))).map(([dir]) => dir);
  const claimed = new Set<string>();
  // Flyway reads its locations recursively.
  const versionedUnder = (dir: string) =>
    [...tree.files]
      .filter(([d]) => d === dir || dir === '.' || d.startsWith(`${dir}/`))
      .reduce((n, [, files]) => n + files.filter((f) => /^V\d[\d._]*__.*\.sql$/.test(f)).length, 0);
  const springEngine = async (): Promise<EngineHint | undefined> => {
    for (const rel of filesNamed(tree, (n) => /^application[\w-]*\.(properties|ya?ml)$/.test(n))) {
      const url = /jdbc:[a-z0-9]+:/i.exec((await readHead(tree, rel)) ?? '')?.[0];
      if (url) return engineFromUrl(url);
    }
    return undefined;
  };
  for (const config of filesNamed(tree, (n) => n === 'flyway.conf' || n === 'flyway.toml')) {
    const text = (await readHead(tree, config)) ?? '';
    const configDir = path.posix.dirname(config) === '' ? '.' : path.posix.dirname(config);
    const locations = config.endsWith('.toml')
      ? [...(/^\s*locations\s*=\s*\[([^\]]*)\]/m.exec(text)?.[1] ?? '').matchAll(/"([^"]+)"|'([^']+)'/g)].map((m) => m[1] ?? m[2]!)
      : (/^\s*flyway\.locations\s*=\s*(.+)$/m.exec(text)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const filesystem = locations.filter((l) => !/^classpath:/i.test(l)).map((l) => l.replace(/^filesystem:/i, ''));
    // The Flyway CLI resolves a relative location against its working directory: the project's or the file's.
    const dirs = filesystem.flatMap((l) => (path.posix.isAbsolute(l) ? [l] : [join(configDir, l), join(l)]));
    // Without `locations`, the Flyway CLI reads `filesystem:sql`.
    const dir = dirs.find((d) => versionedUnder(d) > 0) ?? dirs.find((d) => tree.files.has(d)) ?? dirs[0] ?? join(configDir, 'sql');
    const url = /^\s*(?:flyway\.)?url\s*=\s*["']?([^"'\s]+)/m.exec(text)?.[1];
    const engineHint = (url ? engineFromUrl(url) : undefined) ?? (await springEngine());
    const count = versionedUnder(dir);
    claimed.add(dir);
    findings.push({
      source: 'flyway',
      dir,
      evidence:
        `${config}` +
        (locations.length ? ` (locations ${locations.join(', ')})` : '') +
        (count > 0 ? `, ${plural(count, 'V<version>__<description>.sql file')} in ${dir}` : `, no V<version>__<description>.sql in ${dir}`),
      certainty: count > 0 ? 3 : 2,
      ...(engineHint ? { engineHint } : {}),
    });
  }
  for (const dir of versionedDirs) {
    if (claimed.has(dir) || [...claimed].some((c) => dir.startsWith(`${c}/`))) continue;
    const count = versionedUnder(dir);
    const engineHint = await springEngine();
    claimed.add(dir);
    findings.push({
      source: 'flyway',
      dir,
      evidence: `${dir}: ${plural(count, 'V<version>__<description>.sql file')}`,
      certainty: /(^|\/)db\/migration$/.test(dir) || count > 1 ? 3 : 2,
      ...(engineHint ? { engineHint } : {}),
    });
  }
  return findings;
}

async function prisma(tree: Tree): Promise<Finding[]> {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const schemaProvider = (text: string) => /datasource\s+\w+\s*\{[^}]*?\bprovider\s*=\s*"(\w+)"/s.exec(text)?.[1];
  const migrationDirs = [...tree.files.keys()].filter(
    (dir) => path.posix.basename(dir) === 'migrations' && (has(tree, join(dir, 'migration_lock.toml')) || (tree.dirs.get(dir) ?? []).some((d) => has(tree, join(dir, d, 'migration.sql')))),
  );
  for (const dir of migrationDirs) {
    const parent = path.posix.dirname(dir) === '' ? '.' : path.posix.dirname(dir);
    const schema = [join(parent, 'schema.prisma'), ...filesNamed(tree, (n) => n.endsWith('.prisma')).filter((f) => f.startsWith(`${parent}/`) || parent === '.')].find((f) => has(tree, f));
    const lock = await readHead(tree, join(dir, 'migration_lock.toml'));
    if (!schema && lock === undefined) continue;
    // A migration directory past the walk's depth is counted by its name.
    const count = (tree.dirs.get(dir) ?? []).filter((d) => has(tree, join(dir, d, 'migration.sql')) || (!tree.files.has(join(dir, d)) && /^\d/.test(d))).length;
    const provider = (lock !== undefined ? prismaLockProvider(lock) : undefined) ?? (schema ? schemaProvider((await readHead(tree, schema)) ?? '') : undefined);
    const engineHint = provider ? prismaProviderEngine(provider) : undefined;
    seen.add(parent);
    findings.push({
      source: 'prisma',
      dir,
      evidence:
        [schema, lock !== undefined ? `${join(dir, 'migration_lock.toml')}` : undefined].filter(Boolean).join(', ') +
        (provider ? ` (provider "${provider}")` : '') +
        `, ${plural(count, 'migration')} in ${dir}`,
      certainty: 3,
      ...(engineHint ? { engineHint } : {}),
    });
  }
  for (const schema of filesNamed(tree, (n) => n === 'schema.prisma')) {
    const parent = path.posix.dirname(schema) === '' ? '.' : path.posix.dirname(schema);
    if (seen.has(parent)) continue;
    const provider = schemaProvider((await readHead(tree, schema)) ?? '');
    const engineHint = provider ? prismaProviderEngine(provider) : undefined;
    findings.push({
      source: 'prisma',
      dir: join(parent, 'migrations'),
      evidence: `${schema}${provider ? ` (provider "${provider}")` : ''}, no migrations directory yet`,
      certainty: 1,
      ...(engineHint ? { engineHint } : {}),
    });
  }
  return findings;
}

async function drizzle(tree: Tree): Promise<Finding[]> {
  const findings: Finding[] = [];
  const claimed = new Set<string>();
  const journalOf = async (dir: string) => {
    const text = await readHead(tree, join(dir, 'meta', '_journal.json'), 1024 * 1024);
    if (text === undefined) return undefined;
    try {
      const json = JSON.parse(text) as { dialect?: unknown; entries?: unknown };
      return { dialect: typeof json.dialect === 'string' ? json.dialect : undefined, entries: Array.isArray(json.entries) ? json.entries.length : 0 };
    } catch {
      return { dialect: undefined, entries: 0 };
    }
  };
  for (const config of filesNamed(tree, (n) => /^drizzle\.config\.(ts|mts|cts|js|mjs|cjs|json)$/.test(n))) {
    const text = (await readHead(tree, config)) ?? '';
    const configDir = path.posix.dirname(config) === '' ? '.' : path.posix.dirname(config);
    const out = /["']?\bout["']?\s*:\s*["'`]([^"'`]+)["'`]/.exec(text)?.[1] ?? 'drizzle';
    const configDialect = /["']?\b(?:dialect|driver)["']?\s*:\s*["'`]([\w-]+)["'`]/.exec(text)?.[1];
    const dir = join(configDir, out);
    const journal = await journalOf(dir);
    const dialect = journal?.dialect ?? configDialect;
    const engineHint = dialect ? (drizzleDialectEngine(dialect) ?? engineFromUrl(dialect)) : undefined;
    claimed.add(dir);
    findings.push({
      source: 'drizzle',
      dir,
      evidence:
        `${config} (out ${out}${dialect ? `, dialect ${dialect}` : ''})` +
        (journal ? `, ${join(dir, 'meta/_journal.json')} with ${plural(journal.entries, 'entry')}` : `, no ${join(dir, 'meta/_journal.json')} yet`),
      certainty: journal ? 3 : 2,
      ...(engineHint ? { engineHint } : {}),
    });
  }
  for (const journalPath of filesNamed(tree, (n) => n === '_journal.json')) {
    if (path.posix.basename(path.posix.dirname(journalPath)) !== 'meta') continue;
    const dir = path.posix.dirname(path.posix.dirname(journalPath)) || '.';
    if (claimed.has(dir)) continue;
    const journal = await journalOf(dir);
    const engineHint = journal?.dialect ? drizzleDialectEngine(journal.dialect) : undefined;
    findings.push({
      source: 'drizzle',
      dir,
      evidence: `${journalPath}${journal?.dialect ? ` (dialect ${journal.dialect})` : ''} with ${plural(journal?.entries ?? 0, 'entry')}, no drizzle.config found`,
      certainty: 2,
      ...(engineHint ? { engineHint } : {}),
    });
  }
  return findings;
}

async function sqitch(tree: Tree): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const plan of filesNamed(tree, (n) => n === 'sqitch.plan')) {
    const dir = path.posix.dirname(plan) === '' ? '.' : path.posix.dirname(plan);
    const conf = (await readHead(tree, join(dir, 'sqitch.conf'))) ?? '';
    const engine = /^\s*engine\s*=\s*(\w+)/m.exec(conf)?.[1];
    const engineHint = engine ? engineFromUrl(engine) : undefined;
    const changes = ((await readHead(tree, plan)) ?? '').split('\n').filter((l) => /^[A-Za-z_][^\s]*\s/.test(l)).length;
    findings.push({
      source: 'sqitch',
      dir,
      evidence: `${plan} (${plural(changes, 'change')})${engine ? `, sqitch.conf engine ${engine}` : ''}`,
      certainty: 3,
      ...(engineHint ? { engineHint } : {}),
    });
  }
  return findings;
}

// --- Migration tools written in a programming language --------------------------------------

async function knex(tree: Tree): Promise<Finding[]> {
  const findings: Finding[] = [];
  const covered = new Set<string>();
  for (const knexfile of filesNamed(tree, (n) => /^knexfile\.(js|ts|cjs|mjs|mts|cts)$/.test(n))) {
    const text = (await readHead(tree, knexfile)) ?? '';
    const base = path.posix.dirname(knexfile) === '' ? '.' : path.posix.dirname(knexfile);
    const client = /\bclient\s*:\s*["'`]([\w-]+)["'`]/.exec(text)?.[1];
    const directory = /\bdirectory\s*:\s*["'`]([^"'`]+)["'`]/.exec(text)?.[1] ?? 'migrations';
    const dir = join(base, directory);
    const engineHint = client ? engineFromUrl(client.replace(/^better-sqlite3$/, 'sqlite')) : undefined;
    covered.add(base);
    findings.push({
      source: 'knex',
      dir,
      evidence: `${knexfile}${client ? ` (client ${client})` : ''}${tree.files.has(dir) ? `, ${dir} holds ${plural(tree.files.get(dir)!.length, 'file')}` : ''}`,
      certainty: tree.files.has(dir) ? 3 : 2,
      ...(engineHint ? { engineHint } : {}),
    });
  }
  for (const manifest of await packageManifests(tree)) {
    if (!manifest.deps.has('knex') || covered.has(manifest.dir)) continue;
    const dir = join(manifest.dir, 'migrations');
    findings.push({
      source: 'knex',
      dir,
      evidence: `${join(manifest.dir, 'package.json')} depends on knex${tree.files.has(dir) ? `, ${dir} exists` : ''} (no knexfile)`,
      certainty: tree.files.has(dir) ? 2 : 1,
    });
  }
  return findings;
}

async function kysely(tree: Tree): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const manifest of await packageManifests(tree)) {
    if (!manifest.deps.has('kysely') && !manifest.deps.has('kysely-ctl')) continue;
    const base = manifest.dir;
    const dialectHint = (text: string): EngineHint | undefined =>
      /\bPostgresDialect\b|\bPostgresJSDialect\b|\bNeonDialect\b/.test(text)
        ? 'postgres'
        : /\bMysqlDialect\b/.test(text)
          ? 'mysql'
          : /\bSqliteDialect\b|\bBunSqliteDialect\b|\bLibsqlDialect\b/.test(text)
            ? 'sqlite'
            : undefined;
    // kysely-ctl's configuration, then code that runs the Migrator itself.
    const configs = ['kysely.config.ts', 'kysely.config.js', '.config/kysely.config.ts', '.config/kysely.config.js'].map((f) => join(base, f)).filter((f) => has(tree, f));
    const sources = filesNamed(tree, (n) => /\.(ts|mts|cts|js|mjs|cjs)$/.test(n) && !n.endsWith('.d.ts'))
      .filter((f) => base === '.' || f.startsWith(`${base}/`))
      .sort((a, b) => Number(/migrat/i.test(b)) - Number(/migrat/i.test(a)))
      .slice(0, 400);
    let found: { file: string; text: string } | undefined;
    for (const file of [...configs, ...sources]) {
      const text = await readHead(tree, file, 128 * 1024);
      if (text && (configs.includes(file) || /new\s+Migrator\s*\(|FileMigrationProvider/.test(text))) {
        found = { file, text };
        break;
      }
    }
    // `migrationFolder: path.join(__dirname, 'migrations')` is beside the file; a bare relative path, beside the package.
    const folder = found && /migrationFolder\s*:\s*(?:path\.(?:join|resolve)\(\s*(__dirname|import\.meta\.dirname)?[^,]*,\s*)?["'`]([^"'`]+)["'`]/.exec(found.text);
    const near = found ? path.posix.dirname(found.file) : base;
    const dir = folder
      ? join(folder[1] ? near : base, folder[2]!)
      : tree.files.has(join(base, 'migrations'))
        ? join(base, 'migrations')
        : near;
    const engineHint = found ? dialectHint(found.text) : undefined;
    findings.push({
      source: 'kysely',
      dir,
      evidence: found
        ? `${found.file} ${configs.includes(found.file) ? 'configures kysely-ctl' : 'runs kysely\'s Migrator'}; ${join(base, 'package.json')} depends on kysely`
        : `${join(base, 'package.json')} depends on kysely (no Migrator use found)`,
      certainty: found ? 2 : 1,
      ...(engineHint ? { engineHint } : {}),
    });
  }
  return findings;
}

async function nodePgMigrate(tree: Tree): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const manifest of await packageManifests(tree)) {
    if (!manifest.deps.has('node-pg-migrate')) continue;
    const flag = manifest.scripts.map((s) => /node-pg-migrate\b.*?(?:--migrations-dir|-m)[\s=]+["']?([^\s"']+)/.exec(s)?.[1]).find(Boolean);
    const dir = join(manifest.dir, flag ?? 'migrations');
    findings.push({
      source: 'node-pg-migrate',
      dir,
      evidence: `${join(manifest.dir, 'package.json')} depends on node-pg-migrate${tree.files.has(dir) ? `, ${dir} holds ${plural(tree.files.get(dir)!.length, 'file')}` : `, no ${dir} yet`}`,
      certainty: tree.files.has(dir) ? 2 : 1,
      engineHint: 'postgres',
    });
  }
  return findings;
}

async function alembic(tree: Tree): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const ini of filesNamed(tree, (n) => n === 'alembic.ini')) {
    const text = (await readHead(tree, ini)) ?? '';
    const base = path.posix.dirname(ini) === '' ? '.' : path.posix.dirname(ini);
    const location = /^\s*script_location\s*=\s*(.+?)\s*$/m.exec(text)?.[1]?.replace(/%\(here\)s\/?/, '') ?? 'alembic';
    const scripts = location.includes(':') ? base : join(base, location);
    const versions = join(scripts, 'versions');
    const url = /^\s*sqlalchemy\.url\s*=\s*(.+?)\s*$/m.exec(text)?.[1];
    const engineHint = url ? engineFromUrl(url) : undefined;
    const count = tree.files.get(versions)?.filter((f) => f.endsWith('.py')).length ?? 0;
    findings.push({
      source: 'alembic',
      dir: tree.files.has(versions) ? versions : scripts,
      evidence: `${ini} (script_location ${location})${count > 0 ? `, ${plural(count, 'revision')} in ${versions}` : ''}${url ? `, sqlalchemy.url ${url.replace(/\/\/[^@/]*@/, '//…@')}` : ''}`,
      certainty: count > 0 ? 3 : 2,
      ...(engineHint ? { engineHint } : {}),
    });
  }
  return findings;
}

async function django(tree: Tree): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const manage of filesNamed(tree, (n) => n === 'manage.py')) {
    const base = path.posix.dirname(manage) === '' ? '.' : path.posix.dirname(manage);
    const inBase = (f: string) => base === '.' || f.startsWith(`${base}/`);
    const apps = [...tree.files]
      .filter(([dir, files]) => inBase(dir) && path.posix.basename(dir) === 'migrations' && files.some((f) => /^0001_.*\.py$/.test(f)))
      .map(([dir]) => path.posix.dirname(dir));
    if (apps.length === 0) continue;
    let engineHint: EngineHint | undefined;
    let engineName: string | undefined;
    for (const settings of filesNamed(tree, (n) => n.endsWith('.py')).filter((f) => inBase(f) && /(^|\/)settings(\.py$|\/)/.test(f))) {
      const engine = /["']ENGINE["']\s*:\s*["'](?:django\.db\.backends|django\.contrib\.gis\.db\.backends)\.(\w+)["']/.exec((await readHead(tree, settings)) ?? '')?.[1];
      if (!engine) continue;
      engineName = `${settings}: ${engine}`;
      engineHint = /^(postgresql|postgresql_psycopg2|postgis)$/.test(engine) ? 'postgres' : /^mysql$/.test(engine) ? 'mysql' : /^(sqlite3|spatialite)$/.test(engine) ? 'sqlite' : undefined;
      break;
    }
    findings.push({
      source: 'django',
      dir: base,
      evidence: `${manage}, ${plural(apps.length, 'app')} with migrations (${apps.slice(0, 5).join(', ')}${apps.length > 5 ? ', …' : ''})${engineName ? `, ENGINE in ${engineName}` : ''}`,
      certainty: 3,
      ...(engineHint ? { engineHint } : {}),
    });
  }
  return findings;
}

async function rails(tree: Tree): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const gemfile of filesNamed(tree, (n) => n === 'Gemfile')) {
    const text = (await readHead(tree, gemfile)) ?? '';
    const gem = /^\s*gem\s+["'](rails|activerecord)["']/m.exec(text)?.[1];
    if (!gem) continue;
    const base = path.posix.dirname(gemfile) === '' ? '.' : path.posix.dirname(gemfile);
    const dir = join(base, 'db/migrate');
    const count = tree.files.get(dir)?.filter((f) => /^\d+_.*\.rb$/.test(f)).length ?? 0;
    const adapter = /^\s*adapter\s*:\s*["']?(\w+)/m.exec((await readHead(tree, join(base, 'config/database.yml'))) ?? '')?.[1];
    const driverGem = /^\s*gem\s+["'](pg|mysql2|trilogy|sqlite3)["']/m.exec(text)?.[1];
    const engineHint = adapter ? engineFromUrl(adapter) : driverGem ? engineFromUrl(driverGem) : undefined;
    findings.push({
      source: 'rails',
      dir,
      evidence: `${gemfile} (gem ${gem})${count > 0 ? `, ${plural(count, 'migration')} in ${dir}` : `, no ${dir} migrations`}${adapter ? `, config/database.yml adapter ${adapter}` : driverGem ? `, gem ${driverGem}` : ''}`,
      certainty: count > 0 ? 3 : 1,
      ...(engineHint ? { engineHint } : {}),
    });
  }
  return findings;
}
