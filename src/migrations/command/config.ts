// The `command:` block of a configuration, checked and resolved: pure functions of what was read
// (no file is opened, nothing runs). Problems name the key: `command.up: unknown placeholder {versoin}`.
//
//   source: command
//   command:
//     preset: alembic                       # alembic | django | rails | sqitch | nova-manage
//     up: "alembic upgrade {version}"       # any key overrides the preset's
//     down: "alembic downgrade {previous}"
//     list: "alembic history"
//     current: "alembic current"
//     cwd: "."                              # relative to the config file
//     env: { DJANGO_SETTINGS_MODULE: app.settings }
//     python: /usr/bin/python3              # {python}: the interpreter of the Python presets
//     base: base                            # {previous} before the first version
import path from 'node:path';
import { CONNECTION_VARIABLES, type CommandEngine } from './connection.ts';
import { COMMAND_KEYS, GENERIC, PRESET_NAMES, PRESETS, type CommandKey, type Preset, type PresetName } from './presets.ts';
import { parseTemplate, placeholdersOf, TemplateError, type ParsedTemplate } from './template.ts';

/** The keys of `command:`. */
export const COMMAND_SOURCE_KEYS = ['preset', 'up', 'down', 'list', 'current', 'cwd', 'env', 'python', 'base'] as const;

/** The interpreter `{python}` runs when `python` is not set: found in the command's PATH. */
export const DEFAULT_PYTHON = 'python3';

/** The placeholders each key may use. */
const PLACEHOLDERS: Record<CommandKey, readonly string[]> = {
  up: ['version', 'previous', 'python', 'database'],
  down: ['version', 'previous', 'python', 'database'],
  list: ['python', 'database'],
  current: ['python', 'database'],
};

const DESCRIPTIONS: Record<CommandKey, string> = {
  up: 'a command applying one version, e.g. "tool migrate {version}"',
  down: 'a command undoing one version, e.g. "tool migrate {previous}"',
  list: 'a command printing every version in apply order, one per line, oldest first',
  current: "a command printing the database's current version",
};

/** One of the commands, ready to expand. */
export interface CommandTemplate {
  key: CommandKey;
  /** As configured, or the preset's. */
  template: ParsedTemplate;
  /** Where the preset has another command for one engine and the configuration did not set the key. */
  byEngine?: Partial<Record<CommandEngine, ParsedTemplate>>;
  /** Whether it is the preset's (the configuration did not set it). */
  fromPreset: boolean;
}

/** A resolved `command:` block. */
export interface CommandSourceSpec {
  preset: PresetName | undefined;
  up: CommandTemplate;
  list: CommandTemplate;
  /** Absent: steps cannot be undone (nova-manage, or a configuration without `down`). */
  down?: CommandTemplate;
  /** Absent: the current version cannot be asked. */
  current?: CommandTemplate;
  /** Absolute. */
  cwd: string;
  /** The configuration's variables, over the preset's. */
  env: Record<string, string>;
  /** What `{python}` runs. */
  python: string;
  /** What `{previous}` is before the first version, where the configuration says. */
  base: string | undefined;
}

export type ResolvedCommandSource = { ok: true; spec: CommandSourceSpec; problems: [] } | { ok: false; problems: string[] };

/** The preset of a spec, or the rules for commands of one's own. */
export function presetOf(spec: Pick<CommandSourceSpec, 'preset'>): Preset {
  return spec.preset ? PRESETS[spec.preset] : GENERIC;
}

/** The template of `key` for `engine`. */
export function templateFor(command: CommandTemplate, engine: CommandEngine): ParsedTemplate {
  return command.byEngine?.[engine] ?? command.template;
}

/** Every problem of a `command:` block (empty when it is valid). */
export function commandSourceProblems(input: unknown, keyPath = 'command'): string[] {
  const resolved = resolveCommandSource(input, '/', keyPath);
  return resolved.problems;
}

/**
 * Checks the `command:` block (`input`, as parsed from YAML or given by a TS config) and resolves it
 * against the directory of the configuration file: every problem at once, each naming its key.
 */
export function resolveCommandSource(input: unknown, configDir: string, keyPath = 'command'): ResolvedCommandSource {
  const problems: string[] = [];
  const at = (key: string) => `${keyPath}.${key}`;
  if (!isRecord(input)) return { ok: false, problems: [`${keyPath}: expected a mapping with at least \`preset\` or \`up\` and \`list\`, got ${describe(input)}`] };

  for (const key of Object.keys(input)) {
    if (!(COMMAND_SOURCE_KEYS as readonly string[]).includes(key)) problems.push(`${at(key)}: unknown key (expected one of ${COMMAND_SOURCE_KEYS.join(', ')})`);
  }

  let preset: Preset = GENERIC;
  if (input.preset !== undefined) {
    if (typeof input.preset === 'string' && (PRESET_NAMES as readonly string[]).includes(input.preset)) preset = PRESETS[input.preset as PresetName];
    else problems.push(`${at('preset')}: expected one of ${PRESET_NAMES.join(', ')}, got ${describe(input.preset)}`);
  }

  const templates: Partial<Record<CommandKey, CommandTemplate>> = {};
  for (const key of COMMAND_KEYS) {
    const value = input[key];
    if (value === undefined) {
      const fromPreset = preset.templates[key];
      if (fromPreset !== undefined) {
        const byEngine: Partial<Record<CommandEngine, ParsedTemplate>> = {};
        for (const [engine, engineTemplates] of Object.entries(preset.engineTemplates ?? {})) {
          const text = engineTemplates[key];
          if (text !== undefined) byEngine[engine as CommandEngine] = parseTemplate(text);
        }
        templates[key] = { key, template: parseTemplate(fromPreset), fromPreset: true, ...(Object.keys(byEngine).length > 0 ? { byEngine } : {}) };
      } else if (key === 'up' || key === 'list') {
        const why = preset.missing?.[key];
        problems.push(
          why
            ? `${at(key)}: required with preset ${preset.name}: ${why}`
            : `${at(key)}: required (${DESCRIPTIONS[key]}), or set ${at('preset')}`,
        );
      }
      continue;
    }
    if (typeof value !== 'string') {
      problems.push(`${at(key)}: expected ${DESCRIPTIONS[key]} as a string, got ${describe(value)}`);
      continue;
    }
    let template: ParsedTemplate;
    try {
      template = parseTemplate(value);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      problems.push(`${at(key)}: ${error.message}`);
      continue;
    }
    const known = PLACEHOLDERS[key];
    for (const name of placeholdersOf(template)) {
      if (known.includes(name)) continue;
      const onlyInSteps = PLACEHOLDERS.up.includes(name) && !known.includes(name);
      problems.push(
        `${at(key)}: ${onlyInSteps ? `{${name}} is only known in up and down` : `unknown placeholder {${name}}`}; known here: ${known.map((p) => `{${p}}`).join(', ')} (write {{ for a literal {)`,
      );
    }
    templates[key] = { key, template, fromPreset: false };
  }

  let cwd = path.resolve(configDir);
  if (input.cwd !== undefined) {
    if (typeof input.cwd === 'string' && input.cwd !== '' && !input.cwd.includes('\0')) cwd = path.resolve(configDir, input.cwd);
    else problems.push(`${at('cwd')}: expected a directory (relative to the configuration file), got ${describe(input.cwd)}`);
  }

  const env: Record<string, string> = { ...preset.env };
  if (input.env !== undefined) {
    if (!isRecord(input.env)) problems.push(`${at('env')}: expected a mapping of variable names to strings, got ${describe(input.env)}`);
    else {
      for (const [name, value] of Object.entries(input.env)) {
        const key = `${at('env')}.${name}`;
        if (name === '' || name.includes('=') || name.includes('\0')) problems.push(`${key}: not a valid variable name`);
        else if ((CONNECTION_VARIABLES as readonly string[]).includes(name)) {
          problems.push(`${key}: set by rehearse to the scratch database's endpoint in the sandbox (variables it sets: ${CONNECTION_VARIABLES.join(', ')}); remove it`);
        } else if (typeof value !== 'string') {
          problems.push(`${key}: expected a string, got ${describe(value)}${typeof value === 'number' || typeof value === 'boolean' ? ' (quote it)' : ''}`);
        } else if (value.includes('\0')) problems.push(`${key}: expected a string without NUL characters`);
        else env[name] = value;
      }
    }
  }

  let python = DEFAULT_PYTHON;
  if (input.python !== undefined) {
    if (typeof input.python === 'string' && input.python !== '' && !input.python.includes('\0')) python = input.python;
    else problems.push(`${at('python')}: expected the Python interpreter to run (a name found in PATH, or a path), got ${describe(input.python)}`);
  }

  let base: string | undefined;
  if (input.base !== undefined) {
    if (typeof input.base === 'string' && input.base !== '' && !input.base.includes('\0')) base = input.base;
    else problems.push(`${at('base')}: expected the version {previous} stands for before the first one (e.g. 0), got ${describe(input.base)}`);
  }

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    problems: [],
    spec: {
      preset: preset.name,
      up: templates.up!,
      list: templates.list!,
      ...(templates.down ? { down: templates.down } : {}),
      ...(templates.current ? { current: templates.current } : {}),
      cwd,
      env,
      python,
      base,
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `string "x"`, `number 5`, `a list`, `null`, … for "expected …, got …". */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return value === '' ? 'an empty string' : `string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}
