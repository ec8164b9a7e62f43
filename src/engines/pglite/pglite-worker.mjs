// One PGlite instance (one scratch database) in its own worker thread, so that a statement that
// never ends can be stopped by terminating the thread, and so that the main thread stays free
// for the progress display while PGlite computes.
//
// Plain JavaScript on purpose: a worker thread does not inherit the tsx loader the main thread
// runs under, and this file must load the same way under vitest, `node --import tsx` and the bin.
// The messages are described by `worker-protocol.ts`.

import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

/** PostgreSQL type oids whose text form rehearse keeps, as node-postgres does (int8 may exceed 2^53). */
const KEEP_AS_TEXT = { 20: (text) => text };

/**
 * The data directory lives in memory and travels whole to every clone, so WAL segments that a
 * checkpoint no longer needs are deleted rather than kept for reuse (they were over half of a
 * clone's tarball). WAL is still written as on a server (wal_level stays `replica`): WAL bytes
 * per step are measured from it.
 */
const SETTINGS = ['wal_recycle = off', 'min_wal_size = 32MB'];

/** @type {import('@electric-sql/pglite').PGlite} */
let db;
try {
  const { dataDir, wasm } = workerData ?? {};
  db = await PGlite.create({
    parsers: KEEP_AS_TEXT,
    postgresqlconf: SETTINGS,
    loadDataDir: dataDir ? new Blob([dataDir]) : undefined,
    pgliteWasmModule: wasm?.pglite,
    initdbWasmModule: wasm?.initdb,
  });
  parentPort.postMessage({ type: 'ready' });
} catch (error) {
  parentPort.postMessage({ type: 'failed', error: serializeError(error) });
  process.exit(1);
}

const operations = {
  async query({ sql, params }) {
    const result = await db.query(sql, params);
    return { rows: result.rows, rowCount: rowCountOf(result) };
  },
  async exec({ sql }) {
    await db.exec(sql);
    return null;
  },
  // PGlite has no COPY sub-protocol: COPY … FROM '/dev/blob' reads the `blob` option instead.
  async copyFromBlob({ sql, data }) {
    const result = await db.query(sql, [], { blob: new Blob([data]) });
    return rowCountOf(result) ?? 0;
  },
  async dumpDataDir({ compression }) {
    // Lets the checkpoint delete the WAL segments it no longer needs before they are copied.
    await db.exec('CHECKPOINT');
    const file = await db.dumpDataDir(compression);
    const bytes = await file.arrayBuffer();
    return { value: bytes, transfer: [bytes] };
  },
  // What ending a backend does on a server: roll back, forget session settings and temp tables.
  async resetSession() {
    await db.exec('ROLLBACK');
    await db.exec('DISCARD ALL');
    return null;
  },
};

parentPort.on('message', async ({ id, op, args }) => {
  try {
    const outcome = await operations[op](args);
    if (outcome && typeof outcome === 'object' && 'transfer' in outcome) {
      parentPort.postMessage({ id, ok: true, value: outcome.value }, outcome.transfer);
    } else {
      parentPort.postMessage({ id, ok: true, value: outcome });
    }
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: serializeError(error) });
  }
});

/** The command tag's count (rows returned by SELECT, affected by DML, copied by COPY); null when it has none. */
function rowCountOf(result) {
  if (typeof result.rowCount === 'number') return result.rowCount;
  if (typeof result.affectedRows === 'number' && result.affectedRows > 0) return result.affectedRows;
  return null;
}

/**
 * Only the fields of a PostgreSQL error report cross to the main thread: PGlite errors also carry
 * the query's parameters, which may be data from the dataset.
 */
function serializeError(error) {
  if (error && typeof error === 'object') {
    const { message, code, detail, hint, position, where, name } = error;
    return { message: String(message ?? error), code, detail, hint, position, where, name };
  }
  return { message: String(error) };
}
