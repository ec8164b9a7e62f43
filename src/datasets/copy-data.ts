// The data lines that follow `COPY … FROM stdin;` in a script, up to the `\.` line.

import type { LineReader } from './line-reader.ts';

/** The file ended before the `\.` that closes a COPY block. */
export class TruncatedCopyError extends Error {
  constructor(readonly lastLine: number) {
    super(`the file ends at line ${lastLine} without the "\\." line that closes the COPY data`);
    this.name = 'TruncatedCopyError';
  }
}

/** Lines are handed to the driver in chunks of about this size (one small write per row is slow). */
const CHUNK_CHARS = 256 * 1024;

export interface CopyBlockCursor {
  /** Set once the `\.` line has been read. */
  ended: boolean;
}

/**
 * Yields the COPY data lines (each with its `\n`) from `reader` until the `\.` line, or until
 * about `sliceChars` have been yielded — a slice ends on a line boundary, so in text format (one
 * row per line) each slice is a complete COPY input of its own. Throws TruncatedCopyError at EOF.
 */
export async function* copyDataSlice(reader: LineReader, cursor: CopyBlockCursor, sliceChars: number): AsyncGenerator<string> {
  let chunk: string[] = [];
  let chunkChars = 0;
  let sliceTotal = 0;
  for (;;) {
    const line = await reader.next();
    if (!line) throw new TruncatedCopyError(reader.lineNumber);
    if (line.text === '\\.' || line.text === '\\.\r') {
      cursor.ended = true;
      break;
    }
    chunk.push(line.text, '\n');
    chunkChars += line.text.length + 1;
    if (chunkChars >= CHUNK_CHARS || sliceTotal + chunkChars >= sliceChars) {
      yield chunk.join('');
      sliceTotal += chunkChars;
      chunk = [];
      chunkChars = 0;
      if (sliceTotal >= sliceChars) break;
    }
  }
  if (chunkChars > 0) yield chunk.join('');
}
