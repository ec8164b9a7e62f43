import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../errors.ts';
import {
  compareBytes,
  compareDottedVersions,
  encodeDottedVersion,
  filesUnder,
  flywayChecksum,
  keepLines,
  lineAt,
  sha256Hex,
  throwProblems,
  trimTrailingZeros,
} from './version-order.ts';

let root: string;

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'rehearse-version-order-')));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('encodeDottedVersion', () => {
  const parse = (v: string) => v.split('.').map((p) => BigInt(p));

  it('keeps the order of dotted versions, part by part', () => {
    const ordered = ['0.9', '1', '1.0.1', '1.1', '1.2', '1.9.99', '1.10', '2', '10', '10.0.0.1', '20240101120000', '99999999999999999999'];
    const numbers = ordered.map((v) => encodeDottedVersion(parse(v)) as bigint);
    for (let i = 1; i < numbers.length; i++) expect(numbers[i - 1]! < numbers[i]!, `${ordered[i - 1]} < ${ordered[i]}`).toBe(true);
  });

  it('agrees with a part-by-part comparison on many versions', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const versions = Array.from({ length: 300 }, () => Array.from({ length: 1 + random(8) }, () => BigInt(random(4) === 0 ? random(3) : random(1000))));
    for (let i = 0; i < versions.length - 1; i++) {
      const a = versions[i]!;
      const b = versions[i + 1]!;
      const byParts = compareDottedVersions(a, b);
      const x = encodeDottedVersion(a) as bigint;
      const y = encodeDottedVersion(b) as bigint;
      expect(Math.sign(byParts)).toBe(x < y ? -1 : x > y ? 1 : 0);
    }
  });

  it('makes 1 and 1.0 equal', () => {
    expect(encodeDottedVersion([1n])).toBe(encodeDottedVersion([1n, 0n, 0n]));
    expect(trimTrailingZeros([0n, 0n])).toEqual([0n]);
  });

  it('refuses what the encoding cannot hold', () => {
    expect(encodeDottedVersion([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n])).toBe('has 9 parts; rehearse orders versions of at most 8');
    expect(encodeDottedVersion([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 0n])).toBeTypeOf('bigint');
    expect(encodeDottedVersion([10n ** 20n])).toBe('part 100000000000000000000 is too large (rehearse orders parts below 100000000000000000000)');
    expect(encodeDottedVersion([10n ** 20n - 1n])).toBeTypeOf('bigint');
  });
});

// Values of Flyway's ChecksumCalculator algorithm (BufferedReader.readLine, BomFilter,
// java.util.zip.CRC32, cast to int) run under OpenJDK 17 on the same bytes.
describe('flywayChecksum', () => {
  it.each([
    ['an empty file', '', 0],
    ['a byte order mark alone', '\uFEFF', 0],
    ['mixed line endings and blank lines', 'a\rb\r\nc\n\n\nd', -310194927],
    ['non-ASCII text', "SELECT 'héllo 😀';\n", -1597478616],
    ['a doubled byte order mark (only the first is dropped)', '\uFEFF\uFEFFSELECT 1;', -1606921097],
    ['a byte order mark past the first line (kept)', 'SELECT 1;\n\uFEFFSELECT 2;', -737986772],
  ])('matches Flyway on %s', (_what, text, checksum) => {
    expect(flywayChecksum(text)).toBe(checksum);
  });

  it('matches Flyway on bytes that are not UTF-8 (both read them as U+FFFD)', () => {
    const text = Buffer.from([...Buffer.from('SELECT '), 0xff, 0xfe, ...Buffer.from(' bad;')]).toString('utf8');
    expect(flywayChecksum(text)).toBe(-582853134);
  });

  it('ignores line endings and blank lines, and nothing else', () => {
    expect(flywayChecksum('SELECT 1;\r\nSELECT 2;\r\n')).toBe(flywayChecksum('SELECT 1;\nSELECT 2;'));
    expect(flywayChecksum('SELECT 1;\n\n\nSELECT 2;')).toBe(flywayChecksum('SELECT 1;SELECT 2;'));
    expect(flywayChecksum('SELECT 1; ')).not.toBe(flywayChecksum('SELECT 1;'));
  });
});

describe('text helpers', () => {
  it('finds lines and keeps them', () => {
    const text = 'a\nb\nc\nd';
    expect(lineAt(text, 0)).toBe(1);
    expect(lineAt(text, 2)).toBe(2);
    expect(lineAt(text, 6)).toBe(4);
    expect(keepLines(text, 4, 5)).toBe('\n\nc');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('orders names byte-wise, as Go does', () => {
    expect(['b', 'B', '_a', '10_x', '9_y', 'é', 'z'].sort(compareBytes)).toEqual(['10_x', '9_y', 'B', '_a', 'b', 'z', 'é']);
  });

  it('reports one problem alone and several as a list', () => {
    expect(() => throwProblems([], 'dir')).not.toThrow();
    expect(() => throwProblems(['only'], 'dir')).toThrow(new InputError('MIGRATIONS_INVALID', 'only'));
    expect(() => throwProblems(['a', 'b'], 'dir')).toThrow('2 problems in dir:\n  - a\n  - b');
  });
});

describe('filesUnder', () => {
  it('lists files at any depth with /-separated paths, following a link to a directory once', async () => {
    await mkdir(path.join(root, 'loc', 'sub', 'deeper'), { recursive: true });
    await writeFile(path.join(root, 'loc', 'V1__a.sql'), '');
    await writeFile(path.join(root, 'loc', 'sub', 'deeper', 'V2__b.sql'), '');
    await writeFile(path.join(root, 'loc', 'notes.txt'), '');
    await symlink(path.join(root, 'loc'), path.join(root, 'loc', 'sub', 'loop'));
    const files = await filesUnder(path.join(root, 'loc'), (rel) => rel.endsWith('.sql'));
    expect(files.map((f) => f.file)).toEqual(['V1__a.sql', 'sub/deeper/V2__b.sql']);
  });
});
