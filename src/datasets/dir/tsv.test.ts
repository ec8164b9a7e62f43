import { describe, expect, it } from 'vitest';
import { decodeRow, encodeRow } from './tsv.ts';

describe('tsv rows (COPY text / LOAD DATA)', () => {
  it('round-trips NULLs, empty strings, tabs, newlines, backslashes and non-ASCII text', () => {
    const row = [null, '', 'a\tb', 'line1\nline2\r', 'C:\\path', 'Zoë 张伟', '\\N'];
    const line = encodeRow(row);
    expect(line).not.toMatch(/\n/);
    expect(line.split('\t')).toHaveLength(row.length);
    expect(decodeRow(line)).toEqual(row);
  });

  it("reads PostgreSQL's octal and hex escapes as UTF-8 bytes", () => {
    expect(decodeRow('\\303\\251t\\303\\251\t\\xc3\\xa9')).toEqual(['été', 'é']);
  });
});
