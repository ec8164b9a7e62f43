import { describe, expect, test } from 'vitest';
import { expandTemplate, formatArgv, parseTemplate, placeholdersOf, single, type PlaceholderValue } from './template.ts';

const expand = (source: string, values: Record<string, PlaceholderValue> = {}) => expandTemplate(parseTemplate(source), values);

describe('splitting a template into arguments, without a shell', () => {
  test('blanks separate arguments; quotes and backslashes keep text together', () => {
    expect(expand('alembic  upgrade\thead')).toEqual(['alembic', 'upgrade', 'head']);
    expect(expand(`tool 'a b' "c d" e\\ f --to='g h'x ''`)).toEqual(['tool', 'a b', 'c d', 'e f', '--to=g hx', '']);
    expect(expand(`tool "say \\"hi\\" \\\\ \\n" 'it''s'`)).toEqual(['tool', 'say "hi" \\ \\n', 'its']);
    expect(expand(`ruby -e 'puts "#{m.x} #{{y}"; [1].each { |m| p m }'`)).toEqual(['ruby', '-e', 'puts "#{m.x} #{y}"; [1].each { |m| p m }']);
  });

  test('shell syntax is refused unquoted and passed literally quoted', () => {
    expect(() => parseTemplate('alembic upgrade head && echo done')).toThrow(/`&&` would be passed to the program as an argument: commands run without a shell/);
    expect(() => parseTemplate('tool > out.log')).toThrow(/`>`/);
    expect(() => parseTemplate('tool $HOME/x')).toThrow(/`\$` at character 6: commands run without a shell/);
    expect(() => parseTemplate('~/bin/tool')).toThrow(/`~` at character 1/);
    expect(expand(`tool '&&' "$HOME" '~/x' a~b`)).toEqual(['tool', '&&', '$HOME', '~/x', 'a~b']);
  });

  test('malformed templates say what is wrong', () => {
    expect(() => parseTemplate(`tool 'open`)).toThrow(`unterminated ' quote at character 6`);
    expect(() => parseTemplate(`tool "open`)).toThrow(`unterminated " quote at character 6`);
    expect(() => parseTemplate('tool \\')).toThrow('lone backslash');
    expect(() => parseTemplate('   ')).toThrow('the command is empty');
  });
});

describe('placeholders', () => {
  test('are found anywhere, quoted or not; {{ is a literal brace; other braces are text', () => {
    const template = parseTemplate(`{python} -m alembic upgrade "{version}" --sql={previous} '{{version}' {not a placeholder} {}`);
    expect(placeholdersOf(template)).toEqual(['python', 'version', 'previous']);
    expect(expandTemplate(template, { python: single('/usr/bin/python3'), version: single('abc'), previous: single('base') })).toEqual([
      '/usr/bin/python3',
      '-m',
      'alembic',
      'upgrade',
      'abc',
      '--sql=base',
      '{version}',
      '{not',
      'a',
      'placeholder}',
      '{}',
    ]);
  });

  test('are filled in per argument: a value with blanks, quotes or semicolons stays one argument', () => {
    const evil = single(`1; rm -rf / 'x' "y" {previous}`);
    expect(expand('tool up {version}', { version: evil })).toEqual(['tool', 'up', `1; rm -rf / 'x' "y" {previous}`]);
    expect(expand('tool --to={version}', { version: evil })).toEqual(['tool', `--to=1; rm -rf / 'x' "y" {previous}`]);
  });

  test('alone in an argument, a value with several words gives several arguments, one without words none', () => {
    const django: PlaceholderValue = { words: ['inventory', '0002_price'], text: 'inventory.0002_price' };
    const none: PlaceholderValue = { words: [], text: undefined };
    expect(expand('python3 manage.py migrate {version}', { version: django })).toEqual(['python3', 'manage.py', 'migrate', 'inventory', '0002_price']);
    expect(expand('tool --target={version}', { version: django })).toEqual(['tool', '--target=inventory.0002_price']);
    expect(expand('sqitch revert -y --to={previous}', { previous: none })).toEqual(['sqitch', 'revert', '-y']);
    expect(expand('sqitch revert -y {previous}', { previous: none })).toEqual(['sqitch', 'revert', '-y']);
  });

  test('a placeholder without a value, or nothing left to run, is an error', () => {
    expect(() => expand('tool {version}')).toThrow('unknown placeholder {version}');
    expect(() => expand('{previous} x', { previous: { words: [], text: undefined } })).toThrow('leaves no program to run');
    expect(() => expand('{version} x', { version: { words: ['a', 'b'], text: 'a.b' } })).toThrow('its first word must be one program name');
  });
});

test('formatArgv writes arguments back the way a template would', () => {
  const argv = ['tool', 'a b', "it's", 'plain-1.0', ''];
  expect(formatArgv(argv)).toBe(`tool 'a b' "it's" plain-1.0 ''`);
  expect(expand(formatArgv(argv))).toEqual(argv);
});
