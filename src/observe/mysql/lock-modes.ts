// MySQL/MariaDB metadata lock (MDL) conflicts, from the compatibility matrix in the server's
// sql/mdl.cc, reduced to what matters for application traffic: a plain SELECT takes
// MDL_SHARED_READ on each table it reads, INSERT/UPDATE/DELETE take MDL_SHARED_WRITE. A held mode
// blocks reads when a new MDL_SHARED_READ request must wait for it, writes likewise for
// MDL_SHARED_WRITE:
//
//   granted →        S  SH  SR  SW  SWLP  SU  SRO  SNW  SNRW  X
//   SR requested     +  +   +   +   +     +   +    +    -     -
//   SW requested     +  +   +   +   +     +   -    -    -     -
//
// Row locks are InnoDB's business and block only the rows they cover: they are not table locks.
// The modes and the table live with the online-DDL classification, which names the mode each
// ALTER takes (sql/mysql-online-ddl.ts); modes it does not list (MDL_SHARED, MDL_INTENTION_EXCLUSIVE,
// the LOW_PRIO / HIGH_PRIO variants) block neither.
export { mysqlBlockedBy } from '../../sql/mysql-online-ddl.ts';

/** performance_schema.metadata_locks says `SHARED_READ`; MariaDB's METADATA_LOCK_INFO says `MDL_SHARED_READ`. */
export function mdlModeName(mode: string): string {
  return mode.startsWith('MDL_') ? mode : `MDL_${mode}`;
}
