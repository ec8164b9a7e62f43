import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { shardTargets } from '../report/report.ts';
import { parseShard, pickTargets, resolveTargets } from './targets.ts';
import type { ResolvedConfigFile } from './types.ts';

const cwd = '/repo';

function config(fields: Partial<ResolvedConfigFile> = {}): ResolvedConfigFile {
  return { file: '/repo/rehearse.config.yaml', limits: {}, perMigrationLimits: {}, severity: {}, ...fields };
}

function message(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('resolveTargets', () => {
  const top = config({
    engine: 'postgres',
    url: 'postgres://ci@db:5432/postgres',
    dataset: { path: '/repo/seed.sql', version: '0004' },
    productionRows: { orders: 1_000_000 },
  });

  it('fills each target in from the top level, the url only for the top level engine', () => {
    const targets = resolveTargets({ ...top, targets: [{}, { engine: 'sqlite' }, { engine: 'mysql', url: 'mysql://root@db2:3306/' }, { name: 'small', dataset: { path: '/repo/small.sql' } }] }, {}, cwd);
    expect(targets).toEqual([
      { label: 'postgres@db:5432', engine: 'postgres', url: 'postgres://ci@db:5432/postgres', dataset: { path: '/repo/seed.sql', version: '0004' }, productionRows: { orders: 1_000_000 } },
      { label: 'sqlite', engine: 'sqlite', url: undefined, dataset: { path: '/repo/seed.sql', version: '0004' }, productionRows: { orders: 1_000_000 } },
      { label: 'mysql@db2:3306', engine: 'mysql', url: 'mysql://root@db2:3306/', dataset: { path: '/repo/seed.sql', version: '0004' }, productionRows: { orders: 1_000_000 } },
      // A target's dataset path replaces the top level's dataset whole: the version went with the other file.
      { label: 'small', engine: 'postgres', url: 'postgres://ci@db:5432/postgres', dataset: { path: '/repo/small.sql' }, productionRows: { orders: 1_000_000 } },
    ]);
  });

  it('keeps the top level dataset with a target version alone', () => {
    const [t] = resolveTargets({ ...top, targets: [{ dataset: { version: '0006' } }] }, {}, cwd);
    expect(t!.dataset).toEqual({ path: '/repo/seed.sql', version: '0006' });
  });

  it('tells apart two unnamed targets of one engine by their datasets, and asks for names when that is not enough', () => {
    const two = resolveTargets(config({ targets: [{ dataset: { path: '/repo/a.sql' } }, { dataset: { path: '/repo/b.sql' } }] }), {}, cwd);
    expect(two.map((t) => t.label)).toEqual(['pglite a.sql', 'pglite b.sql']);
    expect(message(() => resolveTargets(config({ dataset: { path: '/repo/a.sql' }, targets: [{}, {}] }), {}, cwd))).toBe(
      'targets[0] and targets[1] would both be called "pglite a.sql": give them a name',
    );
    // A name wins over another target's default label, which then takes its dataset's name.
    expect(resolveTargets(config({ dataset: { path: '/repo/a.sql' }, targets: [{ name: 'sqlite' }, { engine: 'sqlite' }] }), {}, cwd).map((t) => t.label)).toEqual(['sqlite', 'sqlite a.sql']);
  });

  it('names the target at fault', () => {
    expect(message(() => resolveTargets(config({ dataset: { path: '/repo/a.sql' }, targets: [{}, { engine: 'postgres' }] }), {}, cwd))).toBe(
      'engine postgres needs a server to create scratch databases on: set url (like postgres://user@host:5432/postgres) in targets[1] of /repo/rehearse.config.yaml',
    );
    expect(message(() => resolveTargets(config({ targets: [{ engine: 'sqlite' }] }), {}, cwd))).toBe('no dataset: set dataset.path in targets[0] of /repo/rehearse.config.yaml or at the top level');
    expect(message(() => resolveTargets(config({ dataset: { path: '/repo/a.sql' }, targets: [{ engine: 'mysql', url: 'postgres://u:pw@db/x' }] }), {}, cwd))).toBe(
      'engine mysql needs a mysql server, but the url is a postgres one (postgres://u:***@db/x): set engine: postgres or a url like mysql://user@host:3306/ in targets[0] of /repo/rehearse.config.yaml',
    );
  });

  it('makes the flags one target of their own, and says so', () => {
    const notes: string[] = [];
    const targets = resolveTargets({ ...top, targets: [{}, { engine: 'sqlite' }] }, { engine: 'sqlite', dataset: 'other.sql' }, cwd, (l) => notes.push(l));
    expect(targets).toEqual([{ label: 'sqlite', engine: 'sqlite', url: undefined, dataset: { path: '/repo/other.sql' }, productionRows: { orders: 1_000_000 } }]);
    expect(notes).toEqual(['rehearse: --engine/--url/--dataset given: the run has the one target they describe instead of the 2 in /repo/rehearse.config.yaml']);
  });
});

describe('pickTargets', () => {
  const targets = resolveTargets(config({ dataset: { path: '/repo/a.sql' }, targets: [{ name: 'pg' }, { name: 'lite', engine: 'sqlite' }, { name: 'pg2' }] }), {}, cwd);
  it('keeps the matrix order', () => {
    expect(pickTargets(targets, ['pg2', 'pg']).map((t) => t.label)).toEqual(['pg', 'pg2']);
  });
  it('lists the targets when a name is unknown', () => {
    expect(message(() => pickTargets(targets, ['lte']))).toBe('--target: no target called "lte"; the targets are "pg", "lite", "pg2"');
  });
});

describe('shards', () => {
  it('parses INDEX/TOTAL and refuses anything else', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, total: 3 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, total: 1 });
    for (const bad of ['0/3', '4/3', '1/0', '1', 'a/b', '1/2/3', '-1/2', '']) {
      expect(message(() => parseShard(bad))).toMatch(/^--shard: expected INDEX\/TOTAL with 1 ≤ INDEX ≤ TOTAL, like 1\/3, got /);
    }
  });

  it('gives every target to exactly one shard, round robin in matrix order', () => {
    const matrix = ['a', 'b', 'c', 'd', 'e'];
    expect([1, 2].map((index) => shardTargets(matrix, { index, total: 2 }))).toEqual([['a', 'c', 'e'], ['b', 'd']]);
    for (const total of [1, 2, 3, 5, 7]) {
      const shards = Array.from({ length: total }, (_, i) => shardTargets(matrix, { index: i + 1, total }));
      expect(shards.flat().sort()).toEqual(matrix);
    }
    // More shards than targets: the extra shards have none (and still write a blob).
    expect(shardTargets(matrix, { index: 7, total: 7 })).toEqual([]);
  });
});
