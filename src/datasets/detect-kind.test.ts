import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { detectDatasetKind } from './detect-kind.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rehearse-kind-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function fileWith(content: string | Buffer): Promise<string> {
  const path = join(dir, `f-${Math.random().toString(36).slice(2)}`);
  await writeFile(path, content);
  return path;
}

test('a plain pg_dump is recognised by its header', async () => {
  expect(await detectDatasetKind(await fileWith('--\n-- PostgreSQL database dump\n--\n\n\\restrict k\nSET x = 1;\n'))).toBe('pg-dump');
});

test('anything else SQL is a seed script', async () => {
  expect(await detectDatasetKind(await fileWith('-- seed: PostgreSQL database dump is not what this is\nINSERT INTO t VALUES (1);\n'))).toBe('seed-script');
});

test('archives and compressed dumps are refused with what to do instead', async () => {
  await expect(detectDatasetKind(await fileWith(Buffer.from('PGDMP\x01\x0e\x00')))).rejects.toThrow(/pg_dump --format=plain/);
  await expect(detectDatasetKind(await fileWith(Buffer.from([0x1f, 0x8b, 8, 0])))).rejects.toThrow(/gzip-compressed/);
  await expect(detectDatasetKind(join(dir, 'missing.sql'))).rejects.toMatchObject({ code: 'DATASET_INVALID' });
});
