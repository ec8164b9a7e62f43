// The MySQL observer's pure parts: InnoDB names, MDL conflicts, binlog arithmetic, change splits.
import { expect, test } from 'vitest';
import { binlogBytesBetween, formatBinlogPosition, parseBinlogPosition } from './binlog.ts';
import { splitChanged } from './counters.ts';
import { mdlModeName, mysqlBlockedBy } from './lock-modes.ts';
import { heldLocksFromRows } from './locks.ts';
import { decodeInnodbName, isInternalTable } from './names.ts';

test('InnoDB dictionary names decode, except non-ASCII letters in their short codes', () => {
  expect(decodeInnodbName('rehearse_x/my@002dtable')).toEqual({ database: 'rehearse_x', table: 'my-table' });
  expect(decodeInnodbName('rehearse_x/@65e5@672c')).toEqual({ database: 'rehearse_x', table: '日本' });
  expect(decodeInnodbName('rehearse_x/caf@0p')).toBeNull();
  expect(decodeInnodbName('SYS_FOREIGN')).toBeNull();
  expect(isInternalTable('#sql-alter-1a2b-3c')).toBe(true);
  expect(isInternalTable('FTS_00000000000004a2_CONFIG')).toBe(true);
  expect(isInternalTable('fts_notes')).toBe(false);
});

test('metadata lock modes block reads and writes as the MDL compatibility matrix says', () => {
  expect(mysqlBlockedBy('MDL_EXCLUSIVE')).toEqual({ reads: true, writes: true });
  expect(mysqlBlockedBy('MDL_SHARED_NO_READ_WRITE')).toEqual({ reads: true, writes: true });
  expect(mysqlBlockedBy('MDL_SHARED_NO_WRITE')).toEqual({ reads: false, writes: true });
  expect(mysqlBlockedBy('MDL_SHARED_READ_ONLY')).toEqual({ reads: false, writes: true });
  for (const mode of ['MDL_SHARED_UPGRADABLE', 'MDL_SHARED_WRITE', 'MDL_SHARED_READ', 'MDL_SHARED', 'MDL_INTENTION_EXCLUSIVE']) {
    expect(mysqlBlockedBy(mode)).toEqual({ reads: false, writes: false });
  }
  expect(mdlModeName('SHARED_NO_WRITE')).toBe('MDL_SHARED_NO_WRITE');
  expect(mdlModeName('MDL_EXCLUSIVE')).toBe('MDL_EXCLUSIVE');
});

test('lock rows become one lock per table and mode, ALTER copies and the marker table left out', () => {
  const locks = heldLocksFromRows([
    { name: 't', mode: 'SHARED_NO_WRITE', is_view: 0 },
    { name: 't', mode: 'MDL_SHARED_NO_WRITE', is_view: 0 },
    { name: 'v', mode: 'MDL_SHARED_READ', is_view: 1 },
    { name: '#sql-alter-1-2', mode: 'MDL_EXCLUSIVE', is_view: 0 },
    { name: 'rehearse_scratch', mode: 'MDL_SHARED_READ', is_view: 0 },
  ]);
  expect(locks).toEqual([
    { oid: 't', name: 't', kind: 'table', table: 't', mode: 'MDL_SHARED_NO_WRITE' },
    { oid: 'v', name: 'v', kind: 'view', table: 'v', mode: 'MDL_SHARED_READ' },
  ]);
});

test('binlog bytes add up across file rotation', () => {
  const logs = [
    { name: 'bin.000009', size: 500 },
    { name: 'bin.000010', size: 1000 },
    { name: 'bin.000011', size: 2000 },
    { name: 'bin.000012', size: 300 },
  ];
  expect(binlogBytesBetween({ file: 'bin.000010', offset: 400 }, { file: 'bin.000010', offset: 900 }, logs)).toBe(500);
  expect(binlogBytesBetween({ file: 'bin.000010', offset: 400 }, { file: 'bin.000012', offset: 100 }, logs)).toBe(600 + 2000 + 100);
  expect(binlogBytesBetween({ file: 'bin.000001', offset: 4 }, { file: 'bin.000012', offset: 100 }, logs)).toBeUndefined();
  expect(parseBinlogPosition(formatBinlogPosition({ file: 'mysql-bin.000042', offset: 1234 }))).toEqual({ file: 'mysql-bin.000042', offset: 1234 });
  expect(parseBinlogPosition('garbage')).toBeUndefined();
});

test("TABLE_STATISTICS' changed rows follow the session's own split", () => {
  expect(splitChanged(100, { read: 0, inserted: 0, updated: 0, deleted: 7 })).toEqual({ inserted: 0, updated: 0, deleted: 100 });
  expect(splitChanged(10, { read: 0, inserted: 5, updated: 5, deleted: 0 })).toEqual({ inserted: 5, updated: 5, deleted: 0 });
  expect(splitChanged(4, { read: 0, inserted: 0, updated: 0, deleted: 0 })).toEqual({ inserted: 0, updated: 4, deleted: 0 });
  expect(splitChanged(0, { read: 0, inserted: 3, updated: 0, deleted: 0 })).toEqual({ inserted: 0, updated: 0, deleted: 0 });
});
