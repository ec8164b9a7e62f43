import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../errors.ts';
import { defineRules, loadRules, parseRuleText, parseRules, ruleText, type AnonymizationRules } from './rules.ts';

const defineUrl = new URL('./define.ts', import.meta.url).href;
const root = mkdtempSync(join(tmpdir(), 'rehearse-rules-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
function file(name: string, content: string): string {
  const dir = join(root, `r${++dirs}`);
  mkdirSync(dir);
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function loadError(path: string): Promise<Error> {
  const error = await loadRules(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

const FULL_YAML = `# the brief's example
tables:
  users:
    email: fake:email
    full_name: fake:name
    phone: mask            # keeps the last 2 characters
    password_hash: constant:x
    notes: fake:text
    last_ip: fake:ip
    birthday: fake:date_shift
    api_token: hash
    nickname: null
    id: keep
  orders:
    shipped_on: fake:date_shift:30
    card: mask:4
    label: "constant:a: b"
keep:
  - projects.name
  - billing.invoices.payer
`;

describe('loadRules: YAML', () => {
  it('reads every rule kind, in file order, and the keep list (schema-qualified tables split at the last dot)', async () => {
    const rules = await loadRules(file('rules.yaml', FULL_YAML));
    expect(rules.columns.map((c) => `${c.table}.${c.column}=${ruleText(c.rule)}`)).toEqual([
      'users.email=fake:email',
      'users.full_name=fake:name',
      'users.phone=mask:2',
      'users.password_hash=constant:x',
      'users.notes=fake:text',
      'users.last_ip=fake:ip',
      'users.birthday=fake:date_shift:365',
      'users.api_token=hash',
      'users.nickname=null',
      'users.id=keep',
      'orders.shipped_on=fake:date_shift:30',
      'orders.card=mask:4',
      'orders.label=constant:a: b',
    ]);
    expect(rules.keep).toEqual([
      { table: 'projects', column: 'name', index: 0 },
      { table: 'billing.invoices', column: 'payer', index: 1 },
    ]);
    expect(rules.locate?.(['tables', 'users', 'phone'], false)).toEqual({ line: 6, column: 12 });
  });

  it('points every bad rule at its file:line:column with the value at fault and what was expected', async () => {
    const path = file(
      'rules.yaml',
      `tables:
  users:
    email: fake:emial
    phone: fake:telephone
    nick: nulll
    card: mask:x
    born: fake:date_shift:0
    hint: 5
    zip: date_shift:30
    salt: constant
  "": { a: keep }
keep:
  - users
kep: []
`,
    );
    const error = await loadError(path);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('CONFIG_INVALID');
    const lines = error.message.split('\n');
    const display = lines[0]!.split(':')[0]!;
    expect(display).toMatch(/rules\.yaml$/);
    expect(lines.map((l) => l.slice(display.length))).toEqual([
      ':3:12: users.email: unknown rule "fake:emial"; did you mean fake:email?',
      expect.stringMatching(/^:4:12: users\.phone: unknown rule "fake:telephone"; expected one of fake:email, fake:name, .*fake:uuid$/),
      ':5:11: users.nick: unknown rule "nulll"; did you mean null?',
      ':6:11: users.card: mask takes how many characters stay at the end, like mask:4, got "mask:x"',
      ':7:11: users.born: fake:date_shift takes the most days a date moves, 1 to 3650, like fake:date_shift:30, got "fake:date_shift:0"',
      ':8:11: users.hint: expected a rule like "keep", "hash" or "fake:email", got 5',
      ':9:10: users.zip: unknown rule "date_shift:30"; did you mean fake:date_shift:30?',
      ':10:11: users.salt: constant needs a value: constant:<value> (constant: with nothing after it is the empty string), got "constant"',
      ':11:3: "": expected a non-empty key',
      ':13:5: keep[0]: expected table.column, got "users"',
      ':14:1: kep: unknown key; did you mean keep?',
    ]);
    // The first problem's location is also on the error, for tools.
    expect((error as InputError).location).toMatchObject({ line: 3, column: 12 });
  });

  it('reports a YAML syntax error at its line', async () => {
    const error = await loadError(file('rules.yml', 'tables:\n  users:\n    email: [fake:email\n'));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/rules\.yml:\d+:\d+: YAML syntax error/);
  });

  it('takes an empty file as no rules', async () => {
    const rules = await loadRules(file('rules.yaml', '# nothing yet\n'));
    expect(rules).toMatchObject({ columns: [], keep: [] });
  });

  it('says when the file is missing or of a type it cannot read', async () => {
    const missing = await loadError(join(root, 'nope.yaml'));
    expect(missing).toBeInstanceOf(UsageError);
    expect(missing.message).toMatch(/rules file .*nope\.yaml not found/);
    const json = await loadError(file('rules.json', '{}'));
    expect(json).toBeInstanceOf(UsageError);
    expect(json.message).toMatch(/unsupported file type; expected one of \.yaml, \.yml, \.ts, \.mts/);
  });
});

describe('loadRules: TypeScript', () => {
  it('loads the default export of defineRules, object forms included', async () => {
    const path = file(
      'rules.ts',
      `import { defineRules } from ${JSON.stringify(defineUrl)};
export default defineRules({
  tables: {
    users: { email: 'fake:email', phone: { mask: 4 }, token: { constant: 'x' }, born: { fake: 'date_shift:30' }, ip: { fake: 'ip' }, nick: null, n: { constant: 0 } },
  },
  keep: ['projects.name'],
});
`,
    );
    const rules = await loadRules(path);
    expect(rules.columns.map((c) => `${c.column}=${ruleText(c.rule)}`)).toEqual([
      'email=fake:email',
      'phone=mask:4',
      'token=constant:x',
      'born=fake:date_shift:30',
      'ip=fake:ip',
      'nick=null',
      'n=constant:0',
    ]);
    expect(rules.keep).toEqual([{ table: 'projects', column: 'name', index: 0 }]);
    expect(rules.locate).toBeUndefined();
  });

  it('names the file (a module has no lines to point at) and the path of each problem', async () => {
    const path = file('rules.ts', `export default { tables: { users: { email: 'fake:mail', phone: { mask: 'all' }, x: { fake: 'email', y: 1 } } } };\n`);
    const error = await loadError(path);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/rules\.ts: users\.email: unknown rule "fake:mail"; did you mean fake:email\?/);
    expect(error.message).toMatch(/rules\.ts: users\.phone: mask takes how many characters stay at the end, like mask:4, got "mask:all"/);
    expect(error.message).toMatch(/rules\.ts: users\.x: expected a rule string like "fake:email" or one of \{ constant: <value> \}, \{ mask: <n> \} or \{ fake: <kind> \}, got an object with keys fake, y/);
  });

  it('says what is wrong with a module that does not load or exports nothing', async () => {
    const noDefault = await loadError(file('rules.ts', 'export const rules = {};\n'));
    expect(noDefault.message).toMatch(/rules\.ts: no default export; expected `export default defineRules\(\{ … \}\)`/);
    const broken = await loadError(file('rules.ts', 'export default {{;\n'));
    expect(broken.message).toMatch(/rules\.ts: could not load the rules:/);
  });
});

describe('parseRuleText', () => {
  it('parses every form and writes it back canonically', () => {
    const cases: [string, string][] = [
      ['keep', 'keep'],
      ['null', 'null'],
      ['hash', 'hash'],
      ['mask', 'mask:2'],
      ['mask:0', 'mask:0'],
      ['constant:', 'constant:'],
      ['constant:a:b', 'constant:a:b'],
      ['fake:uuid', 'fake:uuid'],
      ['fake:date_shift', 'fake:date_shift:365'],
      ['fake:date_shift:3650', 'fake:date_shift:3650'],
    ];
    for (const [input, canonical] of cases) {
      const parsed = parseRuleText(input);
      expect('rule' in parsed && ruleText(parsed.rule), input).toBe(canonical);
    }
  });

  it('refuses arguments where none belong and days out of range', () => {
    for (const bad of ['keep:1', 'hash:hex', 'fake:email:x', 'fake:date_shift:3651', 'fake:date_shift:-1', 'fake', 'KEEP', 'Fake:email']) {
      expect('problem' in parseRuleText(bad), bad).toBe(true);
    }
    expect(parseRuleText('KEEP')).toEqual({ problem: 'unknown rule "KEEP"; did you mean keep?' });
  });
});

describe('parseRules', () => {
  it('gives rules built in code the same checks, naming the given file', () => {
    const rules: AnonymizationRules = parseRules({ tables: { t: { c: 'hash' } } }, 'inline');
    expect(rules.columns).toEqual([{ table: 't', column: 'c', rule: { kind: 'hash' } }]);
    expect(() => parseRules({ tables: { t: { c: 'hsah' } } }, 'inline')).toThrow('inline: t.c: unknown rule "hsah"; did you mean hash?');
    expect(() => parseRules({ tables: [] }, 'inline')).toThrow('inline: tables: expected an object, got a list');
    expect(() => parseRules({ tables: { users: null } }, 'inline')).toThrow('inline: users: expected an object, got an empty value');
  });
});

describe('defineRules', () => {
  it('types the documented example (docs/anonymization.md) and rejects unknown kinds at compile time', () => {
    const rules = defineRules({
      tables: {
        users: {
          id: 'hash',
          email: 'fake:email',
          full_name: 'fake:name',
          phone: { mask: 2 },
          password_hash: { constant: 'x' },
          notes: 'fake:text',
          last_ip: 'fake:ip',
          birthday: 'fake:date_shift:365',
          api_token: 'hash',
          nickname: null,
          created_at: 'keep',
        },
        'billing.invoices': { payer_name: 'fake:name' },
      },
      keep: ['projects.name', 'teams.name'],
    });
    expect(parseRules(rules, 'rules.ts').columns).toHaveLength(12);
    // @ts-expect-error: not a fake kind
    const wrong = defineRules({ tables: { users: { phone: 'fake:telephone' } } });
    expect(() => parseRules(wrong, 'rules.ts')).toThrow(/unknown rule "fake:telephone"/);
  });
});
