// The manifest and data files of a dataset directory, read and checked without a database.
import { mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { editManifest, shopDataset, tempDatasetDir, TRICKY_TEXT } from '../../../test/helpers/dataset-dir.ts';
import { InputError } from '../../errors.ts';
import { checkDataset, DataFileError, firstJsonErrorOffset, isDatasetDir, readManifest, tableRows, verifyDataset } from './reader.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const dispose of cleanups.splice(0)) await dispose();
});

async function dataset(bulkOrders = 0) {
  const made = await tempDatasetDir(shopDataset('postgres', { bulkOrders }));
  cleanups.push(made.dispose);
  return made;
}

async function failure(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('readManifest', () => {
  it('reads what the fixture builder wrote, and knows a dataset directory', async () => {
    const { dir, manifest } = await dataset();
    expect(await readManifest(dir)).toEqual(manifest);
    expect(await isDatasetDir(dir)).toBe(true);
    expect(await isDatasetDir(join(dir, 'manifest.json'))).toBe(false);
    expect(await isDatasetDir(join(dir, 'data'))).toBe(false);
  });

  it('no manifest: names the file and says what a dataset directory is', async () => {
    const { dir } = await dataset();
    await rm(join(dir, 'manifest.json'));
    const error = await failure(readManifest(dir));
    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toBe(`${join(dir, 'manifest.json')}: no manifest.json here: ${dir} is not a dataset directory (rehearse dataset capture writes one)`);
  });

  it('invalid JSON: at line:column', async () => {
    const { dir } = await dataset();
    await writeFile(join(dir, 'manifest.json'), '{\n  "format": "rehearse-dataset",\n  "formatVersion": 1,,\n}\n');
    const error = await failure(readManifest(dir));
    expect(error.location).toEqual({ file: join(dir, 'manifest.json'), line: 3, column: 22 });
    expect(error.message).toMatch(/manifest\.json:3:22: the manifest is not valid JSON: /);
  });

  it('finds where JSON goes wrong when V8 does not say', () => {
    expect(firstJsonErrorOffset('{"tables": [}')).toBe(12);
    expect(firstJsonErrorOffset('{"a": tru}')).toBe(9);
    expect(firstJsonErrorOffset('{"a": "x\\q"}')).toBe(9);
    expect(firstJsonErrorOffset('{"a": 1,}')).toBe(8);
    expect(firstJsonErrorOffset('{} x')).toBe(3);
    expect(firstJsonErrorOffset('{"a": "\\u00e9", "b": [1, -2.5e3, null, false]}')).toBeUndefined();
  });

  it('another format, or none', async () => {
    const { dir } = await dataset();
    await editManifest(dir, (m) => (m.format = 'something-else'));
    expect((await failure(readManifest(dir))).message).toContain('"format" is "something-else", expected "rehearse-dataset": this is not a rehearse dataset manifest');
    await editManifest(dir, (m) => delete m.format);
    expect((await failure(readManifest(dir))).message).toContain('"format" is missing');
  });

  it('a newer format version: says who wrote it and to upgrade', async () => {
    const { dir } = await dataset();
    await editManifest(dir, (m) => ((m.formatVersion = 2), (m.rehearseVersion = '0.9.0')));
    const error = await failure(readManifest(dir));
    expect(error.message).toBe(`${join(dir, 'manifest.json')}: written by rehearse 0.9.0 with format 2; this rehearse reads format 1: upgrade rehearse`);
    await editManifest(dir, (m) => (m.formatVersion = '1'));
    expect((await failure(readManifest(dir))).message).toContain('"formatVersion" is "1", expected a whole number ≥ 1');
  });

  it('a missing or mistyped field: its JSON path', async () => {
    const { dir } = await dataset();
    await editManifest(dir, (m) => {
      delete m.tables[1].sha256;
      m.tables[0].rows = -1;
      m.source.engine = 'oracle';
    });
    const error = await failure(readManifest(dir));
    expect(error.message).toContain('the manifest does not match format 1:');
    expect(error.message).toContain('tables[1].sha256: expected a string, got');
    expect(error.message).toMatch(/tables\[0\]\.rows: .*0/);
    expect(error.message).toContain('source.engine: expected one of postgres, mysql, sqlite, got');
  });

  it('unknown fields are ignored: a later rehearse may add some within format 1', async () => {
    const { dir, manifest } = await dataset();
    await editManifest(dir, (m) => ((m.comment = 'added later'), (m.tables[0].histogram = [1, 2])));
    expect((await readManifest(dir)).tables[0]!.sha256).toBe(manifest.tables[0]!.sha256);
  });

  it('a data file outside the directory, a table listed twice, a primary key that is not a column', async () => {
    const { dir } = await dataset();
    await editManifest(dir, (m) => (m.tables[0].file = '../../etc/passwd'));
    expect((await failure(readManifest(dir))).message).toContain('tables[0].file: expected a path inside the dataset directory');
    await editManifest(dir, (m) => ((m.tables[0].file = 'data/0001.tsv.gz'), (m.tables[1].name = 'customers')));
    expect((await failure(readManifest(dir))).message).toContain('tables[1].name: table "customers" is listed twice');
    await editManifest(dir, (m) => ((m.tables[1].name = 'orders'), (m.tables[1].primaryKey = ['order_id'])));
    expect((await failure(readManifest(dir))).message).toContain('tables[1].primaryKey: "order_id" is not a column of table "orders"');
  });
});

describe('data files', () => {
  it('tableRows decodes every row as written (tabs, newlines, backslashes, \\N as text, NULL vs empty)', async () => {
    const { dir, manifest } = await dataset();
    const names: unknown[] = [];
    for await (const row of tableRows(dir, 'customers')) names.push(row[1]);
    expect(names).toEqual(TRICKY_TEXT);
    let orders = 0;
    for await (const _ of tableRows(dir, manifest.tables[1]!)) orders++;
    expect(orders).toBe(4);
  });

  it('verifyDataset: an intact directory passes, with its rows and bytes', async () => {
    const { dir, manifest } = await dataset(2000);
    const result = await verifyDataset(dir, manifest);
    expect(result.problems).toEqual([]);
    expect(result.rows).toBe(manifest.tables.reduce((n, t) => n + t.rows, 0));
    expect(result.bytes).toBeGreaterThan(50_000);
  });

  it('a truncated data file: caught by its size before it is read, or by gunzip when the size was rewritten too', async () => {
    const { dir, manifest } = await dataset(2000);
    const orders = manifest.tables[1]!;
    const path = join(dir, orders.file);
    await truncate(path, orders.fileBytes - 100);
    const error = await failure(verifyDataset(dir, manifest));
    expect(error).toBeInstanceOf(DataFileError);
    expect(error.message).toBe(`${path}: the data file of table "orders" is ${orders.fileBytes - 100} bytes, the manifest says ${orders.fileBytes}: the file was truncated`);

    await editManifest(dir, (m) => (m.tables[1].fileBytes = orders.fileBytes - 100));
    const again = await failure(verifyDataset(dir, await readManifest(dir)));
    expect(again.message).toBe(`${path}: the data file of table "orders" ends in the middle of its gzip stream: it was truncated`);
  });

  it('a flipped byte in the compressed file: not a readable gzip stream', async () => {
    const { dir, manifest } = await dataset(2000);
    const orders = manifest.tables[1]!;
    const path = join(dir, orders.file);
    const bytes = await readFile(path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await writeFile(path, bytes);
    const error = await failure(verifyDataset(dir, manifest));
    expect(error.message).toMatch(/the data file of table "orders" (is not a readable gzip file \(.*\): it was altered|does not match the manifest's checksum)/);
  });

  it('altered content in a valid gzip file: the SHA-256 differs', async () => {
    const { dir, manifest } = await dataset();
    const customers = manifest.tables[0]!;
    const text = gunzipSync(await readFile(join(dir, customers.file))).toString();
    const altered = gzipSync(text.replace('ünïcødé', 'unicode'));
    await writeFile(join(dir, customers.file), altered);
    await editManifest(dir, (m) => (m.tables[0].fileBytes = altered.length));
    const error = await failure(verifyDataset(dir, await readManifest(dir)));
    expect(error.message).toMatch(/the data file of table "customers" does not match the manifest's checksum: its content's SHA-256 is [0-9a-f]{16}…, the manifest says [0-9a-f]{16}…: the file was altered$/);
  });

  it('a rows count that differs from the file', async () => {
    const { dir } = await dataset();
    await editManifest(dir, (m) => (m.tables[1].rows = 5));
    const error = await failure(verifyDataset(dir, await readManifest(dir)));
    expect(error.message).toBe(`${join(dir, 'data/0002.tsv.gz')}: the data file of table "orders" holds 4 rows, the manifest says 5`);
  });

  it('every bad file is listed: a missing one and a wrong count', async () => {
    const { dir } = await dataset();
    await rm(join(dir, 'data/0003.tsv.gz'));
    await editManifest(dir, (m) => (m.tables[0].rows = 1));
    const manifest = await readManifest(dir);
    const check = await checkDataset(dir, manifest);
    expect(check.problems).toEqual([
      { table: 'customers', file: 'data/0001.tsv.gz', message: 'holds 9 rows, the manifest says 1' },
      { table: 'schema_migrations', file: 'data/0003.tsv.gz', message: 'is missing' },
    ]);
    const error = await failure(verifyDataset(dir, manifest));
    expect(error.message).toContain('2 data files do not hold what the manifest says:');
    expect(error.message).toContain(`${join(dir, 'data/0003.tsv.gz')}: the data file of table "schema_migrations" is missing`);
  });

  it('a row with the wrong number of fields: file:line', async () => {
    const { dir } = await dataset();
    const lines = ['1\t2', '3'];
    const content = Buffer.from(`${lines.join('\n')}\n`);
    await mkdir(join(dir, 'data'), { recursive: true });
    const gz = gzipSync(content);
    await writeFile(join(dir, 'data/0003.tsv.gz'), gz);
    const { createHash } = await import('node:crypto');
    await editManifest(dir, (m) => Object.assign(m.tables[2], { rows: 2, fileBytes: gz.length, sha256: createHash('sha256').update(content).digest('hex') }));
    const rows: unknown[] = [];
    const error = await failure(
      (async () => {
        for await (const row of tableRows(dir, 'schema_migrations')) rows.push(row);
      })(),
    );
    expect(rows).toEqual([['1', '2']]);
    expect(error.message).toBe(`${join(dir, 'data/0003.tsv.gz')}:2: row 2 of table "schema_migrations" has 1 fields, the table has 2 columns`);
  });
});
