import { describe, expect, it } from 'vitest';
import { literal, probeTargets, sampleExpression, type ColumnShape, type ProbeSyntax, type TableShape } from './statements.ts';

const col = (name: string, overrides: Partial<ColumnShape> = {}): ColumnShape => ({
  name,
  dataType: 'varchar',
  columnType: 'varchar(100)',
  notNull: false,
  autoIncrement: false,
  generated: false,
  charset: 'utf8mb4',
  ...overrides,
});
const id = (overrides: Partial<ColumnShape> = {}) => col('id', { dataType: 'bigint', columnType: 'bigint(20)', notNull: true, autoIncrement: true, charset: null, ...overrides });

function shape(overrides: Partial<TableShape> = {}): TableShape {
  return {
    table: 'patches',
    qualified: '`patches`',
    transactional: true,
    partitioned: false,
    columns: [id(), col('name', { notNull: true }), col('project_id', { dataType: 'int', columnType: 'int(11)', charset: null })],
    primaryKey: ['id'],
    uniques: [],
    referenced: false,
    hasForeignKeys: false,
    hasSecondaryIndexes: false,
    triggers: [],
    ...overrides,
  };
}

const MARIADB: ProbeSyntax = { flavour: 'mariadb', versionNum: 101119 };
const MYSQL: ProbeSyntax = { flavour: 'mysql', versionNum: 80036 };

const statementsOf = (s: TableShape, samples: string[][] = [['7']], syntax = MARIADB) => {
  const { targets, notes } = probeTargets(s, samples, syntax);
  return { notes, ...Object.fromEntries(targets.map((t) => [t.operation, t.statements])) } as Record<string, string[]> & { notes: string[] };
};

describe('probeTargets', () => {
  it('reads and updates by primary key, inserts a copy under the lowest key of an AUTO_INCREMENT column, without waiting for row locks', () => {
    const s = statementsOf(shape({ referenced: true }), [['7'], ['90210']]);
    expect(s.read).toEqual(['SELECT 1 FROM `patches` WHERE `id` = 7', 'SELECT 1 FROM `patches` WHERE `id` = 90210']);
    expect(s.update?.[0]).toBe('UPDATE `patches` SET `id` = `id` WHERE `id` = 7');
    expect(s.insert?.[0]).toBe(
      'SET STATEMENT innodb_lock_wait_timeout = 0 FOR INSERT INTO `patches` (`id`, `name`, `project_id`) SELECT -9223372036854775808, `name`, `project_id` FROM `patches` WHERE `id` = 7',
    );
    expect(s['fk-share']).toEqual(['SELECT 1 FROM `patches` WHERE `id` = 90210 LOCK IN SHARE MODE', 'SELECT 1 FROM `patches` WHERE `id` = 7 LOCK IN SHARE MODE']);
    expect(s.notes).toEqual([]);
  });

  it('uses 0 for an unsigned AUTO_INCREMENT key and the top of the range for a key that counts nothing', () => {
    expect(statementsOf(shape({ columns: [id({ columnType: 'int(10) unsigned', dataType: 'int' })] })).insert?.[0]).toContain('SELECT 0 FROM');
    expect(statementsOf(shape({ columns: [id({ dataType: 'int', columnType: 'int(11)', autoIncrement: false })] })).insert?.[0]).toContain('SELECT 2147483647 FROM');
    // A sampled row already at the bottom of the range: no key is sure to be free.
    const taken = statementsOf(shape({ columns: [id({ dataType: 'int', columnType: 'int(10) unsigned' })] }), [['0'], ['5']]);
    expect(taken.insert).toBeUndefined();
    expect(taken.notes[0]).toMatch(/^no insert probe on patches: its key \(id\) is not a single integer or UUID column with room/);
  });

  it('speaks MySQL 8: FOR SHARE, and no insert where it could wait while holding its new row', () => {
    const plain = statementsOf(shape({ referenced: true }), [['7']], MYSQL);
    expect(plain['fk-share']?.[0]).toBe('SELECT 1 FROM `patches` WHERE `id` = 7 FOR SHARE');
    expect(plain.insert?.[0]).toMatch(/^INSERT INTO `patches`/);
    const child = statementsOf(shape({ hasForeignKeys: true }), [['7']], MYSQL);
    expect(child.insert).toBeUndefined();
    expect(child.notes[0]).toMatch(/^no insert probe on patches: on this server \(MySQL, or MariaDB before 10.3\) an insert cannot give up a row-lock wait at once/);
    expect(statementsOf(shape({ hasForeignKeys: true, hasSecondaryIndexes: true })).insert).toBeDefined();
  });

  it('writes string keys as hex in their character set, composite keys column by column', () => {
    const s = statementsOf(
      shape({ primaryKey: ['domain', 'code'], columns: [col('domain', { notNull: true }), col('code', { notNull: true, charset: 'latin1' })] }),
      [['6F27686172612E6965', '7831']],
    );
    expect(s.read?.[0]).toBe("SELECT 1 FROM `patches` WHERE `domain` = _utf8mb4 X'6F27686172612E6965' AND `code` = _latin1 X'7831'");
    expect(s.insert).toBeUndefined();
    expect(s.notes).toEqual(['no insert probe on patches: its key (domain, code) is not a single integer or UUID column with room at the end of its range, so no new key is sure not to collide']);
  });

  it('picks any row without a key, and copies rows as they are when nothing is unique', () => {
    const s = statementsOf(shape({ primaryKey: [] }), []);
    expect(s.read).toEqual(['SELECT 1 FROM `patches` LIMIT 1']);
    expect(s.update).toEqual(['UPDATE `patches` SET `id` = `id` LIMIT 1']);
    expect(s.insert?.[0]).toBe('SET STATEMENT innodb_lock_wait_timeout = 0 FOR INSERT INTO `patches` (`id`, `name`, `project_id`) SELECT `id`, `name`, `project_id` FROM `patches` LIMIT 1');
  });

  it('uses a unique index on NOT NULL columns as the key when there is no primary key (InnoDB clusters by it)', () => {
    const s = statementsOf(shape({ primaryKey: [], uniques: [{ name: 'patches_id', columns: ['id'] }] }), [['3']]);
    expect(s.read).toEqual(['SELECT 1 FROM `patches` WHERE `id` = 3']);
    expect(s.insert?.[0]).toContain('SELECT -9223372036854775808, `name`');
  });

  it('takes the metadata lock only on an empty table', () => {
    expect(statementsOf(shape(), []).read).toEqual(['SELECT 1 FROM `patches` WHERE FALSE']);
  });

  it('writes NULL into a nullable unique column, and skips the insert where a unique value cannot be avoided', () => {
    const nullable = statementsOf(shape({ uniques: [{ name: 'patches_name', columns: ['project_id'] }] }));
    expect(nullable.insert?.[0]).toContain('SELECT -9223372036854775808, `name`, NULL FROM');
    const notNull = statementsOf(shape({ uniques: [{ name: 'patches_name', columns: ['name'] }] }));
    expect(notNull.insert).toBeUndefined();
    expect(notNull.notes).toEqual(['no insert probe on patches: unique index patches_name (name) has no column that can be NULL, so no value is sure not to collide']);
    const expression = statementsOf(shape({ uniques: [{ name: 'patches_lower', columns: [null] }] }));
    expect(expression.notes[0]).toMatch(/unique index patches_lower is on an expression/);
  });

  it('never writes where a rollback cannot undo it: non-transactional engines, triggers', () => {
    const myisam = statementsOf(shape({ transactional: false }));
    expect(myisam.read).toBeDefined();
    expect(myisam.insert).toBeUndefined();
    expect(myisam.update).toBeUndefined();
    expect(myisam.notes).toEqual([
      'no update probe on patches: its storage engine is not transactional, and rehearse does not write where a rollback cannot undo it',
      'no insert probe on patches: its storage engine is not transactional, and rehearse does not write where a rollback cannot undo it',
    ]);
    const triggered = statementsOf(shape({ triggers: ['INSERT'] }));
    expect(triggered.update).toBeDefined();
    expect(triggered.notes).toEqual(['no insert probe on patches: an INSERT trigger would run, and it may write where a rollback cannot undo it']);
    expect(statementsOf(shape({ partitioned: true })).notes[0]).toMatch(/it is partitioned/);
  });

  it('leaves generated columns out of the copy, and a MariaDB UUID key gets a new UUID', () => {
    const s = statementsOf(
      shape({ columns: [col('id', { dataType: 'uuid', columnType: 'uuid', notNull: true, charset: null }), col('name'), col('lower_name', { generated: true })] }),
      [['0f9e8a3c-2c4b-4c0e-9d5e-1a2b3c4d5e6f']],
    );
    expect(s.read?.[0]).toBe("SELECT 1 FROM `patches` WHERE `id` = '0f9e8a3c-2c4b-4c0e-9d5e-1a2b3c4d5e6f'");
    expect(s.insert?.[0]).toContain('(`id`, `name`) SELECT UUID(), `name` FROM');
  });
});

describe('sample values', () => {
  it('reads strings and binary strings as hex, anything else as printed', () => {
    expect(sampleExpression(col('name'))).toBe('HEX(`name`)');
    expect(sampleExpression(col('digest', { dataType: 'varbinary', charset: null }))).toBe('HEX(`digest`)');
    expect(sampleExpression(id())).toBe('CAST(`id` AS CHAR)');
  });

  it('refuses to inline what it cannot write safely', () => {
    expect(literal('12', id())).toBe('12');
    expect(literal('1; DROP TABLE x', id())).toBeUndefined();
    expect(literal('ABCD', col('digest', { dataType: 'binary', charset: null }))).toBe("X'ABCD'");
    expect(literal('', col('name'))).toBe("_utf8mb4''");
    expect(literal('2024-01-02 03:04:05', col('at', { dataType: 'datetime', charset: null }))).toBe("'2024-01-02 03:04:05'");
    expect(literal("it's", col('at', { dataType: 'datetime', charset: null }))).toBeUndefined();
  });
});
