import { beforeAll, describe, expect, it } from 'vitest';
import { inferLocks, strongerLock } from './postgres-locks.ts';
import { loadPostgresParser, parsePostgres } from './postgres-parser.ts';

beforeAll(() => loadPostgresParser());

/** The locks of a single statement, as `relation mode` lines for readable assertions. */
function locksOf(sql: string): string[] {
  const [statement, ...rest] = parsePostgres(sql);
  if (!statement || rest.length > 0) throw new Error(`expected one statement: ${sql}`);
  return inferLocks(statement.node).map((l) => `${l.relation} ${l.mode}`);
}

describe('inferLocks: indexes', () => {
  it('CREATE INDEX blocks writes; CONCURRENTLY only other schema changes', () => {
    expect(locksOf('CREATE INDEX i ON s.t (a)')).toEqual(['s.t ShareLock']);
    expect(locksOf('CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)')).toEqual(['t ShareUpdateExclusiveLock']);
  });

  it('DROP INDEX names the index, whose table only the catalog knows', () => {
    expect(locksOf('DROP INDEX s.i, j')).toEqual(['s.i AccessExclusiveLock', 'j AccessExclusiveLock']);
    expect(locksOf('DROP INDEX CONCURRENTLY i')).toEqual(['i ShareUpdateExclusiveLock']);
  });

  it('REINDEX: Share on a table, AccessExclusive on an index, ShareUpdateExclusive when concurrent', () => {
    expect(locksOf('REINDEX TABLE t')).toEqual(['t ShareLock']);
    expect(locksOf('REINDEX INDEX i')).toEqual(['i AccessExclusiveLock']);
    expect(locksOf('REINDEX TABLE CONCURRENTLY t')).toEqual(['t ShareUpdateExclusiveLock']);
    expect(locksOf('REINDEX (CONCURRENTLY) INDEX i')).toEqual(['i ShareUpdateExclusiveLock']);
    expect(locksOf('REINDEX SCHEMA s')).toEqual([]);
  });
});

describe('inferLocks: ALTER TABLE', () => {
  it.each([
    ['ALTER TABLE t ADD COLUMN c int', 'AccessExclusiveLock'],
    ['ALTER TABLE t DROP COLUMN c', 'AccessExclusiveLock'],
    ['ALTER TABLE t ALTER COLUMN c TYPE bigint', 'AccessExclusiveLock'],
    ['ALTER TABLE t ALTER COLUMN c SET DEFAULT 0', 'AccessExclusiveLock'],
    ['ALTER TABLE t ALTER COLUMN c SET NOT NULL', 'AccessExclusiveLock'],
    ['ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID', 'AccessExclusiveLock'],
    ['ALTER TABLE t ADD PRIMARY KEY (id)', 'AccessExclusiveLock'],
    ['ALTER TABLE t VALIDATE CONSTRAINT c', 'ShareUpdateExclusiveLock'],
    ['ALTER TABLE t ALTER COLUMN c SET STATISTICS 500', 'ShareUpdateExclusiveLock'],
    ['ALTER TABLE t CLUSTER ON i', 'ShareUpdateExclusiveLock'],
    ['ALTER TABLE t SET WITHOUT CLUSTER', 'ShareUpdateExclusiveLock'],
    ['ALTER TABLE t SET (fillfactor = 70, autovacuum_enabled = off, toast.autovacuum_enabled = off)', 'ShareUpdateExclusiveLock'],
    ['ALTER TABLE t SET (fillfactor = 70, user_catalog_table = true)', 'AccessExclusiveLock'],
    ['ALTER TABLE t ENABLE TRIGGER tr', 'ShareRowExclusiveLock'],
    ['ALTER TABLE t DISABLE TRIGGER ALL', 'ShareRowExclusiveLock'],
    ['ALTER TABLE t SET TABLESPACE fast', 'AccessExclusiveLock'],
  ])('%s takes %s', (sql, mode) => {
    expect(locksOf(sql)).toEqual([`t ${mode}`]);
  });

  it('takes the strongest lock among its subcommands', () => {
    expect(locksOf('ALTER TABLE t VALIDATE CONSTRAINT c, ENABLE TRIGGER tr')).toEqual(['t ShareRowExclusiveLock']);
    expect(locksOf('ALTER TABLE t VALIDATE CONSTRAINT c, ADD COLUMN d int')).toEqual(['t AccessExclusiveLock']);
  });

  it('a foreign key locks the referenced table as well, NOT VALID or not', () => {
    const expected = ['t ShareRowExclusiveLock', 'public.users ShareRowExclusiveLock'];
    expect(locksOf('ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (uid) REFERENCES public.users (id)')).toEqual(expected);
    expect(locksOf('ALTER TABLE t ADD FOREIGN KEY (uid) REFERENCES public.users NOT VALID')).toEqual(expected);
    expect(locksOf('ALTER TABLE t ADD COLUMN uid int REFERENCES users')).toEqual([
      't AccessExclusiveLock',
      'users ShareRowExclusiveLock',
    ]);
  });

  it('partitions: ATTACH is light on the parent, DETACH heavy unless CONCURRENTLY', () => {
    expect(locksOf('ALTER TABLE p ATTACH PARTITION p1 FOR VALUES IN (1)')).toEqual([
      'p ShareUpdateExclusiveLock',
      'p1 AccessExclusiveLock',
    ]);
    expect(locksOf('ALTER TABLE p DETACH PARTITION p1')).toEqual(['p AccessExclusiveLock', 'p1 AccessExclusiveLock']);
    expect(locksOf('ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY')).toEqual([
      'p ShareUpdateExclusiveLock',
      'p1 ShareUpdateExclusiveLock',
    ]);
  });

  it('RENAME and SET SCHEMA take AccessExclusiveLock; ALTER INDEX RENAME only ShareUpdateExclusiveLock', () => {
    expect(locksOf('ALTER TABLE t RENAME TO u')).toEqual(['t AccessExclusiveLock']);
    expect(locksOf('ALTER TABLE t RENAME COLUMN a TO b')).toEqual(['t AccessExclusiveLock']);
    expect(locksOf('ALTER TABLE t SET SCHEMA archive')).toEqual(['t AccessExclusiveLock']);
    expect(locksOf('ALTER INDEX i RENAME TO j')).toEqual(['i ShareUpdateExclusiveLock']);
  });
});

describe('inferLocks: other DDL', () => {
  it('CREATE TABLE locks only the tables it references', () => {
    expect(locksOf('CREATE TABLE tags (id int, patch int REFERENCES patches, FOREIGN KEY (id) REFERENCES s.ids)')).toEqual([
      'patches ShareRowExclusiveLock',
      's.ids ShareRowExclusiveLock',
    ]);
    expect(locksOf('CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1)')).toEqual(['p AccessExclusiveLock']);
    expect(locksOf('CREATE TABLE c () INHERITS (p)')).toEqual(['p ShareUpdateExclusiveLock']);
  });

  it.each([
    ['DROP TABLE a, s.b', ['a AccessExclusiveLock', 's.b AccessExclusiveLock']],
    ['TRUNCATE a, b', ['a AccessExclusiveLock', 'b AccessExclusiveLock']],
    ['CLUSTER t USING i', ['t AccessExclusiveLock']],
    ['VACUUM FULL t', ['t AccessExclusiveLock']],
    ['VACUUM (ANALYZE) t', ['t ShareUpdateExclusiveLock']],
    ['ANALYZE t', ['t ShareUpdateExclusiveLock']],
    ['CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()', ['t ShareRowExclusiveLock']],
    ['DROP TRIGGER tr ON s.t', ['s.t AccessExclusiveLock']],
    ["COMMENT ON TABLE t IS 'x'", ['t ShareUpdateExclusiveLock']],
    ["COMMENT ON COLUMN s.t.c IS 'x'", ['s.t ShareUpdateExclusiveLock']],
    ['REFRESH MATERIALIZED VIEW CONCURRENTLY mv', ['mv ExclusiveLock']],
    ['CREATE STATISTICS st ON a, b FROM t', ['t ShareUpdateExclusiveLock']],
    ['CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT count(*) FROM t $$', []],
  ])('%s', (sql, expected) => {
    expect(locksOf(sql)).toEqual(expected);
  });

  it('LOCK TABLE takes the mode it names, AccessExclusiveLock by default', () => {
    expect(locksOf('LOCK TABLE a, b IN SHARE ROW EXCLUSIVE MODE')).toEqual([
      'a ShareRowExclusiveLock',
      'b ShareRowExclusiveLock',
    ]);
    expect(locksOf('LOCK a')).toEqual(['a AccessExclusiveLock']);
    expect(locksOf('LOCK a IN ACCESS SHARE MODE')).toEqual(['a AccessShareLock']);
  });
});

describe('inferLocks: queries', () => {
  it('a write locks its target RowExclusive and the tables it reads AccessShare', () => {
    expect(locksOf('UPDATE patches p SET hash = md5(p.body) FROM projects pr WHERE pr.id = p.project')).toEqual([
      'patches RowExclusiveLock',
      'projects AccessShareLock',
    ]);
    expect(locksOf('INSERT INTO tags SELECT DISTINCT tag FROM patches WHERE id IN (SELECT id FROM s.keep)')).toEqual([
      'tags RowExclusiveLock',
      'patches AccessShareLock',
      's.keep AccessShareLock',
    ]);
    expect(locksOf('DELETE FROM a USING b WHERE a.id = b.id')).toEqual(['a RowExclusiveLock', 'b AccessShareLock']);
  });

  it('data-modifying CTEs lock their own targets; CTE names are not tables', () => {
    expect(locksOf('WITH moved AS (DELETE FROM old RETURNING *) INSERT INTO new SELECT * FROM moved')).toEqual([
      'new RowExclusiveLock',
      'old RowExclusiveLock',
    ]);
  });

  it('a table read and written keeps the stronger lock', () => {
    expect(locksOf('INSERT INTO t SELECT * FROM t')).toEqual(['t RowExclusiveLock']);
  });

  it('SELECT reads with AccessShareLock; FOR UPDATE takes RowShareLock on the tables it locks', () => {
    expect(locksOf('SELECT * FROM a JOIN b ON a.id = b.id')).toEqual(['a AccessShareLock', 'b AccessShareLock']);
    expect(locksOf('SELECT * FROM a JOIN b ON a.id = b.id FOR UPDATE')).toEqual(['a RowShareLock', 'b RowShareLock']);
    expect(locksOf('SELECT * FROM a x JOIN b ON x.id = b.id FOR SHARE OF x')).toEqual([
      'a RowShareLock',
      'b AccessShareLock',
    ]);
  });

  it('COPY FROM writes, COPY TO reads; SELECT INTO and CREATE TABLE AS lock only their sources', () => {
    expect(locksOf('COPY t FROM STDIN')).toEqual(['t RowExclusiveLock']);
    expect(locksOf('COPY t TO STDOUT')).toEqual(['t AccessShareLock']);
    expect(locksOf('SELECT * INTO snapshot FROM t')).toEqual(['t AccessShareLock']);
    expect(locksOf('CREATE TABLE snapshot AS SELECT * FROM t')).toEqual(['t AccessShareLock']);
  });
});

describe('strongerLock', () => {
  it('orders modes as PostgreSQL numbers them', () => {
    expect(strongerLock('ShareLock', 'ShareUpdateExclusiveLock')).toBe('ShareLock');
    expect(strongerLock('RowExclusiveLock', 'AccessExclusiveLock')).toBe('AccessExclusiveLock');
  });
});
