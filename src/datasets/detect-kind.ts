// Which kind of SQL dataset a file is: a plain-SQL pg_dump, a mysqldump, or a seed script.

import { existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE } from './dir/manifest.ts';
import { InputError } from '../errors.ts';

export type SqlDatasetKind = 'pg-dump' | 'mysql-dump' | 'seed-script';
/** A dataset directory written by `rehearse dataset capture` (datasets/dir/). */
export type DatasetKind = SqlDatasetKind | 'dataset-dir';

/** pg_dump's header is within its first lines; reading this much is plenty. */
const HEAD_BYTES = 8192;

export async function detectDatasetKind(path: string): Promise<DatasetKind> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) {
    if (existsSync(join(path, MANIFEST_FILE))) return 'dataset-dir';
    throw new InputError('DATASET_INVALID', `this directory holds no ${MANIFEST_FILE}: a dataset directory is what \`rehearse dataset capture\` writes`, { location: { file: path } });
  }
  const head = await readHead(path);
  if (head.subarray(0, 5).toString('latin1') === 'PGDMP') {
    throw new InputError(
      'DATASET_INVALID',
      'this is a pg_dump archive (custom or tar format); rehearse restores plain-SQL dumps: pg_dump --format=plain, or pg_restore -f dump.sql archive',
      { location: { file: path } },
    );
  }
  if (head[0] === 0x1f && head[1] === 0x8b) {
    throw new InputError('DATASET_INVALID', 'this file is gzip-compressed; decompress it first (gunzip -k)', { location: { file: path } });
  }
  const lines = head.toString('utf8').split('\n').slice(0, 20);
  if (lines.some((line) => line.trimEnd() === '-- PostgreSQL database dump')) return 'pg-dump';
  // mysqldump's first line: `-- MySQL dump 10.13  Distrib 8.0.36, …` or `-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, …`.
  if (/^-- (MySQL|MariaDB) dump \d/.test(lines[0] ?? '')) return 'mysql-dump';
  return 'seed-script';
}

async function readHead(path: string): Promise<Buffer> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (error) {
    throw new InputError('DATASET_INVALID', `cannot read the dataset: ${(error as Error).message}`, { location: { file: path }, cause: error });
  }
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await file.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
