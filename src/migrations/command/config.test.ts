import { describe, expect, test } from 'vitest';
import { commandSourceProblems, resolveCommandSource, templateFor, type CommandSourceSpec } from './config.ts';
import { PRESET_NAMES } from './presets.ts';
import { expandTemplate, single } from './template.ts';

function resolved(input: unknown, configDir = '/repo/db'): CommandSourceSpec {
  const result = resolveCommandSource(input, configDir);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.spec;
}

const argv = (spec: CommandSourceSpec, key: 'up' | 'down' | 'list' | 'current', engine: 'postgres' | 'mysql' | 'sqlite' = 'postgres') =>
  expandTemplate(templateFor(spec[key]!, engine), { version: single('V'), previous: single('P'), python: single(spec.python), database: single('scratch') });

describe('resolveCommandSource', () => {
  test('a preset alone gives its commands, cwd the config file’s directory, python3', () => {
    const spec = resolved({ preset: 'alembic' });
    expect(spec).toMatchObject({ preset: 'alembic', cwd: '/repo/db', python: 'python3', base: undefined, env: { PYTHONUNBUFFERED: '1' } });
    expect(argv(spec, 'up')).toEqual(['python3', '-m', 'alembic', 'upgrade', 'V']);
    expect(argv(spec, 'down')).toEqual(['python3', '-m', 'alembic', 'downgrade', 'P']);
    expect(argv(spec, 'list')).toEqual(['python3', '-m', 'alembic', 'history']);
    expect(argv(spec, 'current')).toEqual(['python3', '-m', 'alembic', 'current']);
    expect(spec.up.fromPreset).toBe(true);
  });

  test('keys override the preset’s; cwd is relative to the config file; env and python are kept', () => {
    const spec = resolved({
      preset: 'django',
      up: 'python3 src/manage.py migrate {version}',
      cwd: '../app',
      env: { DJANGO_SETTINGS_MODULE: 'app.settings', PATH: '/venv/bin:/usr/bin' },
      python: '/venv/bin/python',
    });
    expect(argv(spec, 'up')).toEqual(['python3', 'src/manage.py', 'migrate', 'V']);
    expect(spec.up.fromPreset).toBe(false);
    expect(argv(spec, 'list')).toEqual(['/venv/bin/python', 'manage.py', 'showmigrations', '--plan']);
    expect(spec.cwd).toBe('/repo/app');
    expect(spec.env).toEqual({ PYTHONUNBUFFERED: '1', DJANGO_SETTINGS_MODULE: 'app.settings', PATH: '/venv/bin:/usr/bin' });
    expect(resolved({ preset: 'rails', cwd: '/abs/app' }).cwd).toBe('/abs/app');
  });

  test('every preset resolves; Sqitch keeps its MySQL registry per scratch database', () => {
    for (const preset of PRESET_NAMES) {
      const input = preset === 'nova-manage' ? { preset, list: 'cat versions.txt' } : { preset };
      expect(resolveCommandSource(input, '/x').problems, preset).toEqual([]);
    }
    const sqitch = resolved({ preset: 'sqitch' });
    expect(argv(sqitch, 'up', 'postgres')).toEqual(['sqitch', 'deploy', '--to', 'V']);
    expect(argv(sqitch, 'up', 'mysql')).toEqual(['sqitch', 'deploy', '--registry', 'scratch_sqitch', '--to', 'V']);
    expect(argv(resolved({ preset: 'sqitch', up: 'sqitch deploy --to {version}' }), 'up', 'mysql')).toEqual(['sqitch', 'deploy', '--to', 'V']);
  });

  test('commands of one’s own need up and list', () => {
    const spec = resolved({ up: 'migrate up {version}', list: 'migrate list', base: '0' });
    expect(spec).toMatchObject({ preset: undefined, base: '0' });
    expect(spec.down).toBeUndefined();
    expect(spec.current).toBeUndefined();
    expect(commandSourceProblems({ down: 'x' })).toEqual([
      'command.up: required (a command applying one version, e.g. "tool migrate {version}"), or set command.preset',
      'command.list: required (a command printing every version in apply order, one per line, oldest first), or set command.preset',
    ]);
    expect(commandSourceProblems({ preset: 'nova-manage' })).toEqual([
      'command.list: required with preset nova-manage: nova-manage cannot list its migrations: set command.list to a command printing them, one per line, oldest first',
    ]);
  });

  test('every problem at once, each with its key, "expected …, got …"', () => {
    expect(
      commandSourceProblems({
        preset: 'flyway',
        up: 5,
        down: 'alembic downgrade {previous',
        list: 'alembic history {version}',
        current: 'alembic current {revision}',
        cwd: '',
        env: { DATABASE_URL: 'postgres://prod', PORT: 5432, OK: 'yes', 'A=B': 'x' },
        python: ['python3'],
        base: 0,
        colour: 'red',
      }),
    ).toEqual([
      'command.colour: unknown key (expected one of preset, up, down, list, current, cwd, env, python, base)',
      'command.preset: expected one of alembic, django, rails, sqitch, nova-manage, got string "flyway"',
      'command.up: expected a command applying one version, e.g. "tool migrate {version}" as a string, got number 5',
      'command.list: {version} is only known in up and down; known here: {python}, {database} (write {{ for a literal {)',
      'command.current: unknown placeholder {revision}; known here: {python}, {database} (write {{ for a literal {)',
      'command.cwd: expected a directory (relative to the configuration file), got an empty string',
      expect.stringMatching(/^command\.env\.DATABASE_URL: set by rehearse to the scratch database's endpoint in the sandbox \(variables it sets: DATABASE_URL, PGHOST, .*\); remove it$/),
      'command.env.PORT: expected a string, got number 5432 (quote it)',
      'command.env.A=B: not a valid variable name',
      'command.python: expected the Python interpreter to run (a name found in PATH, or a path), got a list',
      'command.base: expected the version {previous} stands for before the first one (e.g. 0), got number 0',
    ]);
    // `{previous` without its brace is text: the template is valid.
    expect(commandSourceProblems('alembic')).toEqual(['command: expected a mapping with at least `preset` or `up` and `list`, got string "alembic"']);
    expect(resolveCommandSource({ preset: 'alembic', up: "alembic upgrade {version} && echo 'done'" }, '/', 'targets[0].command').problems).toEqual([
      'targets[0].command.up: `&&` would be passed to the program as an argument: commands run without a shell (quote it to mean it literally, or run `sh -c \'…\'` yourself)',
    ]);
  });
});
