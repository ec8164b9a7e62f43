// Restores a plain-SQL pg_dump, or runs a seed script, into a scratch database — without psql,
// on any engine (PGlite has no psql), streaming the file so a dump of gigabytes never sits in
// memory whole.
//
// What it does as psql would: COPY … FROM stdin blocks, statements cut where psql cuts them.
// What it does differently, on purpose:
//   - runs everything in one transaction (fast, and a failed restore leaves nothing behind) unless
//     the script holds statements that cannot run in one;
//   - skips ALTER … OWNER TO and GRANT/REVOKE (pg_restore's --no-owner --no-privileges): the
//     dump's roles need not exist on the scratch server;
//   - stops at the first error, naming file:line, where psql would print it and go on;
//   - refuses psql meta-commands other than \restrict / \unrestrict (pg_dump's, harmless) and
//     statements that reach beyond the scratch database (roles, other databases, server files).
//
// After a pg_dump script the session's search_path is '' (pg_dump sets it so): the caller should
// close that session once the restore is done and use a new one.

import { InputError } from '../errors.ts';
import type { Session } from '../engines/engine.ts';
import { LineReader } from './line-reader.ts';
import { DEFAULT_BATCH_LIMITS, ScriptExecutor, type BatchLimits, type ExecutionCounts } from './script-executor.ts';
import { loadParser, roleOf } from './statement-role.ts';
import { StatementSplitter } from './statement-splitter.ts';

export interface SqlScriptFile {
  /** Shown in errors; read from disk unless `text` is given. */
  path: string;
  /** The script itself, when it is already in memory. */
  text?: string;
}

export interface ScriptProgress {
  bytesRead: number;
  line: number;
  statements: number;
  copiedRows: number;
}

export interface RunSqlScriptOptions extends Partial<BatchLimits> {
  /** Called now and then (every few MB read) and once at the end. */
  onProgress?: (progress: ScriptProgress) => void;
}

export interface SqlScriptResult extends ExecutionCounts {
  ms: number;
}

/** A statement longer than this means a quote or comment was left open; V8 strings cannot be much longer anyway. */
const MAX_STATEMENT_CHARS = 256 << 20;
const PROGRESS_EVERY_BYTES = 8 << 20;
const ALLOWED_META_COMMANDS = new Set(['restrict', 'unrestrict']);

export async function runSqlScript(session: Session, file: SqlScriptFile, options: RunSqlScriptOptions = {}): Promise<SqlScriptResult> {
  const started = performance.now();
  await loadParser();
  const limits: BatchLimits = {
    batchChars: options.batchChars ?? DEFAULT_BATCH_LIMITS.batchChars,
    batchStatements: options.batchStatements ?? DEFAULT_BATCH_LIMITS.batchStatements,
    copySliceChars: options.copySliceChars ?? DEFAULT_BATCH_LIMITS.copySliceChars,
  };
  const reader = new LineReader(file);
  const splitter = new StatementSplitter();
  const executor = new ScriptExecutor(session, file.path, limits);
  let reportedAt = 0;
  const report = () => {
    reportedAt = reader.bytesRead;
    const { statements, copiedRows } = executor.counts;
    options.onProgress?.({ bytesRead: reader.bytesRead, line: reader.lineNumber, statements, copiedRows });
  };

  await executor.begin();
  try {
    for (let line = await reader.next(); line; line = await reader.next()) {
      if (splitter.inCode && line.text.startsWith('\\')) {
        checkMetaCommand(line.text, { file: file.path, line: line.number });
        continue;
      }
      const statements = splitter.feed(line.text, line.number);
      for (const [index, statement] of statements.entries()) {
        const role = roleOf(statement);
        if (role.kind !== 'copy-from-stdin') {
          await executor.run(statement, role);
          continue;
        }
        if (index !== statements.length - 1 || !splitter.idle) {
          throw new InputError('DATASET_INVALID', 'COPY … FROM stdin must end its line: its data starts on the next line', {
            location: { file: file.path, line: statement.line, column: statement.column },
          });
        }
        await executor.copy(statement, role.textFormat, reader);
      }
      if (splitter.pendingChars > MAX_STATEMENT_CHARS) {
        const start = splitter.pendingStart!;
        throw new InputError('DATASET_INVALID', 'this statement runs on for over 256 MB: is a quote, comment or dollar quote left open?', {
          location: { file: file.path, line: start.line, column: start.column },
        });
      }
      if (reader.bytesRead - reportedAt >= PROGRESS_EVERY_BYTES) report();
    }
    // Like psql, run a last statement that has no `;` (the server reports it if it is incomplete).
    const last = splitter.finish();
    if (last) {
      const role = roleOf(last);
      if (role.kind === 'copy-from-stdin') {
        throw new InputError('DATASET_RESTORE_FAILED', 'the file ends right after COPY … FROM stdin, before its data', {
          location: { file: file.path, line: last.line, column: last.column },
        });
      }
      await executor.run(last, role);
    }
    await executor.commit();
  } catch (error) {
    await executor.rollback();
    throw error;
  }
  report();
  return { ...executor.counts, ms: Math.round(performance.now() - started) };
}

/** `\restrict KEY` / `\unrestrict KEY` (pg_dump ≥ 17.6, 16.10, 15.14, …) only guard psql itself. */
function checkMetaCommand(text: string, location: { file: string; line: number }): void {
  const name = /^\\([A-Za-z_!?]*)/.exec(text)?.[1] ?? '';
  if (ALLOWED_META_COMMANDS.has(name)) return;
  throw new InputError(
    'DATASET_INVALID',
    `psql meta-command \\${name}: rehearse runs the SQL of a script, not psql meta-commands (remove it, or use a plain pg_dump of one database)`,
    { location },
  );
}
