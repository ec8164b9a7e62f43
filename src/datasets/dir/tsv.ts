// The row format of a dataset's data files: PostgreSQL's COPY text format, which is also MySQL's
// LOAD DATA default — one row per line, fields separated by a tab, `\N` for NULL, and backslash
// escapes for backslash, tab, newline and carriage return. PostgreSQL writes it (COPY … TO STDOUT)
// and reads it (COPY … FROM STDIN) natively; MySQL's LOAD DATA reads it with its defaults.

export type Field = string | null;

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const NEEDS_ESCAPE = /[\\\t\n\r]/g;

export function encodeField(value: Field): string {
  return value === null ? '\\N' : value.replace(NEEDS_ESCAPE, (c) => ESCAPES[c]!);
}

/** One line, without its newline. */
export function encodeRow(fields: readonly Field[]): string {
  return fields.map(encodeField).join('\t');
}

const UNESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/**
 * One line (without its newline) into fields. Understands every escape COPY text may hold:
 * `\b \f \n \r \t \v \\`, octal `\NNN` and hex `\xHH` (as bytes of UTF-8), and `\N` alone as NULL.
 */
export function decodeRow(line: string): Field[] {
  const fields: Field[] = [];
  let start = 0;
  for (;;) {
    const tab = line.indexOf('\t', start);
    const raw = tab === -1 ? line.slice(start) : line.slice(start, tab);
    fields.push(decodeField(raw));
    if (tab === -1) return fields;
    start = tab + 1;
  }
}

export function decodeField(raw: string): Field {
  if (raw === '\\N') return null;
  if (!raw.includes('\\')) return raw;
  let out = '';
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length > 0) out += Buffer.from(bytes).toString('utf8');
    bytes = [];
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\' || i === raw.length - 1) {
      flush();
      out += c;
      continue;
    }
    const next = raw[i + 1]!;
    if (next >= '0' && next <= '7') {
      const m = /^[0-7]{1,3}/.exec(raw.slice(i + 1))![0];
      bytes.push(parseInt(m, 8) & 0xff);
      i += m.length;
    } else if (next === 'x' && /^[0-9a-fA-F]/.test(raw[i + 2] ?? '')) {
      const m = /^[0-9a-fA-F]{1,2}/.exec(raw.slice(i + 2))![0];
      bytes.push(parseInt(m, 16));
      i += 1 + m.length;
    } else {
      flush();
      out += UNESCAPES[next] ?? next;
      i += 1;
    }
  }
  flush();
  return out;
}
