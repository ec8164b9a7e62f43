// One SQLite connection in a process of its own. better-sqlite3 runs statements synchronously in
// native code, which neither a worker thread's terminate() nor anything else in the same process
// can stop (measured: a terminated worker kept counting a recursive CTE, and so did
// process.exit()). Killing this process stops any statement: the connection dies, SQLite rolls
// its transaction back (uncommitted WAL frames are ignored, a hot journal is rolled back by the
// next connection), and the database file stays intact for every other connection.
//
// Plain JavaScript on purpose: a child process does not inherit the TypeScript loader the main
// thread may run under. The messages are described by `protocol.ts`.

import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { registerContentChecksum } from './content-checksum.mjs';
import { WriteLog } from './write-log.mjs';

// The parent may die without closing us (SIGKILL, a crash) while a statement keeps this thread
// busy in native code, where no 'disconnect' event can run. A watchdog thread notices the parent
// is gone (we are re-parented) and kills the process.
const parentPid = process.ppid;
new Worker(
  `const { workerData } = require('node:worker_threads');
   setInterval(() => { if (process.ppid !== workerData) process.kill(process.pid, 'SIGKILL'); }, 500);`,
  { eval: true, workerData: parentPid },
).unref();
process.on('disconnect', () => process.exit(0));

/** @type {import('better-sqlite3').Database | undefined} */
let db;
/** @type {WriteLog | undefined} */
let log;

const JOURNAL_MODES = new Set(['wal', 'delete', 'truncate', 'persist']);

const operations = {
  open({ path, settings, generation }) {
    if (!JOURNAL_MODES.has(settings.journalMode)) throw new Error(`unsupported journal_mode ${settings.journalMode}`);
    // `timeout` is PRAGMA busy_timeout: how long a statement waits for another connection's lock.
    db = new Database(path, { fileMustExist: true, timeout: settings.busyTimeoutMs });
    db.pragma(`journal_mode = ${settings.journalMode}`);
    db.pragma(`foreign_keys = ${settings.foreignKeys ? 'ON' : 'OFF'}`);
    log = new WriteLog(generation);
    log.register(db);
    registerContentChecksum(db);
    return { sqliteVersion: db.prepare('SELECT sqlite_version() AS v').get().v };
  },

  query({ sql, params }) {
    let stmt;
    let succeeded = false;
    let result;
    try {
      stmt = db.prepare(sql);
      if (stmt.reader) {
        const rows = stmt.all(...params);
        result = { rows, rowCount: rows.length };
      } else {
        const info = stmt.run(...params);
        // sqlite3_changes() keeps the count of the last INSERT/UPDATE/DELETE through other statements.
        result = { rows: [], rowCount: isDml(sql) ? info.changes : null };
      }
      succeeded = true;
      return { ...result, inTransaction: db.inTransaction };
    } finally {
      log.record({
        sql,
        readonly: stmt?.readonly ?? true,
        changes: result?.rowCount ?? 0,
        dml: isDml(sql),
        inTransaction: db.inTransaction,
        succeeded,
      });
    }
  },

  // Compiling resolves every table, column and function the statement names; a statement
  // prepared and never stepped reads and writes nothing (and better-sqlite3 refuses a string
  // holding more than one statement). Not in the write log: nothing ran.
  prepare({ sql }) {
    // Compiling uses this connection's cached schema, which another connection's DDL leaves
    // stale until a statement runs and meets the new schema cookie: run one that reads the
    // schema first (PRAGMA schema_version alone does not reload it).
    db.prepare('SELECT 1 FROM sqlite_schema LIMIT 1').get();
    db.prepare(sql);
    return null;
  },

  exec({ sql }) {
    try {
      db.exec(sql);
    } finally {
      log.afterScript(db.inTransaction);
    }
    return { inTransaction: db.inTransaction };
  },

  close() {
    db?.close();
    db = undefined;
    setImmediate(() => process.exit(0));
    return null;
  },
};

process.on('message', ({ id, op, args }) => {
  try {
    if (op !== 'open' && !db) throw new Error('the connection is not open');
    process.send({ id, ok: true, value: operations[op](args) });
  } catch (error) {
    process.send({ id, ok: false, error: serializeError(error) });
  }
});

/** INSERT, REPLACE, UPDATE, DELETE (also behind a WITH clause): statements whose `changes` mean rows. */
function isDml(sql) {
  const word = firstWord(sql);
  return word === 'INSERT' || word === 'REPLACE' || word === 'UPDATE' || word === 'DELETE' || word === 'WITH';
}

function firstWord(sql) {
  let i = 0;
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i])) i++;
    if (sql.startsWith('--', i)) {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? sql.length : eol + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else break;
  }
  return /^[A-Za-z]+/.exec(sql.slice(i, i + 10))?.[0].toUpperCase() ?? '';
}

/** Only the message and SQLite's extended result code cross to the main thread. */
function serializeError(error) {
  if (error && typeof error === 'object') {
    return { message: String(error.message ?? error), name: error.name, code: typeof error.code === 'string' ? error.code : undefined };
  }
  return { message: String(error) };
}
