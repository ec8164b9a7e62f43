// One table's data file: rows encoded as COPY text lines, gzip-compressed as they are written,
// with the SHA-256 of the uncompressed content and the row count kept on the way, so the
// manifest can prove the file whole when it is restored. Memory stays flat: lines are batched
// into chunks and written with backpressure.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';

/** Lines are handed to gzip in chunks of about this many characters. */
const CHUNK_CHARS = 256 * 1024;

export class TableFileWriter {
  readonly #hash = createHash('sha256');
  readonly #gzip = createGzip({ level: 1 });
  readonly #file;
  readonly #done: Promise<unknown>;
  #pending: string[] = [];
  #pendingChars = 0;
  rows = 0;

  constructor(readonly path: string) {
    this.#file = createWriteStream(path);
    this.#gzip.pipe(this.#file);
    this.#done = once(this.#file, 'close');
    // A write error surfaces at the next write or at finish.
    this.#file.on('error', () => undefined);
  }

  /** One line, without its newline. */
  async write(line: string): Promise<void> {
    this.push(line);
    if (this.#pendingChars >= CHUNK_CHARS) await this.#flush();
  }

  /** One line, buffered without waiting: call `flushIfDue` after a batch of them. */
  push(line: string): void {
    this.#pending.push(line, '\n');
    this.#pendingChars += line.length + 1;
    this.rows++;
  }

  async flushIfDue(): Promise<void> {
    if (this.#pendingChars >= CHUNK_CHARS) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const chunk = Buffer.from(this.#pending.join(''), 'utf8');
    this.#pending = [];
    this.#pendingChars = 0;
    this.#hash.update(chunk);
    if (!this.#gzip.write(chunk)) await once(this.#gzip, 'drain');
  }

  async finish(): Promise<{ rows: number; sha256: string; fileBytes: number }> {
    await this.#flush();
    this.#gzip.end();
    await this.#done;
    return { rows: this.rows, sha256: this.#hash.digest('hex'), fileBytes: (await stat(this.path)).size };
  }

  /** Stops writing (a failed capture): the caller removes the directory. */
  abort(): void {
    this.#gzip.destroy();
    this.#file.destroy();
  }
}
