// The one session a PGlite scratch database has.

import type { QueryResult, Row, Session } from '../engine.ts';
import type { PgliteInstance } from './pglite-instance.ts';

export class PgliteSession implements Session {
  #closing: Promise<void> | undefined;
  /** Statements `prepare()` has compiled: names each one. */
  #prepared = 0;

  constructor(
    private readonly instance: PgliteInstance,
    readonly backendPid: number,
    private readonly onClosed: () => void,
  ) {}

  async query<R = Row>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    this.#assertOpen();
    const result = await this.instance.call('query', { sql, params });
    return result as QueryResult<R>;
  }

  async exec(sql: string): Promise<void> {
    this.#assertOpen();
    await this.instance.call('exec', { sql });
  }

  /**
   * `PREPARE` compiles the statement (names, types, the `$n` parameters' types from context),
   * `DEALLOCATE` forgets it; nothing runs. PGlite's `query` uses the extended protocol, so a text
   * holding more than one statement is refused rather than run.
   */
  async prepare(sql: string): Promise<void> {
    this.#assertOpen();
    const name = `rehearse_check_${++this.#prepared}`;
    await this.instance.call('query', { sql: `PREPARE ${name} AS ${sql}`, params: undefined });
    await this.instance.call('query', { sql: `DEALLOCATE ${name}`, params: undefined });
  }

  /**
   * PGlite has no COPY sub-protocol: `FROM STDIN` becomes `FROM '/dev/blob'` and the data is handed
   * over whole, so it is held in memory once (callers feeding big COPY blocks cut them into slices).
   */
  async copyFrom(copySql: string, data: AsyncIterable<string | Buffer> | string): Promise<number> {
    this.#assertOpen();
    const sql = copyFromBlobSql(copySql);
    const bytes = await collectBytes(data);
    return this.instance.call('copyFromBlob', { sql, data: bytes }, [bytes]);
  }

  /** Behaves like the end of a server backend: an open transaction rolls back, session state is reset. */
  close(): Promise<void> {
    this.#closing ??= (this.instance.stopped ? Promise.resolve() : this.instance.call('resetSession', {}).then(() => {}))
      .catch(() => {})
      .finally(this.onClosed);
    return this.#closing;
  }

  #assertOpen(): void {
    if (this.#closing) throw new Error(`this session of ${this.instance.label} is closed`);
  }
}

/** `COPY t (a, b) FROM STDIN …` → `COPY t (a, b) FROM '/dev/blob' …` */
export function copyFromBlobSql(copySql: string): string {
  const fromStdin = /\bFROM\s+STDIN\b/gi;
  const matches = copySql.match(fromStdin)?.length ?? 0;
  if (matches !== 1) {
    throw new Error(`PGlite runs COPY only as COPY … FROM STDIN, and this statement does not read it exactly once: ${copySql.slice(0, 200)}`);
  }
  return copySql.replace(fromStdin, "FROM '/dev/blob'");
}

async function collectBytes(data: AsyncIterable<string | Buffer> | string): Promise<ArrayBuffer> {
  const chunks: Buffer[] = [];
  if (typeof data === 'string') chunks.push(Buffer.from(data));
  else for await (const chunk of data) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const joined = Buffer.concat(chunks);
  // Transfer needs an ArrayBuffer of its own: small buffers are slices of Node's shared pool.
  const ownsItsMemory = joined.byteOffset === 0 && joined.byteLength === joined.buffer.byteLength;
  return (ownsItsMemory ? joined.buffer : joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength)) as ArrayBuffer;
}
