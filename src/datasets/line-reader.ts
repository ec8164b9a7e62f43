// Reads a script line by line without holding the file: dumps can be gigabytes.

import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface Line {
  /** The line without its `\n`. */
  text: string;
  /** 1-based. */
  number: number;
}

export class LineReader {
  #lines: AsyncIterator<string>;
  #number = 0;
  /** Bytes of the file consumed so far, for progress. */
  bytesRead = 0;

  constructor(source: { path: string; text?: string }) {
    this.#lines = source.text !== undefined ? linesOfText(source.text) : this.#linesOfFile(source.path);
  }

  /** The last line returned (0 before the first). */
  get lineNumber(): number {
    return this.#number;
  }

  async next(): Promise<Line | null> {
    const next = await this.#lines.next();
    if (next.done) return null;
    return { text: next.value, number: ++this.#number };
  }

  #linesOfFile(path: string): AsyncGenerator<string> {
    return linesOf(createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>, (bytes) => (this.bytesRead += bytes));
  }
}

/**
 * The whole lines of a byte stream, a batch per chunk, each line without its `\n`; the last line
 * may lack one. A decoder, not per-chunk toString: a UTF-8 character may straddle two chunks.
 */
export async function* lineBatchesOf(chunks: AsyncIterable<Buffer>, onChunk?: (bytes: number) => void): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const bytes of chunks) {
    onChunk?.(bytes.length);
    const lines = (rest + decoder.write(bytes)).split('\n');
    rest = lines.pop()!;
    if (lines.length > 0) yield lines;
  }
  rest += decoder.end();
  if (rest !== '') yield [rest];
}

/** The same, a line at a time. */
export async function* linesOf(chunks: AsyncIterable<Buffer>, onChunk?: (bytes: number) => void): AsyncGenerator<string> {
  for await (const batch of lineBatchesOf(chunks, onChunk)) yield* batch;
}

async function* linesOfText(text: string): AsyncGenerator<string> {
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    if (newline < 0) {
      yield text.slice(start);
      return;
    }
    yield text.slice(start, newline);
    start = newline + 1;
  }
}
