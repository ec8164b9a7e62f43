// Which server speaks the MySQL protocol: MySQL and MariaDB share the dialect but diverge in
// catalogs (INNODB_TABLES vs INNODB_SYS_TABLES, performance_schema defaults, database comments).

export type MysqlFlavour = 'mysql' | 'mariadb';

export interface MysqlServerVersion {
  flavour: MysqlFlavour;
  /** `MariaDB 10.11.19`, `MySQL 8.0.36`. */
  display: string;
  /** major × 10000 + minor × 100 + patch, as MySQL's own version numbers (100500 = 10.5.0, 80036 = 8.0.36). */
  num: number;
}

/** Reads `SELECT VERSION()`: `10.11.19-MariaDB-0+deb12u1`, `8.0.36-0ubuntu0.22.04.1`, `8.4.2`. */
export function parseServerVersion(version: string): MysqlServerVersion {
  const flavour: MysqlFlavour = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  const [major, minor, patch] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const numbers = match ? `${major}.${minor}.${patch}` : version;
  return { flavour, display: `${flavour === 'mariadb' ? 'MariaDB' : 'MySQL'} ${numbers}`, num: major * 10000 + minor * 100 + patch };
}

/** `CREATE DATABASE … COMMENT '…'` and information_schema.SCHEMATA.SCHEMA_COMMENT exist from MariaDB 10.5 on; MySQL has neither. */
export function supportsDatabaseComment(version: MysqlServerVersion): boolean {
  return version.flavour === 'mariadb' && version.num >= 100500;
}
