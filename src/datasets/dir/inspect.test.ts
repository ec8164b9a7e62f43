// What `rehearse dataset inspect` shows of a dataset directory, as data and as text.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { shopDataset, tempDatasetDir } from '../../../test/helpers/dataset-dir.ts';
import { inspectDataset, renderInspection } from './inspect.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const dispose of cleanups.splice(0)) await dispose();
});

const ANONYMIZATION = {
  keyFingerprint: 'hmac-sha256:0123456789abcdef',
  rules: { 'customers.name': 'fake:name', 'customers.note': 'null' },
  keptPersonal: ['customers.born'],
  leakCheck: { sampled: 400, found: 0 },
};

async function dataset(extra: Partial<ReturnType<typeof shopDataset>> = {}) {
  const made = await tempDatasetDir({ ...shopDataset('postgres', { bulkOrders: 996 }), ...extra });
  cleanups.push(made.dispose);
  return made;
}

describe('inspectDataset', () => {
  it('per table: rows against production, ratio, file size, subset rule, foreign keys both ways', async () => {
    const { dir, manifest } = await dataset({ anonymization: ANONYMIZATION });
    const i = await inspectDataset(dir);
    expect(i).toMatchObject({
      dir,
      format: { name: 'rehearse-dataset', version: 1 },
      source: { engine: 'postgres', serverVersion: 'PostgreSQL 15.20', database: 'shop' },
      migration: { version: '20240101120000', dirty: false },
      subset: { orders: '10%' },
      anonymization: ANONYMIZATION,
    });
    expect(i.verification).toBeUndefined();
    const orders = i.tables.find((t) => t.name === 'orders')!;
    expect(orders).toEqual({
      name: 'orders',
      rows: 1000,
      productionRows: 9964,
      productionBytes: 64 << 20,
      ratio: 1000 / 9964,
      fileBytes: manifest.tables[1]!.fileBytes,
      file: 'data/0002.tsv.gz',
      columns: 5,
      subset: 'orders=10%',
      foreignKeys: 1,
      referencedBy: 2,
    });
    expect(i.tables.find((t) => t.name === 'customers')).toMatchObject({ foreignKeys: 2, referencedBy: 2, ratio: 1 });
    expect(i.totals).toMatchObject({ tables: 5, rows: 9 + 1000 + 1 + 3 });
  });

  it('renders a header, one line per table and the anonymization summary', async () => {
    const { dir } = await dataset({ anonymization: ANONYMIZATION });
    const text = renderInspection(await inspectDataset(dir));
    expect(text).toContain(`Dataset ${dir}`);
    expect(text).toMatch(/source\s+PostgreSQL 15\.20, database shop/);
    expect(text).toMatch(/captured\s+2025-03-04T05:06:07\.000Z by rehearse 0\.1\.0 \(format 1\)/);
    expect(text).toMatch(/migration\s+20240101120000\n/);
    expect(text).toMatch(/table\s+rows\s+production rows\s+production size\s+ratio\s+file\s+FKs out\/in\s+subset/);
    expect(text).toMatch(/orders\s+1,000\s+9,964\s+64 MiB\s+10 %\s+\d+(\.\d)? KiB\s+1\/2\s+orders=10%/);
    expect(text).toMatch(/billing\.invoices\s+3\s+3\s+8 KiB\s+100 %/);
    expect(text).toMatch(/key\s+hmac-sha256:0123456789abcdef \(a fingerprint: the key itself is never written\)/);
    expect(text).toMatch(/customers\.name\s+fake:name/);
    expect(text).toMatch(/kept personal\s+customers\.born/);
    expect(text).toMatch(/leak check\s+passed: 400 personal source values sampled, none found in the data files/);
  });

  it('says when nothing was anonymized, the tracking table is missing, or a leak was found', async () => {
    const plain = await dataset({ migration: { version: null, dirty: false } });
    const text = renderInspection(await inspectDataset(plain.dir));
    expect(text).toContain('Anonymization: none');
    expect(text).toMatch(/migration\s+no golang-migrate tracking table/);
    const leaky = await dataset({ anonymization: { ...ANONYMIZATION, leakCheck: { sampled: 400, found: 2 } } });
    expect(renderInspection(await inspectDataset(leaky.dir))).toMatch(/leak check\s+FAILED: 2 personal source values of 400 sampled found/);
  });

  it('verify: OK with what was read, or every file at fault', async () => {
    const { dir, manifest } = await dataset();
    const ok = await inspectDataset(dir, { verify: true });
    expect(ok.verification).toMatchObject({ ok: true, rows: 1013, problems: [] });
    expect(renderInspection(ok)).toMatch(/Verification: OK — 5 data files, 1,013 rows, .* uncompressed, checksums and row counts match/);

    const path = join(dir, manifest.tables[1]!.file);
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 20));
    const bad = await inspectDataset(dir, { verify: true });
    expect(bad.verification).toMatchObject({ ok: false, problems: [{ table: 'orders', file: 'data/0002.tsv.gz', message: expect.stringContaining('the file was truncated') }] });
    const text = renderInspection(bad);
    expect(text).toContain('Verification: FAILED — 1 data file of 5 do not hold what the manifest says:');
    expect(text).toContain(`data/0002.tsv.gz (table orders) is ${bytes.length - 20} bytes, the manifest says ${bytes.length}: the file was truncated`);
  });
});
