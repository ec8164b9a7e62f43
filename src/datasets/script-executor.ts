// Runs the statements of a dataset script on a session: batched, in one transaction, with a
// savepoint per batch so that a failing batch can be re-run statement by statement to name the
// exact statement that failed — and rolled back whole, so a failed restore leaves nothing behind.
//
// A statement that cannot run in a transaction block (CREATE INDEX CONCURRENTLY, VACUUM, …) or
// that manages transactions itself ends that: what ran so far is committed and the rest of the
// script runs statement by statement in autocommit, as psql would run it.

import { InputError } from '../errors.ts';
import { DatabaseError, type Session } from '../engines/engine.ts';
import { copyDataSlice, TruncatedCopyError, type CopyBlockCursor } from './copy-data.ts';
import type { LineReader } from './line-reader.ts';
import type { ScriptStatement } from './statement-splitter.ts';
import type { StatementRole } from './statement-role.ts';

export interface BatchLimits {
  /** Characters of SQL per round trip. */
  batchChars: number;
  /** Statements per round trip. */
  batchStatements: number;
  /** Characters of COPY data per COPY command, text format (PGlite holds a command's data in memory). */
  copySliceChars: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { batchChars: 1 << 20, batchStatements: 500, copySliceChars: 64 << 20 };

export interface ExecutionCounts {
  statements: number;
  copiedRows: number;
  skipped: { ownership: number; privileges: number; unknownSettings: number };
  /** Set when the script stopped running in one transaction, from this statement on. */
  autocommitFrom: { line: number; reason: string } | undefined;
}

export class ScriptExecutor {
  readonly counts: ExecutionCounts = {
    statements: 0,
    copiedRows: 0,
    skipped: { ownership: 0, privileges: 0, unknownSettings: 0 },
    autocommitFrom: undefined,
  };
  #inTransaction = false;
  #batch: ScriptStatement[] = [];
  #batchChars = 0;

  constructor(
    private readonly session: Session,
    private readonly file: string,
    private readonly limits: BatchLimits,
  ) {}

  async begin(): Promise<void> {
    await this.session.exec('BEGIN');
    this.#inTransaction = true;
  }

  async run(statement: ScriptStatement, role: Exclude<StatementRole, { kind: 'copy-from-stdin' }>): Promise<void> {
    switch (role.kind) {
      case 'ownership':
      case 'privileges':
        this.counts.skipped[role.kind]++;
        return;
      case 'refused':
        throw new InputError('DATASET_INVALID', `${role.reason}: rehearse does not run this statement`, { location: this.#at(statement) });
      case 'needs-autocommit':
        await this.#leaveTransaction(statement, role.reason);
        await this.#runAlone(statement);
        return;
      case 'plain':
        if (!this.#inTransaction) return this.#runAlone(statement);
        this.#batch.push(statement);
        this.#batchChars += statement.text.length;
        if (this.#batch.length >= this.limits.batchStatements || this.#batchChars >= this.limits.batchChars) await this.flush();
    }
  }

  /** Runs `COPY … FROM stdin` with the data lines that follow it in `reader`. */
  async copy(statement: ScriptStatement, textFormat: boolean, reader: LineReader): Promise<void> {
    await this.flush();
    const copyFrom = this.session.copyFrom?.bind(this.session);
    if (!copyFrom) throw new InputError('DATASET_RESTORE_FAILED', 'this engine has no COPY: a pg_dump restores on PostgreSQL engines only', { location: this.#at(statement) });
    const cursor: CopyBlockCursor = { ended: false };
    // Text format has one row per line, so a long block can go in several COPY commands; in CSV a
    // quoted value may span lines, so its block goes whole.
    const sliceChars = textFormat ? this.limits.copySliceChars : Infinity;
    while (!cursor.ended) {
      const firstDataLine = reader.lineNumber + 1;
      try {
        this.counts.copiedRows += await copyFrom(statement.text, copyDataSlice(reader, cursor, sliceChars));
      } catch (error) {
        if (error instanceof TruncatedCopyError) {
          throw new InputError('DATASET_RESTORE_FAILED', `the COPY data that starts after line ${statement.line} is cut short: ${error.message}`, {
            location: this.#at(statement),
            cause: error,
          });
        }
        if (!isDatasetError(error)) throw error;
        // The server counts data lines from 1 in its context ("COPY t, line 3, column a: …"); that
        // context also quotes the row, so only the line number is taken from it.
        const dataLine = /^COPY [^,]*, line (\d+)/.exec(error.details.where ?? '')?.[1];
        const line = dataLine === undefined ? statement.line : firstDataLine + Number(dataLine) - 1;
        throw new InputError('DATASET_RESTORE_FAILED', `${error.message} (SQLSTATE ${error.sqlstate})`, { location: { file: this.file, line }, cause: error });
      }
    }
    this.counts.statements++;
  }

  /** Sends the batched statements in one round trip; on failure finds the one that failed. */
  async flush(): Promise<void> {
    const batch = this.#batch;
    if (batch.length === 0) return;
    this.#batch = [];
    this.#batchChars = 0;
    // The savepoint goes in a round trip of its own: the server parses a whole multi-statement
    // query before running any of it, so a syntax error in the batch would skip it too.
    await this.session.exec('SAVEPOINT rehearse_batch');
    try {
      await this.session.exec(`${batch.map((s) => `${s.text};\n`).join('')}RELEASE SAVEPOINT rehearse_batch;`);
      this.counts.statements += batch.length;
      return;
    } catch (error) {
      if (!isDatasetError(error)) throw error;
    }
    await this.session.exec('ROLLBACK TO SAVEPOINT rehearse_batch');
    for (const statement of batch) await this.#runAlone(statement);
    await this.session.exec('RELEASE SAVEPOINT rehearse_batch');
  }

  async commit(): Promise<void> {
    await this.flush();
    if (!this.#inTransaction) return;
    try {
      await this.session.exec('COMMIT');
      this.#inTransaction = false;
    } catch (error) {
      if (!isDatasetError(error)) throw error;
      // Deferred constraints are checked here, after the last statement.
      throw new InputError('DATASET_RESTORE_FAILED', `${error.message} (SQLSTATE ${error.sqlstate}) at COMMIT, after the last statement`, {
        location: { file: this.file },
        cause: error,
      });
    }
  }

  /** After a failure: nothing of the restore stays (unless parts already ran in autocommit). */
  async rollback(): Promise<void> {
    if (!this.#inTransaction) return;
    this.#inTransaction = false;
    await this.session.exec('ROLLBACK').catch(() => {});
  }

  async #leaveTransaction(statement: ScriptStatement, reason: string): Promise<void> {
    if (!this.#inTransaction) return;
    await this.commit();
    this.counts.autocommitFrom = { line: statement.line, reason };
  }

  async #runAlone(statement: ScriptStatement): Promise<void> {
    // pg_dump of a newer version sets parameters an older server does not know (SET
    // transaction_timeout = 0, from pg_dump 17): psql reports those and goes on, and so does this.
    const mayBeUnknownSetting = statement.firstWord === 'set';
    const guarded = mayBeUnknownSetting && this.#inTransaction;
    if (guarded) await this.session.exec('SAVEPOINT rehearse_setting');
    try {
      // With its `;`, so that a statement cut short reads as psql would show it: `at or near ";"`.
      await this.session.exec(`${statement.text};`);
      if (guarded) await this.session.exec('RELEASE SAVEPOINT rehearse_setting');
      this.counts.statements++;
    } catch (error) {
      if (!isDatasetError(error)) throw error;
      if (mayBeUnknownSetting && error.sqlstate === UNDEFINED_OBJECT && error.message.startsWith('unrecognized configuration parameter')) {
        if (guarded) await this.session.exec('ROLLBACK TO SAVEPOINT rehearse_setting');
        this.counts.skipped.unknownSettings++;
        return;
      }
      throw new InputError('DATASET_RESTORE_FAILED', `${error.message} (SQLSTATE ${error.sqlstate})`, {
        location: locationInStatement(this.file, statement, error.details.position),
        cause: error,
      });
    }
  }

  #at(statement: ScriptStatement) {
    return { file: this.file, line: statement.line, column: statement.column };
  }
}

const UNDEFINED_OBJECT = '42704';

/**
 * SQLSTATE classes that say something about the server or the connection, not the script:
 * 08 connection, 53 insufficient resources, 57 operator intervention (a cancel by interrupt()
 * included), 58 system error, XX internal error. Those errors pass through unchanged — and a
 * cancelled batch must not be re-run statement by statement.
 */
const NOT_THE_SCRIPTS_FAULT = new Set(['08', '53', '57', '58', 'XX']);

function isDatasetError(error: unknown): error is DatabaseError {
  return error instanceof DatabaseError && !NOT_THE_SCRIPTS_FAULT.has((error.sqlstate ?? '').slice(0, 2));
}

/** Where a server error `position` (1-based, in characters of the statement) falls in the file. */
export function locationInStatement(file: string, statement: ScriptStatement, position: number | undefined) {
  if (!position || position < 1) return { file, line: statement.line, column: statement.column };
  let line = statement.line;
  let column = statement.column;
  let seen = 0;
  for (const char of statement.text) {
    if (++seen >= position) break;
    if (char === '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
  }
  return { file, line, column };
}
