// The targets of a run (DESIGN §2: one engine × one dataset each): the config's `targets:` list or
// the single target the top level and the flags describe; their labels; `--target` picks some by
// label and `--shard i/n` keeps this worker's share.
import { basename, resolve } from 'node:path';
import { ENGINE_KIND_TRAITS, type EngineKind } from '../engines/engine.ts';
import { redactUrl } from '../engines/url.ts';
import { UsageError } from '../errors.ts';
import type { TargetRequest } from '../rehearsal/run.ts';
import type { Shard } from '../report/report.ts';
import { displayPath } from './load.ts';
import type { ResolvedConfigFile, ResolvedTargetInput } from './types.ts';
import { describeValue, engineOfUrl, engineProblem, urlProblem } from './values.ts';

/** The flags that describe a target; any of them makes the run the one target they describe. */
export interface TargetFlags {
  engine?: string;
  url?: string;
  dataset?: string;
  datasetVersion?: string;
  /** Already parsed (`--production-rows`). */
  productionRows?: Record<string, number>;
}


/** For the engines that create scratch databases on a server (ENGINE_KIND_TRAITS). */
const URL_EXAMPLE: Partial<Record<EngineKind, string>> = { postgres: 'postgres://user@host:5432/postgres', mysql: 'mysql://user@host:3306/' };

/**
 * Every target of the matrix, in the config's order, labelled. With `targets:` in the config and
 * no target flag, one per entry, each filled in from the top level; otherwise the one target
 * the flags describe over the top level (flags win).
 */
export function resolveTargets(file: ResolvedConfigFile | undefined, flags: TargetFlags, cwd: string, note?: (line: string) => void): TargetRequest[] {
  const configName = file ? displayPath(file.file) : 'rehearse.config.yaml';
  const flagged = flags.engine !== undefined || flags.url !== undefined || flags.dataset !== undefined || flags.datasetVersion !== undefined || flags.productionRows !== undefined;
  if (file?.targets && !flagged) {
    const specs = file.targets.map((t, i) => resolveTarget(inherit(file, t), `targets[${i}] of ${configName}`));
    return labelled(specs, file.targets.map((t) => t.name));
  }
  if (file?.targets && flagged) note?.(`rehearse: --engine/--url/--dataset given: the run has the one target they describe instead of the ${file.targets.length} in ${configName}`);

  const engine = checked('--engine', flags.engine, engineProblem) as EngineKind | undefined;
  const url = checked('--url', flags.url, urlProblem);
  // --dataset replaces the config's dataset whole: a version describes one seed script, and
  // carrying it over to another file would apply that file at the wrong version.
  const datasetPath = flags.dataset !== undefined ? resolve(cwd, nonEmpty('--dataset', flags.dataset, 'a file path')!) : file?.dataset?.path;
  const version = nonEmpty('--dataset-version', flags.datasetVersion, 'a migration version like 0004') ?? (flags.dataset === undefined ? file?.dataset?.version : undefined);
  const spec: ResolvedTargetInput = {
    engine: engine ?? file?.engine,
    url: url ?? (file && inheritsUrl(file, engine ?? file.engine) ? file.url : undefined),
    dataset: { path: datasetPath, version },
    productionRows: flags.productionRows ?? file?.productionRows,
  };
  return labelled([resolveTarget(spec, configName, '--')], [undefined]);
}

/** A config target filled in from the top level: see `TargetInput`. */
function inherit(file: ResolvedConfigFile, t: ResolvedTargetInput): ResolvedTargetInput {
  const engine = t.engine ?? file.engine;
  const url = t.url ?? (inheritsUrl(file, engine) ? file.url : undefined);
  const dataset = t.dataset?.path !== undefined ? t.dataset : { path: file.dataset?.path, version: t.dataset?.version ?? file.dataset?.version };
  return { engine, url, dataset, productionRows: t.productionRows ?? file.productionRows };
}

/**
 * The top level's server belongs to the top level's engine: a mysql target must not inherit a
 * postgres URL, and an embedded engine has no server.
 */
function inheritsUrl(file: ResolvedConfigFile, engine: EngineKind | undefined): boolean {
  if (engine !== undefined && !ENGINE_KIND_TRAITS[engine].server) return false;
  return file.engine === undefined || file.engine === engine;
}

/** Checks one target: engine and server agree, a dataset is given. `where` names it in messages. */
function resolveTarget(spec: ResolvedTargetInput, where: string, flagPrefix?: '--'): Omit<TargetRequest, 'label'> {
  const engine = spec.engine ?? 'pglite';
  const url = spec.url;
  const server = ENGINE_KIND_TRAITS[engine].server;
  const example = URL_EXAMPLE[engine];
  if (server && url === undefined) {
    throw new UsageError('USAGE', `engine ${engine} needs a server to create scratch databases on: ${flagPrefix ? `pass --url ${example} or set url in ${where}` : `set url (like ${example}) in ${where}`}`);
  }
  // A URL of the other family would fail later with a driver's protocol error: say it now.
  const urlEngine = url === undefined ? undefined : engineOfUrl(url);
  if (server && urlEngine !== undefined && urlEngine !== engine) {
    throw new UsageError('USAGE', `engine ${engine} needs a ${engine} server, but the url is a ${urlEngine} one (${redactUrl(url!)}): ${flagPrefix ? `pass --engine ${urlEngine}, or a url like ${example}` : `set engine: ${urlEngine} or a url like ${example} in ${where}`}`);
  }
  if (spec.dataset?.path === undefined) {
    throw new UsageError('USAGE', flagPrefix ? `no dataset: pass --dataset FILE (a pg_dump plain-SQL dump or a seed script) or set dataset.path in ${where}` : `no dataset: set dataset.path in ${where} or at the top level`);
  }
  const version = spec.dataset.version;
  return {
    engine,
    url,
    dataset: version === undefined ? { path: spec.dataset.path } : { path: spec.dataset.path, version },
    productionRows: spec.productionRows ?? {},
  };
}

/**
 * Labels: the given name, else the engine with the server's host (`postgres@db:5432`, the label
 * history has always used), else that plus the dataset's file name where two would be equal.
 */
function labelled(targets: Omit<TargetRequest, 'label'>[], names: (string | undefined)[]): TargetRequest[] {
  const base = targets.map((t, i) => names[i] ?? defaultLabel(t));
  const clash = (label: string) => base.filter((l) => l === label).length > 1;
  const labels = base.map((label, i) => (names[i] === undefined && clash(label) ? `${label} ${basename(targets[i]!.dataset.path)}` : label));
  labels.forEach((label, i) => {
    const j = labels.indexOf(label);
    if (j !== i) throw new UsageError('USAGE', `targets[${j}] and targets[${i}] would both be called ${JSON.stringify(label)}: give them a name`);
  });
  return targets.map((t, i) => ({ label: labels[i]!, ...t }));
}

export function defaultLabel(target: { engine: EngineKind; url?: string }): string {
  if (!target.url) return target.engine;
  try {
    return `${target.engine}@${new URL(redactUrl(target.url)).host}`;
  } catch {
    return target.engine;
  }
}

/** `--target NAME` (repeatable): those targets, in the matrix's order. */
export function pickTargets(targets: TargetRequest[], names: string[]): TargetRequest[] {
  const unknown = names.filter((n) => !targets.some((t) => t.label === n));
  if (unknown.length > 0) {
    throw new UsageError('USAGE', `--target: no target called ${unknown.map((n) => JSON.stringify(n)).join(', ')}; the targets are ${targets.map((t) => JSON.stringify(t.label)).join(', ')}`);
  }
  return targets.filter((t) => names.includes(t.label));
}

/** `"2/3"` → `{ index: 2, total: 3 }`. */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match ? Number(match[1]) : NaN;
  const total = match ? Number(match[2]) : NaN;
  if (!match || !(total >= 1) || !(index >= 1) || index > total) {
    throw new UsageError('USAGE', `--shard: expected INDEX/TOTAL with 1 ≤ INDEX ≤ TOTAL, like 1/3, got ${describeValue(text)}`);
  }
  return { index, total };
}

function checked(flag: string, value: string | undefined, problem: (value: string) => string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const message = problem(value);
  if (message !== undefined) throw new UsageError('USAGE', `${flag}: ${message}`);
  return value;
}

function nonEmpty(flag: string, value: string | undefined, expected: string): string | undefined {
  if (value !== undefined && value.trim() === '') throw new UsageError('USAGE', `${flag}: expected ${expected}, got ${describeValue(value)}`);
  return value;
}
