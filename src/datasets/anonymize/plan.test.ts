import { describe, expect, it } from 'vitest';
import { parseYamlConfig } from '../../config/yaml.ts';
import { InputError } from '../../errors.ts';
import type { DatasetForeignKey } from '../dir/manifest.ts';
import { planAnonymization, type AnonymizationPlan, type ColumnInfo, type TableInfo } from './plan.ts';
import { parseRules, type AnonymizationRules } from './rules.ts';

const KEY = Buffer.from('plan test key');

/** Rules from YAML text, as loadRules reads them (with lines), shown as rules.yaml. */
function yamlRules(text: string): AnonymizationRules {
  const yaml = parseYamlConfig(text);
  if (!yaml.ok) throw new Error(yaml.syntaxErrors[0]!.message);
  return parseRules(yaml.data, 'rules.yaml', yaml.locate);
}

function col(name: string, type: string, options: Partial<ColumnInfo> = {}): ColumnInfo {
  return { name, type, nullable: true, ...options };
}

const NOT_NULL = { nullable: false };

const TABLES: TableInfo[] = [
  {
    name: 'users',
    columns: [
      col('id', 'integer', NOT_NULL),
      col('email', 'character varying(120)', { ...NOT_NULL, maxLength: 120 }),
      col('full_name', 'text'),
      col('phone', 'text'),
      col('password_hash', 'text', NOT_NULL),
      col('last_ip', 'inet'),
      col('birthday', 'date'),
      col('api_token', 'varchar(64)'),
      col('nickname', 'text'),
      col('created_at', 'timestamp with time zone', NOT_NULL),
    ],
    primaryKey: ['id'],
    uniqueKeys: [['email'], ['api_token']],
  },
  {
    name: 'orders',
    columns: [col('id', 'bigint', NOT_NULL), col('user_id', 'bigint', NOT_NULL), col('total', 'numeric(10,2)'), col('status', 'text')],
    primaryKey: ['id'],
    uniqueKeys: [],
  },
  {
    name: 'memberships',
    columns: [col('org_id', 'integer', NOT_NULL), col('user_id', 'integer', NOT_NULL), col('role', 'text')],
    primaryKey: ['org_id', 'user_id'],
    uniqueKeys: [],
  },
  {
    name: 'member_events',
    columns: [col('id', 'bigint', NOT_NULL), col('org_id', 'integer', NOT_NULL), col('user_id', 'integer', NOT_NULL), col('kind', 'text')],
    primaryKey: ['id'],
    uniqueKeys: [],
  },
  { name: 'projects', columns: [col('id', 'integer', NOT_NULL), col('name', 'text', NOT_NULL)], primaryKey: ['id'], uniqueKeys: [] },
];

const FKS: DatasetForeignKey[] = [
  { table: 'orders', columns: ['user_id'], references: 'users', referencedColumns: ['id'] },
  { table: 'memberships', columns: ['user_id'], references: 'users', referencedColumns: ['id'] },
  // Two columns: applied column-wise, so only user_id follows users.id's rule.
  { table: 'member_events', columns: ['org_id', 'user_id'], references: 'memberships', referencedColumns: ['org_id', 'user_id'] },
];

const RULES = `tables:
  users:
    id: hash
    email: fake:email
    full_name: fake:name
    phone: mask
    password_hash: constant:x
    last_ip: fake:ip
    birthday: fake:date_shift:30
    api_token: hash
    nickname: null
keep:
  - projects.name
`;

function plan(rulesText = RULES, options: { key?: Buffer; tables?: TableInfo[]; fks?: DatasetForeignKey[]; allow?: boolean } = {}): AnonymizationPlan {
  return planAnonymization(yamlRules(rulesText), options.tables ?? TABLES, options.fks ?? FKS, options.key ?? KEY, { allowUnruledPersonal: options.allow ?? false });
}

/** The InputError planning throws, its lines. */
function planErrors(rulesText: string, options: Parameters<typeof plan>[1] = {}): string[] {
  let error: unknown;
  try {
    plan(rulesText, options);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).code).toBe('CONFIG_INVALID');
  return (error as Error).message.split('\n');
}

const USER = ['7', 'Jane.Roe@corp.example', 'Jane Roe', '+49 170 1234567', '$2b$12$abc', '203.0.113.7', '1985-03-12', 'tok_live_abcdef', 'JJ', '2024-01-31 10:20:30+00'];

describe('planAnonymization: transformers', () => {
  it('transforms each row in column order, leaving unruled columns as they are', () => {
    const out = plan().transformer('users')!(USER);
    expect(out[0]).toMatch(/^\d+$/);
    expect(out[0]).not.toBe('7');
    expect(out[1]).toMatch(/^[a-z]+\.[a-z]+\.[0-9a-f]{16}@example\.(com|net|org)$/);
    expect(out[2]).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    expect(out[3]).toBe('*************67');
    expect(out[4]).toBe('x');
    expect(out[5]).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(out[6]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(out[7]).toMatch(/^[0-9a-f]{64}$/);
    expect(out[8]).toBeNull();
    expect(out[9]).toBe(USER[9]);
  });

  it('carries a rule on a key to every column referencing it, transitively and column-wise: joins hold', () => {
    const p = plan();
    const userId = p.transformer('users')!(USER)[0];
    expect(p.transformer('orders')!(['1', '7', '10.00', 'paid'])).toEqual(['1', userId, '10.00', 'paid']);
    expect(p.transformer('memberships')!(['3', '7', 'admin'])).toEqual(['3', userId, 'admin']);
    expect(p.transformer('member_events')!(['9', '3', '7', 'joined'])).toEqual(['9', '3', userId, 'joined']);
  });

  it('gives the same outputs in every plan with the same key, and others with another key', () => {
    const a = plan().transformer('users')!(USER);
    expect(plan().transformer('users')!(USER)).toEqual(a);
    const b = plan(RULES, { key: Buffer.from('another key') }).transformer('users')!(USER);
    const differing = a.filter((v, i) => v !== b[i]);
    // id, email, name, ip, date, token: keyed; mask, constant, null, the unruled timestamp: not.
    expect(differing.length).toBeGreaterThanOrEqual(5);
  });

  it('has no transformer for a table nothing changes in, and refuses rows of the wrong width or unknown tables', () => {
    const p = plan();
    expect(p.transformer('projects')).toBeUndefined();
    expect(() => p.transformer('users')!(['1'])).toThrow('users: a row of 1 values for 10 columns');
    expect(() => p.transformer('nope')).toThrow('table nope was not planned');
  });

  it('shapes a key rule for every column it follows: the shortest varchar, the narrowest integer', () => {
    const tables: TableInfo[] = [
      { name: 'accounts', columns: [col('code', 'varchar(64)', NOT_NULL), col('n', 'bigint')], primaryKey: ['code'], uniqueKeys: [] },
      { name: 'links', columns: [col('code', 'varchar(20)'), col('n', 'integer')], primaryKey: [], uniqueKeys: [] },
    ];
    const fks = [
      { table: 'links', columns: ['code'], references: 'accounts', referencedColumns: ['code'] },
      { table: 'links', columns: ['n'], references: 'accounts', referencedColumns: ['n'] },
    ];
    const p = plan('tables:\n  accounts:\n    code: hash\n    n: hash\n', { tables, fks });
    const a = p.transformer('accounts')!(['ACC-1', '5000000000']);
    const l = p.transformer('links')!(['ACC-1', '5000000000']);
    expect(a).toEqual(l);
    expect(a[0]).toMatch(/^[0-9a-f]{20}$/);
    // Values that fit the integer column stay within it; larger ones (only the bigint side can
    // hold them) map among the larger values.
    expect(Number(p.transformer('accounts')!(['x', '12345'])[1])).toBeLessThan(2 ** 31);
    expect(Number(a[1])).toBeGreaterThanOrEqual(2 ** 31);
  });

  it('lets a nullable reference be nulled while its key is hashed (the foreign key still holds)', () => {
    const tables: TableInfo[] = [
      { name: 'users', columns: [col('id', 'integer', NOT_NULL)], primaryKey: ['id'], uniqueKeys: [] },
      { name: 'notes', columns: [col('author_id', 'integer')], primaryKey: [], uniqueKeys: [] },
    ];
    const fks = [{ table: 'notes', columns: ['author_id'], references: 'users', referencedColumns: ['id'] }];
    const p = plan('tables:\n  users:\n    id: hash\n  notes:\n    author_id: null\n', { tables, fks });
    expect(p.transformer('notes')!(['7'])).toEqual([null]);
  });
});

describe('planAnonymization: summary and personal columns', () => {
  it('writes the key fingerprint (never the key), every rule, and the personal columns kept', () => {
    const summary = plan().summary();
    expect(summary.keyFingerprint).toMatch(/^hmac-sha256:[0-9a-f]{16}$/);
    expect(JSON.stringify(summary)).not.toContain(KEY.toString());
    expect(JSON.stringify(summary)).not.toContain(KEY.toString('hex'));
    expect(summary.rules).toEqual({
      'users.id': 'hash',
      'users.email': 'fake:email',
      'users.full_name': 'fake:name',
      'users.phone': 'mask:2',
      'users.password_hash': 'constant:x',
      'users.last_ip': 'fake:ip',
      'users.birthday': 'fake:date_shift:30',
      'users.api_token': 'hash',
      'users.nickname': 'null',
      'orders.user_id': 'hash (follows users.id)',
      'memberships.user_id': 'hash (follows users.id)',
      'member_events.user_id': 'hash (follows users.id)',
      'projects.name': 'keep',
    });
    expect(summary.keptPersonal).toEqual(['projects.name']);
  });

  it('lists every column a rule changes for the leak check, followers included, kept ones not', () => {
    expect(plan().personalColumns().map((c) => `${c.table}.${c.column}`)).toEqual([
      'users.id',
      'users.email',
      'users.full_name',
      'users.phone',
      'users.password_hash',
      'users.last_ip',
      'users.birthday',
      'users.api_token',
      'users.nickname',
      'orders.user_id',
      'memberships.user_id',
      'member_events.user_id',
    ]);
  });

  it('knows what the rules themselves may output: constants, the words of fake values, postcode shapes', () => {
    const p = plan(`${RULES.replace('keep:', '  orders:\n    status: fake:postcode\nkeep:')}`);
    expect(p.producedByRules('x')).toBe(true);
    expect(p.producedByRules(' X ')).toBe(true);
    expect(p.producedByRules('Jane Smith')).toBe(true);
    expect(p.producedByRules('SW1A 1AA')).toBe(true);
    expect(p.producedByRules('Zebulon Quackenbush')).toBe(false);
    expect(p.producedByRules('jane.roe@corp.example')).toBe(false);
    // No fake:city rule here: a city name is not something these rules write.
    expect(p.producedByRules('Riverside')).toBe(false);
  });
});

describe('planAnonymization: personal data without a rule', () => {
  it('fails with every unruled column that looks personal, why, and the fix', () => {
    const lines = planErrors('tables:\n  users:\n    id: hash\n    email: fake:email\n');
    expect(lines).toEqual([
      'rules.yaml: 8 columns look like personal data but have no rule:',
      '  users.full_name: a person\'s name: "name" in its name',
      '  users.phone: a phone number: "phone" in its name',
      '  users.password_hash: a secret: "password" in its name',
      '  users.last_ip: an IP or device address: "ip" in its name',
      '  users.birthday: a birth date: "birthday" in its name',
      '  users.api_token: a secret: "token" in its name',
      '  users.nickname: a person\'s name: "nickname" in its name',
      '  projects.name: a person\'s name: "name" in its name',
      'Add a rule for each under tables: (e.g. `email: fake:email`), or list it under keep: if it may stay as it is (docs/anonymization.md).',
    ]);
  });

  it('says so without any rules file, and takes integer primary and foreign keys for what they are', () => {
    let error: unknown;
    try {
      planAnonymization(undefined, [{ name: 't', columns: [col('ip', 'integer', NOT_NULL), col('phone', 'bigint')], primaryKey: ['ip'], uniqueKeys: [] }], [], KEY);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).toBe(
      [
        '1 column looks like personal data but has no rule (no rules file was given):',
        '  t.phone: a phone number: "phone" in its name',
        'Add a rule for each under tables: (e.g. `email: fake:email`), or list it under keep: if it may stay as it is (docs/anonymization.md).',
      ].join('\n'),
    );
  });

  it('lets them through when allowed, changing nothing', () => {
    const p = planAnonymization(undefined, TABLES, FKS, KEY, { allowUnruledPersonal: true });
    expect(p.transformer('users')).toBeUndefined();
    expect(p.personalColumns()).toEqual([]);
    expect(p.summary()).toMatchObject({ rules: {}, keptPersonal: [] });
  });

  it('accepts keep, as a rule or in the keep list, and records the column as kept personal', () => {
    const p = plan(`${RULES.replace('    nickname: null\n', '    nickname: keep\n')}`);
    expect(p.summary().keptPersonal).toEqual(['users.nickname', 'projects.name']);
  });
});

describe('planAnonymization: rules that do not fit the schema', () => {
  it('lists every problem in one error, each at its file:line:column, with a suggestion where one is close', () => {
    const lines = planErrors(`tables:
  userz:
    email: fake:email
  users:
    id: hash
    emial: fake:email
    email: constant:x
    full_name: fake:name
    phone: mask
    password_hash: null
    last_ip: fake:email
    birthday: fake:date_shift
    api_token: mask
    nickname: null
  orders:
    user_id: fake:uuid
  memberships:
    user_id: keep
  public.projects:
    name: keep
keep:
  - users.nickname
  - user.phone
  - projects.nam
`);
    expect(lines).toEqual([
      'rules.yaml:2:3: unknown table userz; did you mean users?',
      'rules.yaml:6:5: unknown column users.emial; did you mean email?',
      'rules.yaml:7:12: users.email is unique: constant:… would give every row the same value; use a rule that keeps values distinct (hash, fake:email, fake:username, fake:uuid, fake:phone, fake:ip or fake:date_shift) or keep',
      expect.stringMatching(/^rules\.yaml:10:20: users\.password_hash is NOT NULL: null cannot apply; use keep, constant:<value>, hash, mask, fake:email, .*fake:uuid$/),
      'rules.yaml:11:14: users.last_ip is an IP address (inet): fake:email cannot write it; rules that fit: keep, null, constant:<value>, fake:ip',
      'rules.yaml:13:16: users.api_token is unique (alone or in a unique key): mask would make values that end alike equal; use a rule that keeps values distinct (hash, fake:email, fake:username, fake:uuid, fake:phone, fake:ip or fake:date_shift) or keep',
      'rules.yaml:16:14: orders.user_id has the rule fake:uuid, but it references users.id, whose rule hash applies to every column referencing it so joins hold; remove that rule',
      'rules.yaml:16:14: orders.user_id is an integer (bigint): fake:uuid cannot write it; rules that fit: keep, null, constant:<value>, hash, fake:phone, fake:ip',
      'rules.yaml:18:14: memberships.user_id is kept, but it references users.id, whose rule hash applies to every column referencing it so joins hold; drop that keep',
      'rules.yaml:19:3: unknown table public.projects; did you mean projects?',
      'rules.yaml:22:5: keep: users.nickname also has the rule null under tables:; keep one of them',
      'rules.yaml:23:5: keep: user.phone: unknown table user; did you mean users?',
      'rules.yaml:24:5: keep: projects.nam: unknown column projects.nam; did you mean name?',
    ]);
  });

  it('says through which key a rule reaches a column it conflicts with', () => {
    const lines = planErrors('tables:\n  users:\n    id: hash\n  member_events:\n    user_id: keep\n', { allow: true });
    expect(lines).toEqual([
      'rules.yaml:5:14: member_events.user_id is kept, but it references memberships.user_id (which follows users.id), whose rule hash applies to every column referencing it so joins hold; drop that keep',
    ]);
  });

  it('refuses a rule on a referencing column whose key keeps its values', () => {
    expect(planErrors('tables:\n  orders:\n    user_id: hash\n', { allow: true })).toEqual([
      'rules.yaml:3:14: orders.user_id references users.id, which keeps its values: hash here alone would break the foreign key; put the rule on users.id (it follows to every column referencing it)',
    ]);
  });

  it('checks the columns a rule follows to, and says where it comes from', () => {
    const tables: TableInfo[] = [
      { name: 'accounts', columns: [col('code', 'varchar(64)', NOT_NULL), col('ext', 'text')], primaryKey: ['code'], uniqueKeys: [['ext']] },
      { name: 'links', columns: [col('code', 'varchar(12)'), col('ext', 'text', NOT_NULL)], primaryKey: [], uniqueKeys: [['code']] },
    ];
    const fks = [
      { table: 'links', columns: ['code'], references: 'accounts', referencedColumns: ['code'] },
      { table: 'links', columns: ['ext'], references: 'accounts', referencedColumns: ['ext'] },
    ];
    expect(planErrors('tables:\n  accounts:\n    code: hash\n    ext: null\n', { tables, fks, allow: true })).toEqual([
      'rules.yaml:3:11: accounts.code is unique (alone or in a unique key) and holds 12 characters: hash would keep 48 bits, fewer than the 64 needed to stay unique in practice; widen the column to 16 or keep it',
      'rules.yaml:3:11: links.code is unique (alone or in a unique key) and holds 12 characters: hash would keep 48 bits, fewer than the 64 needed to stay unique in practice; widen the column to 16 or keep it (links.code follows the rule of accounts.code through its foreign key)',
      expect.stringMatching(/^rules\.yaml:4:10: links\.ext is NOT NULL: null cannot apply; .* \(links\.ext follows the rule of accounts\.ext through its foreign key\)$/),
    ]);
  });

  it('refuses a column that references keys with different rules', () => {
    const tables: TableInfo[] = [
      { name: 'a', columns: [col('id', 'uuid', NOT_NULL)], primaryKey: ['id'], uniqueKeys: [] },
      { name: 'b', columns: [col('id', 'uuid', NOT_NULL)], primaryKey: ['id'], uniqueKeys: [] },
      { name: 'c', columns: [col('ref', 'uuid')], primaryKey: [], uniqueKeys: [] },
    ];
    const fks = [
      { table: 'c', columns: ['ref'], references: 'a', referencedColumns: ['id'] },
      { table: 'c', columns: ['ref'], references: 'b', referencedColumns: ['id'] },
    ];
    expect(planErrors('tables:\n  a:\n    id: hash\n  b:\n    id: fake:uuid\n', { tables, fks })).toEqual([
      'rules.yaml:5:9: c.ref references keys with different rules: fake:uuid from b.id and hash from a.id; give those keys the same rule',
    ]);
  });

  it('names the file without a line for rules from a TS module', () => {
    const rules = parseRules({ tables: { users: { emial: 'fake:email' } } }, 'rules.ts');
    expect(() => planAnonymization(rules, TABLES, FKS, KEY, { allowUnruledPersonal: true })).toThrow(/^rules\.ts: unknown column users\.emial; did you mean email\?$/);
  });
});

describe('planAnonymization: speed', () => {
  it('transforms a users table of 100k rows (logged, not asserted)', () => {
    const transform = plan().transformer('users')!;
    const rows = Array.from({ length: 100_000 }, (_, i) => [
      String(i + 1),
      `person${i}@corp.example`,
      `Given${i} Family`,
      `+49 170 ${String(i).padStart(7, '0')}`,
      '$2b$12$abcdefghijklmnopqrstuv',
      `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`,
      `tok_${i}_${(i * 2654435761) % 1e9}`,
      i % 2 ? null : `nick${i}`,
      '2024-01-31 10:20:30+00',
    ]);
    const t0 = performance.now();
    const emails = new Set<string>();
    for (const row of rows) emails.add(transform(row)[1]!);
    const ms = performance.now() - t0;
    expect(emails.size).toBe(rows.length);
    const values = rows.length * 9;
    console.log(`plan: 100k users rows (9 of 10 columns anonymized) in ${ms.toFixed(0)} ms: ${Math.round(rows.length / (ms / 1000)).toLocaleString('en-US')} rows/s, ${Math.round(values / (ms / 1000)).toLocaleString('en-US')} values/s`);
  });
});
