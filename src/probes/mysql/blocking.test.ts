import { describe, expect, it } from 'vitest';
import { DatabaseError } from '../../engines/engine.ts';
import { AttemptLog } from '../stats.ts';
import { ddlBlockers, METADATA_LOCK_WAIT, metadataLockBlockers, namesTable, type Connection, type MetadataLock } from './blocking.ts';
import { failedAttempt } from './probe-session.ts';

const conn = (id: number, overrides: Partial<Connection> = {}): Connection => ({ id, command: 'Sleep', state: '', info: null, timeMs: 0, transaction: undefined, ...overrides });

describe('who blocks a probe waiting for a metadata lock', () => {
  const probe = { id: 10, table: 'events', linked: ['accounts'], traffic: 'reads' as const };

  it('without a lock catalog: the connections running a DDL statement on the table or a table linked to it', () => {
    const connections = [
      conn(1, { command: 'Query', state: 'copy to tmp table', info: 'ALTER TABLE `events` MODIFY payload varchar(100)' }),
      conn(2, { command: 'Query', state: METADATA_LOCK_WAIT, info: 'ALTER TABLE accounts ADD COLUMN tier int' }),
      conn(3, { command: 'Query', state: 'Sending data', info: 'SELECT * FROM events' }),
      conn(4, { command: 'Query', info: 'ALTER TABLE events_archive FORCE' }),
      conn(5, { transaction: 'RUNNING' }),
      conn(11, { command: 'Query', state: METADATA_LOCK_WAIT, info: 'ALTER TABLE events FORCE' }),
    ];
    expect(metadataLockBlockers(probe, connections, undefined, new Set([10, 11]))).toEqual([1, 2]);
  });

  it('with MariaDB\'s metadata_lock_info: granted locks that conflict, plus the inference for requests it does not show', () => {
    const locks: MetadataLock[] = [
      { id: 1, table: 'events', mode: 'MDL_SHARED_NO_WRITE', pending: false },
      { id: 2, table: 'events', mode: 'MDL_EXCLUSIVE', pending: false },
      { id: 3, table: 'events', mode: 'MDL_SHARED_READ', pending: false },
    ];
    const connections = [conn(4, { command: 'Query', state: METADATA_LOCK_WAIT, info: 'RENAME TABLE events TO old_events' })];
    expect(metadataLockBlockers(probe, connections, locks, new Set())).toEqual([2, 4]);
    expect(metadataLockBlockers({ ...probe, traffic: 'writes' }, [], locks, new Set())).toEqual([1, 2]);
  });

  it('with MySQL 8\'s performance_schema: pending requests granted ahead count, the inference is not needed', () => {
    const locks: MetadataLock[] = [
      { id: 1, table: 'events', mode: 'EXCLUSIVE', pending: true },
      { id: 2, table: 'events', mode: 'SHARED_WRITE', pending: true },
      { id: 10, table: 'events', mode: 'SHARED_READ', pending: true },
    ];
    const connections = [conn(4, { command: 'Query', info: 'ALTER TABLE events FORCE' })];
    expect(metadataLockBlockers(probe, connections, locks, new Set())).toEqual([1]);
  });

  it('names tables as identifiers, quoted or not', () => {
    expect(namesTable('ALTER TABLE `my``t` ADD x int', 'my`t')).toBe(true);
    expect(namesTable('ALTER TABLE events_2 ADD x int', 'events')).toBe(false);
    expect(namesTable('alter table db.EVENTS add x int', 'events')).toBe(true);
  });
});

describe('who blocks a DDL waiting for its metadata lock', () => {
  const ddl = conn(1, { command: 'Query', state: METADATA_LOCK_WAIT, info: 'ALTER TABLE events ADD COLUMN region int', timeMs: 1500 });

  it('without a lock catalog: the open transactions that are not queued themselves', () => {
    const connections = [ddl, conn(2, { transaction: 'RUNNING' }), conn(3, { state: METADATA_LOCK_WAIT, transaction: 'RUNNING' }), conn(4)];
    expect(ddlBlockers(ddl, connections, undefined)).toEqual([2]);
  });

  it('with a lock catalog: the holders of locks on the tables it waits for', () => {
    const locks: MetadataLock[] = [
      { id: 2, table: 'events', mode: 'MDL_SHARED_READ', pending: false },
      { id: 3, table: 'accounts', mode: 'MDL_SHARED_READ', pending: false },
    ];
    expect(ddlBlockers(ddl, [], locks)).toEqual([2]);
    // MySQL 8 shows the pending request itself, naming the table exactly.
    expect(ddlBlockers(ddl, [], [...locks, { id: 1, table: 'accounts', mode: 'EXCLUSIVE', pending: true }])).toEqual([3]);
  });
});

describe('failed attempts', () => {
  const error = (errno: number, sqlstate = 'HY000') => new DatabaseError('…', sqlstate, { errno });

  it('are counted under the error number, and the waits that gave up are joined into one window', () => {
    const log = new AttemptLog();
    log.add(failedAttempt(0, 500, error(1969, '70100')));
    log.add(failedAttempt(501, 1001, error(1205)));
    log.add(failedAttempt(1002, 1003, error(1213, '40001')));
    log.add({ startMs: 1004, endMs: 1100 });
    // A syntax error is the statement's fault: it ends no wait and starts none.
    log.add(failedAttempt(2000, 2001, error(1064, '42000')));
    log.add(failedAttempt(2002, 2500, error(3024)));
    log.add(failedAttempt(2501, 2502, error(1064, '42000')));
    expect(log.figures()).toMatchObject({ attempts: 7, maxBlockedMs: 1100, errors: { '1969': 1, '1205': 1, '1213': 1, '1064': 2, '3024': 1 } });
  });
});
