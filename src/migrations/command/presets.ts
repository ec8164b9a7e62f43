// The presets: for each tool, the commands that list its migrations, show the database's current
// version and apply or undo one step, how those commands' output is read, and what a version is.
// Each was checked against the real tool (Debian bookworm's packages: Alembic 1.8, Django 3.2,
// Rails/Active Record 6.1, Sqitch 1.3) except nova-manage; docs/command-sources.md explains them.
import type { CommandEngine, UrlDialect } from './connection.ts';
import { single, type PlaceholderValue } from './template.ts';

export type CommandKey = 'up' | 'down' | 'list' | 'current';
export const COMMAND_KEYS: readonly CommandKey[] = ['up', 'down', 'list', 'current'];

export const PRESET_NAMES = ['alembic', 'django', 'rails', 'sqitch', 'nova-manage'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** One migration as the tool lists it. */
export interface CommandVersion {
  /** How the tool names it, and what `{version}` stands for: `a1b2c3d4e5f6`, `inventory.0002_item_price`, `20240101000002`, `widget_price`. */
  version: string;
  /** Its description where the tool gives one (Alembic's message, Rails' class, Sqitch's note). */
  name?: string;
  /**
   * The version to go back to when undoing this one, for `{previous}`: the one before it
   * (Django: before it in the same app), or null when nothing comes before it.
   */
  previous: string | null;
}

/** What a command printed, for the parsers. */
export interface CommandOutput {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Thrown by a parser: the output is not what the tool prints. The runner adds the command. */
export class OutputError extends Error {}

export interface Preset {
  /** undefined: no preset, commands of one's own. */
  name: PresetName | undefined;
  /** Its commands; a key it lacks must be configured (`list`) or cannot be run (`down`, `current`). */
  templates: Partial<Record<CommandKey, string>>;
  /** Commands that differ on one engine (used only where the configuration does not set the key). */
  engineTemplates?: Partial<Record<CommandEngine, Partial<Record<CommandKey, string>>>>;
  /** Why a key is missing, for the configuration's problems. */
  missing?: Partial<Record<CommandKey, string>>;
  /** How the tool reads DATABASE_URL. */
  urlDialect: UrlDialect;
  /** How to choose the SQLAlchemy MySQL driver: ask `{python}` what it has, or a fixed one. */
  sqlalchemyMysqlDriver?: 'detect' | 'pymysql';
  /** Variables under the configuration's `env`. */
  env?: Record<string, string>;
  /** What `{previous}` is before the first version: a word, or none (the argument is left out). */
  base: string | null | undefined;
  /** `{version}` (and a previous version) as arguments. */
  versionValue(version: string): PlaceholderValue;
  /** `{previous}` for undoing `version`. */
  previousValue(version: string, previous: string | null, base: string | undefined): PlaceholderValue;
  parseList(output: CommandOutput): CommandVersion[];
  parseCurrent(output: CommandOutput): string | null;
  /** Whether `current` ending with a non-zero status still said something (Sqitch: nothing deployed). */
  currentMayFail?(output: CommandOutput): boolean;
}

/** The value of `{previous}` with nothing before: the base word, none, or an error when there is no base. */
function baseValue(base: string | null | undefined, version: string): PlaceholderValue {
  if (base === null) return { words: [], text: undefined };
  if (base === undefined) throw new MissingBaseError(version);
  return single(base);
}

export class MissingBaseError extends Error {
  constructor(readonly version: string) {
    super(`{previous} has no value for ${version}: it is the first version and nothing says what comes before the first (set command.base)`);
  }
}

function lines(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.replace(/\s+$/, '')).filter((line) => line.trim() !== '');
}

/** Each version's previous: the one listed before it. */
function chain(entries: { version: string; name?: string }[]): CommandVersion[] {
  const seen = new Set<string>();
  return entries.map((entry, i) => {
    if (seen.has(entry.version)) throw new OutputError(`version ${entry.version} is listed twice`);
    seen.add(entry.version);
    return { ...entry, previous: i === 0 ? null : entries[i - 1]!.version };
  });
}

function withName(version: string, name: string | undefined): { version: string; name?: string } {
  return name ? { version, name } : { version };
}

/** A command of one's own: one version per line, oldest first, optionally followed by a name. */
export const GENERIC: Preset = {
  name: undefined,
  templates: {},
  urlDialect: 'generic',
  base: undefined,
  versionValue: single,
  previousValue: (version, previous, base) => (previous !== null ? single(previous) : baseValue(base, version)),
  parseList(output) {
    return chain(
      lines(output.stdout).map((line) => {
        const [version, ...name] = line.trim().split(/\s+/);
        return withName(version!, name.join(' '));
      }),
    );
  },
  parseCurrent(output) {
    const last = lines(output.stdout).pop();
    return last === undefined ? null : last.trim().split(/\s+/)[0]!;
  },
};

/**
 * Alembic (`python3 -m alembic`, so `python` picks the interpreter whose packages it uses).
 * `history` prints newest first, `<down> -> <revision> (head), <message>`; rehearse steps through
 * one line of revisions and refuses branches and merges.
 */
const ALEMBIC: Preset = {
  name: 'alembic',
  templates: {
    up: '{python} -m alembic upgrade {version}',
    down: '{python} -m alembic downgrade {previous}',
    list: '{python} -m alembic history',
    current: '{python} -m alembic current',
  },
  urlDialect: 'sqlalchemy',
  sqlalchemyMysqlDriver: 'detect',
  env: { PYTHONUNBUFFERED: '1' },
  base: 'base',
  versionValue: single,
  previousValue: (_version, previous, base) => single(previous ?? base ?? 'base'),
  parseList(output) {
    const entries: { down: string; version: string; name: string; marks: string }[] = [];
    for (const line of lines(output.stdout)) {
      // `<down> [(<depends on>)] -> <revision>[ (<branch labels>)][ (head)][ (branchpoint)][ (mergepoint)], <message>`;
      // a merge's down revisions are `a, b`.
      const match = /^(.+?) -> ([^\s,()]+)((?: \([^)]*\))*), ?(.*)$/.exec(line.trim());
      if (match) entries.push({ down: match[1]!.replace(/ \([^)]*\)$/, ''), version: match[2]!, marks: match[3]!, name: match[4] ?? '' });
    }
    if (entries.length === 0 && lines(output.stdout).length > 0) throw new OutputError('no `<down> -> <revision>, <message>` line in the output of alembic history');
    entries.reverse();
    const versions: CommandVersion[] = [];
    for (const [i, entry] of entries.entries()) {
      const expected = i === 0 ? '<base>' : entries[i - 1]!.version;
      if (entry.down !== expected || / \((?:branchpoint|mergepoint)\)/.test(entry.marks)) {
        throw new OutputError(`the revisions are not one line (${entry.down} -> ${entry.version}${entry.marks}): rehearse steps through a history without branches or merges`);
      }
      versions.push({ ...withName(entry.version, entry.name), previous: i === 0 ? null : expected });
    }
    return versions;
  },
  parseCurrent(output) {
    const revisions = lines(output.stdout)
      .map((line) => /^([^\s,()]+)((?: \([^)]*\))*)$/.exec(line.trim())?.[1])
      .filter((revision): revision is string => revision !== undefined);
    if (revisions.length > 1) throw new OutputError(`the database is at several revisions (${revisions.join(', ')}): rehearse steps through one line of revisions`);
    return revisions[0] ?? null;
  },
};

/** `app.migration`, Django's name for a migration across the project. */
const DJANGO_ID = /^([^.\s]+)\.([^.\s]+)$/;

function djangoParts(version: string): [string, string] {
  const match = DJANGO_ID.exec(version);
  if (!match) throw new OutputError(`a Django version is app_label.migration_name, not ${JSON.stringify(version)}`);
  return [match[1]!, match[2]!];
}

/**
 * Django: migrations belong to apps. rehearse takes the project's order from
 * `showmigrations --plan` (the order `migrate` applies them in), names each `app.migration`, and
 * migrates one app to one migration per step (`migrate app 0002_x`; undoing: `migrate app
 * <the app's migration before it>`, or `zero`).
 */
const DJANGO: Preset = {
  name: 'django',
  templates: {
    up: '{python} manage.py migrate --noinput {version}',
    down: '{python} manage.py migrate --noinput {previous}',
    list: '{python} manage.py showmigrations --plan',
    current: '{python} manage.py showmigrations --plan',
  },
  urlDialect: 'generic',
  env: { PYTHONUNBUFFERED: '1' },
  base: 'zero',
  versionValue(version) {
    const [app, migration] = djangoParts(version);
    return { words: [app, migration], text: version };
  },
  previousValue(version, previous, base) {
    const [app] = djangoParts(version);
    if (previous === null) return { words: [app, base ?? 'zero'], text: `${app}.${base ?? 'zero'}` };
    const [previousApp, migration] = djangoParts(previous);
    if (previousApp !== app) throw new OutputError(`{previous} of ${version} must be a migration of the app ${app}, not ${previous}`);
    return { words: [app, migration], text: previous };
  },
  parseList(output) {
    const plan = djangoPlan(output);
    const lastOfApp = new Map<string, string>();
    return plan.map(({ version }) => {
      const [app] = djangoParts(version);
      const previous = lastOfApp.get(app) ?? null;
      lastOfApp.set(app, version);
      return { version, previous };
    });
  },
  parseCurrent(output) {
    return djangoPlan(output).filter((entry) => entry.applied).pop()?.version ?? null;
  },
};

function djangoPlan(output: CommandOutput): { version: string; applied: boolean }[] {
  const plan: { version: string; applied: boolean }[] = [];
  const seen = new Set<string>();
  for (const line of lines(output.stdout)) {
    const match = /^\[([ X-])\]\s+([^.\s]+\.[^.\s]+)(?:\s+\.\.\..*)?$/.exec(line);
    if (!match) continue;
    if (seen.has(match[2]!)) throw new OutputError(`migration ${match[2]} is listed twice`);
    seen.add(match[2]!);
    plan.push({ version: match[2]!, applied: match[1] === 'X' });
  }
  if (plan.length === 0 && lines(output.stdout).length > 0) throw new OutputError('no `[X]  app.migration` line in the output of showmigrations --plan');
  return plan;
}

/**
 * Rails (Active Record): versions are the migration files' timestamps. `db:migrate:status` cannot
 * list them before `schema_migrations` exists (a new database), so the list asks the migration
 * context (the files) through `rails runner`; `db:version` says where the database is (0: nowhere).
 */
const RAILS: Preset = {
  name: 'rails',
  templates: {
    up: 'bin/rails db:migrate:up VERSION={version}',
    down: 'bin/rails db:migrate:down VERSION={version}',
    list: `bin/rails runner 'pool = ActiveRecord::Base.connection_pool; owner = pool.respond_to?(:migration_context) ? pool : ActiveRecord::Base.connection; owner.migration_context.migrations.each { |m| puts "#{m.version} #{m.name}" }'`,
    current: 'bin/rails db:version',
  },
  urlDialect: 'rails',
  base: '0',
  versionValue: single,
  previousValue: (_version, previous, base) => single(previous ?? base ?? '0'),
  parseList(output) {
    const entries: { version: string; name?: string }[] = [];
    for (const line of lines(output.stdout)) {
      const match = /^(\d+)(?:\s+(.*))?$/.exec(line.trim());
      if (match) entries.push(withName(match[1]!, match[2]));
    }
    return chain(entries);
  },
  parseCurrent(output) {
    const match = /^Current version: (\d+)\s*$/m.exec(output.stdout);
    if (!match) throw new OutputError('no `Current version: <n>` line in the output of db:version');
    return /^0+$/.test(match[1]!) ? null : match[1]!;
  },
};

/**
 * Sqitch: versions are change names in plan order. Undoing the first change reverts everything
 * (`revert` without `--to`). On MySQL the registry is a database of its own, `sqitch` for the
 * whole server unless configured: rehearse points it at `<scratch database>_sqitch`, one per
 * scratch database, which the caller drops with the scratch database (`sideDatabases`).
 */
const SQITCH: Preset = {
  name: 'sqitch',
  templates: {
    up: 'sqitch deploy --to {version}',
    down: 'sqitch revert -y --to={previous}',
    list: "sqitch plan --no-headers --format 'format:%n %s'",
    current: 'sqitch status',
  },
  engineTemplates: {
    mysql: {
      up: 'sqitch deploy --registry {database}_sqitch --to {version}',
      down: 'sqitch revert --registry {database}_sqitch -y --to={previous}',
      current: 'sqitch status --registry {database}_sqitch',
    },
  },
  urlDialect: 'sqitch',
  base: null,
  versionValue: single,
  previousValue: (version, previous, base) => (previous !== null ? single(previous) : baseValue(base ?? null, version)),
  parseList(output) {
    return chain(
      lines(output.stdout).map((line) => {
        const match = /^(\S+)(?: (.*))?$/.exec(line.trim())!;
        return withName(match[1]!, match[2]);
      }),
    );
  },
  parseCurrent(output) {
    if (/^No changes deployed\s*$/m.test(output.stdout)) return null;
    const match = /^# Name:\s+(\S+)\s*$/m.exec(output.stdout);
    if (!match) throw new OutputError('no `# Name: <change>` line in the output of sqitch status');
    return match[1]!;
  },
  currentMayFail: (output) => output.exitCode === 1 && /^No changes deployed\s*$/m.test(output.stdout),
};

/**
 * OpenStack Nova's `nova-manage db sync [VERSION]`. It reads its database from oslo.config,
 * which takes `OS_DATABASE__CONNECTION`; it cannot list its migrations or downgrade, so `list`
 * must be configured and steps only go up. Not checked against a real nova-manage.
 */
const NOVA_MANAGE: Preset = {
  name: 'nova-manage',
  templates: {
    up: 'nova-manage db sync {version}',
    current: 'nova-manage db version',
  },
  missing: {
    list: 'nova-manage cannot list its migrations: set command.list to a command printing them, one per line, oldest first',
  },
  urlDialect: 'sqlalchemy',
  sqlalchemyMysqlDriver: 'pymysql',
  base: undefined,
  versionValue: single,
  previousValue: (version, previous, base) => (previous !== null ? single(previous) : baseValue(base, version)),
  parseList: GENERIC.parseList,
  parseCurrent(output) {
    const last = lines(output.stdout).pop()?.trim();
    return last === undefined || last === 'None' ? null : last;
  },
};

export const PRESETS: Record<PresetName, Preset> = {
  alembic: ALEMBIC,
  django: DJANGO,
  rails: RAILS,
  sqitch: SQITCH,
  'nova-manage': NOVA_MANAGE,
};
