// The portable dataset directory (docs/datasets.md): what `rehearse dataset capture` writes and
// `rehearse run --dataset DIR` restores.
//
//   DIR/manifest.json          this file's `DatasetManifest`
//   DIR/schema-pre.sql         DDL run before the data: types, sequences, tables (no FKs, no indexes)
//   DIR/schema-post.sql        DDL run after the data: primary keys, unique/check/foreign keys, indexes, triggers, views
//   DIR/data/<n>.tsv.gz        one file per table, gzip: one row per line, fields separated by a tab,
//                              `\N` for NULL, backslash escapes `\\ \t \n \r` (PostgreSQL's COPY text
//                              format, which is also MySQL's LOAD DATA default); binary columns of
//                              MySQL and SQLite hex-encoded (`binary: true` on the column)
//
// Only a fingerprint of the anonymization key is ever written, never the key.

export const MANIFEST_FILE = 'manifest.json';
export const DATASET_FORMAT = 'rehearse-dataset';
export const DATASET_FORMAT_VERSION = 1;

export type DatasetEngine = 'postgres' | 'mysql' | 'sqlite';

export interface DatasetColumn {
  name: string;
  /** The source's type, as its catalog spells it (`character varying(120)`, `varchar(120)`, `TEXT`). */
  type: string;
  /** MySQL / SQLite binary values are hex in the data file. */
  binary?: boolean;
}

export interface DatasetTable {
  /** `table`, or `schema.table` outside PostgreSQL's public schema. */
  name: string;
  /** The data file, relative to the directory (`data/0001.tsv.gz`). */
  file: string;
  columns: DatasetColumn[];
  /** Primary-key column names (empty when the table has none). */
  primaryKey: string[];
  /** Rows written to the data file. */
  rows: number;
  /** Production at capture time: its rows (exact count inside the snapshot) and on-disk bytes (table + indexes). */
  production: { rows: number; bytes: number };
  /** SHA-256 (hex) of the data file's uncompressed content. */
  sha256: string;
  /** Bytes of the compressed data file, to catch truncation before decompressing. */
  fileBytes: number;
  /** How the subset chose the rows, when the table was subset. */
  subset?: string;
}

export interface DatasetForeignKey {
  table: string;
  columns: string[];
  references: string;
  referencedColumns: string[];
}

export interface AnonymizationSummary {
  /** `hmac-sha256:<first 16 hex of SHA-256(key)>`: tells two captures made with the same key apart from others, reveals nothing. */
  keyFingerprint: string;
  /** Every rule applied, `table.column` → rule (`fake:email`, `null`, `keep`, …). */
  rules: Record<string, string>;
  /** Columns that look personal and were explicitly kept. */
  keptPersonal: string[];
  /** The leak check after capture: how many personal source values were sampled and found in the output (must be 0). */
  leakCheck: { sampled: number; found: number };
}

export interface DatasetManifest {
  format: typeof DATASET_FORMAT;
  formatVersion: number;
  rehearseVersion: string;
  capturedAt: string;
  source: {
    engine: DatasetEngine;
    serverVersion: string;
    /** The database's name; never a URL or a password. */
    database: string;
  };
  /** golang-migrate's tracking table at capture time (null version: no tracking table). */
  migration: { version: string | null; dirty: boolean };
  tables: DatasetTable[];
  foreignKeys: DatasetForeignKey[];
  /** Absent when nothing was anonymized (a capture of data that holds no personal data, explicitly allowed). */
  anonymization?: AnonymizationSummary;
  /** The subset rules as given, when the capture was a subset. */
  subset?: Record<string, string>;
}
