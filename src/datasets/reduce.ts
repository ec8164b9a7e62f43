// Reducing a scratch clone of the dataset to a deterministic, foreign-key-consistent fraction
// (scale runs), in the dialect of the engine: each dialect has its own way of switching foreign
// keys off, hashing a row's key and compacting what shrank.
//
//   postgres: reduce-postgres.ts   mysql: reduce-mysql.ts   sqlite: reduce-sqlite.ts
//
// Every implementation keeps, in every user table but `keep`, the rows whose key hashes below
// the fraction (deterministic, and nested: a smaller fraction's rows are inside a larger one's),
// then deletes orphans along every foreign key until none is left, and returns the exact row
// count of every table it reduced.
import type { Dialect, Session } from '../engines/engine.ts';
import { reduceToFraction as reduceMysql } from './reduce-mysql.ts';
import { reduceToFraction as reducePostgres, ReduceNotPermitted, type ReduceResult } from './reduce-postgres.ts';
import { reduceToFraction as reduceSqlite } from './reduce-sqlite.ts';

export { ReduceNotPermitted, type ReduceResult };

export interface ReduceOptions {
  /** Tables left whole and out of the result (the migration tool's tracking table). */
  keep: string[];
}

/**
 * Reduces the database `session` is connected to (a clone: this deletes rows) to `fraction`
 * (0 < fraction < 1). Throws ReduceNotPermitted when the engine does not let rehearse switch
 * foreign-key checks off.
 */
export function reduceToFraction(dialect: Dialect, session: Session, fraction: number, opts: ReduceOptions): Promise<ReduceResult> {
  switch (dialect) {
    case 'postgres':
      return reducePostgres(session, fraction, opts);
    case 'mysql':
      return reduceMysql(session, fraction, opts);
    case 'sqlite':
      return reduceSqlite(session, fraction, opts);
  }
}
