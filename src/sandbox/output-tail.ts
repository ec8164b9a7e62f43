// Keeps the last bytes of a command's output. A migration that logs every row can write gigabytes;
// what explains a failure is at the end, so the start is what gets dropped.

export const DEFAULT_OUTPUT_LIMIT_BYTES = 1024 * 1024;

export class OutputTail {
  #chunks: Buffer[] = [];
  #bytes = 0;
  #dropped = 0;

  constructor(readonly limitBytes: number = DEFAULT_OUTPUT_LIMIT_BYTES) {}

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    // Whole chunks go once the rest still holds the limit; the final cut is exact in text().
    for (let first = this.#chunks[0]; first && this.#bytes - first.length >= this.limitBytes; first = this.#chunks[0]) {
      this.#chunks.shift();
      this.#bytes -= first.length;
      this.#dropped += first.length;
    }
  }

  /** How many bytes were written in all. */
  get totalBytes(): number {
    return this.#dropped + this.#bytes;
  }

  /** The kept text and how many bytes before it were dropped (a cut UTF-8 character counts as dropped). */
  read(): { text: string; droppedBytes: number } {
    let kept = Buffer.concat(this.#chunks);
    let dropped = this.#dropped;
    if (kept.length > this.limitBytes) {
      dropped += kept.length - this.limitBytes;
      kept = kept.subarray(kept.length - this.limitBytes);
    }
    // Start on a character boundary: skip UTF-8 continuation bytes (10xxxxxx) left by the cut.
    let start = 0;
    if (dropped > 0) while (start < 3 && start < kept.length && (kept[start]! & 0xc0) === 0x80) start++;
    return { text: kept.subarray(start).toString('utf8'), droppedBytes: dropped + start };
  }

  /** The kept text, with a first line saying what was dropped when the stream was longer than the limit. */
  text(stream: string): { text: string; droppedBytes: number } {
    const { text, droppedBytes } = this.read();
    if (droppedBytes === 0) return { text, droppedBytes };
    return { text: `[rehearse: ${stream} truncated, the first ${droppedBytes} of ${this.totalBytes} bytes were dropped]\n${text}`, droppedBytes };
  }
}
