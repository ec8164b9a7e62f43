// What capture needs from a source database, whatever its engine: one consistent read-only
// snapshot, the tables with their keys and production sizes, the schema as DDL in two parts, and
// every table's rows streamed in the text form of the engine's bulk format. One implementation per
// engine (postgres-source.ts, mysql-source.ts, sqlite-source.ts); none of them ever writes.
import type { DatasetEngine, DatasetForeignKey } from '../dir/manifest.ts';
import type { Field } from '../dir/tsv.ts';

export interface SourceColumn {
  name: string;
  type: string;
  nullable: boolean;
  /** varchar(n) and the like: the most characters a value may hold. */
  maxLength?: number;
  /** Values are hex in the data file (MySQL / SQLite binary columns). */
  binary?: boolean;
}

export interface SourceTable {
  /** `table`, or `schema.table` outside PostgreSQL's public schema. */
  name: string;
  /** How SQL names it on the source (quoted, schema-qualified). */
  sqlName: string;
  columns: SourceColumn[];
  primaryKey: string[];
  /** Every unique index or constraint, by column names. */
  uniqueKeys: string[][];
  /** On-disk bytes, table and indexes. */
  bytes: number;
}

export interface SourceInfo {
  engine: DatasetEngine;
  serverVersion: string;
  database: string;
}

export interface SourceSnapshot {
  readonly info: SourceInfo;
  readonly tables: SourceTable[];
  readonly foreignKeys: DatasetForeignKey[];
  /** DDL before the data (tables without secondary indexes and foreign keys) and after it. */
  schema(): Promise<{ pre: string; post: string }>;
  /**
   * The table's rows in the snapshot, each as the text fields of the bulk format, columns in
   * `table.columns` order; `columns` narrows the read (key columns for a subset plan).
   */
  rows(table: SourceTable, options?: { columns?: string[]; where?: string }): AsyncIterable<Field[]>;
  /**
   * The whole table as COPY text lines, in batches, where the engine writes that format itself
   * (PostgreSQL): capture then decodes only the fields it must look at.
   */
  lineBatches?(table: SourceTable): AsyncIterable<string[]>;
  /** Up to `limit` distinct non-empty values of a column, for the leak check. */
  sample(table: SourceTable, column: string, limit: number): Promise<string[]>;
  /** golang-migrate's tracking table in the snapshot, when there is one. */
  tracking(): Promise<{ version: string | null; dirty: boolean }>;
  /** How another thread attaches to the same snapshot (engines that can share one: PostgreSQL). */
  share?(): SharedSnapshot;
  close(): Promise<void>;
}

/** A snapshot another connection can import: PostgreSQL's exported snapshot id and the server's URL. */
export interface SharedSnapshot {
  engine: 'postgres';
  /** The URL as given (the password is needed to connect: it stays in memory, between threads). */
  url: string;
  snapshotId: string;
}
