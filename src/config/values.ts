// Checks shared by the config file and the command line, so `engine: foo` and `--engine foo`
// fail with the same words. Each returns a problem ("expected …, got …") or undefined.
import { redactUrl } from '../engines/url.ts';
import type { EngineKind } from '../engines/engine.ts';
import { SQL_SOURCES } from '../migrations/sources/registry.ts';

export const ENGINES = ['pglite', 'postgres', 'mysql', 'sqlite'] as const satisfies readonly EngineKind[];

// Engines DESIGN names that rehearse does not drive yet: saying "not supported yet" tells the
// user the name is right and the wait is ours, where "unknown engine" would send them looking
// for a typo. (None at the moment.)
const PLANNED_ENGINES: string[] = [];

export const MIGRATION_SOURCES = [...SQL_SOURCES, 'knex', 'kysely', 'node-pg-migrate', 'command'] as const;
export type MigrationSource = (typeof MIGRATION_SOURCES)[number];

export const URL_EXPECTED = 'a server URL like postgres://user@host:5432/postgres or mysql://user@host:3306/';

/** The engine a server URL is for, by its scheme; undefined for anything else. */
export function engineOfUrl(url: string): 'postgres' | 'mysql' | undefined {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return undefined;
  }
  if (protocol === 'postgres:' || protocol === 'postgresql:') return 'postgres';
  if (protocol === 'mysql:' || protocol === 'mariadb:') return 'mysql';
  return undefined;
}

export function engineProblem(name: unknown): string | undefined {
  if ((ENGINES as readonly unknown[]).includes(name)) return undefined;
  if (typeof name !== 'string') return `expected one of ${ENGINES.join(', ')}, got ${describeValue(name)}`;
  if (PLANNED_ENGINES.includes(name)) return `engine ${name} is not supported yet; supported engines: ${ENGINES.join(', ')}`;
  return `unknown engine ${nameAsWritten(name)}; expected one of ${ENGINES.join(', ')}`;
}

export function sourceProblem(name: unknown): string | undefined {
  if ((MIGRATION_SOURCES as readonly unknown[]).includes(name)) return undefined;
  if (typeof name !== 'string') return `expected one of ${MIGRATION_SOURCES.join(', ')}, got ${describeValue(name)}`;
  return `unknown migration source ${nameAsWritten(name)}; expected one of ${MIGRATION_SOURCES.join(', ')}`;
}

// Plain names read best bare ("unknown engine foo"); anything else is quoted so "" or a name
// with spaces stays visible.
function nameAsWritten(name: string): string {
  return /^[\w.-]+$/.test(name) ? name : JSON.stringify(name);
}

export function urlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string') return `expected ${URL_EXPECTED}, got ${describeValue(url)}`;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return `expected ${URL_EXPECTED}, got ${describeValue(redactUrl(url))}`;
  }
  if (protocol === 'postgres:' || protocol === 'postgresql:' || protocol === 'mysql:' || protocol === 'mariadb:') return undefined;
  return `expected ${URL_EXPECTED}, got ${describeValue(redactUrl(url))}`;
}

/** A value as an error message shows it after "got": strings quoted, containers by kind. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
