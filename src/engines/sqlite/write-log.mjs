// What a session's connection wrote, kept in its process and readable through SQL functions,
// because SQLite itself tells no other connection (and no SQL) which statements hold its write
// lock or how many rows each changed. The observer (src/observe/sqlite/) reads it:
//
//   SELECT rehearse_write_log(since)       -- JSON {generation, next, first, entries: [{seq, sql, changes, dml}]}
//   SELECT rehearse_transaction_writes()   -- JSON {inTransaction, writeLock, statements: [{seq, sql}, …]} of the open transaction
//
// A statement is logged when it ran through `query` and SQLite does not call it read-only
// (sqlite3_stmt_readonly: INSERT/UPDATE/DELETE, DDL, BEGIN IMMEDIATE/EXCLUSIVE, writing PRAGMAs).
// `changes` is what SQLite reports for the statement itself (sqlite3_changes, triggers and foreign
// key actions excluded), for INSERT/UPDATE/DELETE only. Scripts run through `exec` are not logged.
//
// Plain JavaScript on purpose: it runs in the session process, which loads no TypeScript.

/** Entries kept; older ones are dropped (`first` says where the log starts). */
const MAX_ENTRIES = 10_000;
/** Characters of a statement kept: enough to read what it writes, not the data of a long VALUES list. */
const MAX_SQL = 1_000;

export class WriteLog {
  #entries = [];
  #next = 1;
  /** The open transaction: the first log position inside it, and whether it holds the write lock. */
  #transaction = null;

  constructor(generation) {
    this.generation = generation;
  }

  /** After a statement ran through `query` (successfully or not). */
  record({ sql, readonly, changes, dml, inTransaction, succeeded }) {
    if (inTransaction && !this.#transaction) this.#transaction = { from: this.#next, writeLock: false };
    if (succeeded && !readonly) {
      this.#entries.push({ seq: this.#next++, sql: sql.slice(0, MAX_SQL), changes: dml ? changes : 0, dml });
      if (this.#entries.length > MAX_ENTRIES) this.#entries.shift();
      if (this.#transaction) this.#transaction.writeLock = true;
    }
    if (!inTransaction) this.#transaction = null;
  }

  /** After a script ran through `exec`: only the transaction state is known. */
  afterScript(inTransaction) {
    if (!inTransaction) this.#transaction = null;
    else if (!this.#transaction) this.#transaction = { from: this.#next, writeLock: true };
  }

  register(db) {
    db.function('rehearse_write_log', { deterministic: false, safeIntegers: false }, (since) => {
      const entries = this.#entries.filter((e) => e.seq >= Number(since));
      return JSON.stringify({ generation: this.generation, next: this.#next, first: this.#entries[0]?.seq ?? this.#next, entries });
    });
    db.function('rehearse_transaction_writes', { deterministic: false }, () => {
      const t = this.#transaction;
      const statements = t ? this.#entries.filter((e) => e.seq >= t.from).map(({ seq, sql }) => ({ seq, sql })) : [];
      return JSON.stringify({ inTransaction: t !== null, writeLock: t?.writeLock ?? false, statements });
    });
  }
}
