import { describe, expect, it } from 'vitest';
import { compareHistory } from '../migrations/history.ts';
import type { Migration } from '../migrations/migration.ts';
import { prepareMigrations } from '../migrations/prepare.ts';
import { historyEvidence, lookUpVersion, planScenario, versionAfterRollback, type BaseMigrations } from './scenario-plan.ts';

const m = (version: string, name: string, up = `CREATE TABLE t${version} (id int);`): Migration => ({
  version,
  versionNumber: BigInt(version),
  name,
  id: `${version}_${name}`,
  up: { path: `migrations/${version}_${name}.up.sql`, sql: up },
  down: { path: `migrations/${version}_${name}.down.sql`, sql: `DROP TABLE t${version};` },
});
const prep = (list: Migration[]) => prepareMigrations(list, { dialect: 'postgres' });

async function base(baseList: Migration[], headList: Migration[]) {
  const b = await prep(baseList);
  const head = await prep(headList);
  const revision = { rev: 'origin/main', commit: 'c'.repeat(40), root: '/repo', dir: 'migrations' };
  return { head, base: { revision, migrations: b, comparison: compareHistory(b, head) } satisfies BaseMigrations };
}

describe('planScenario', () => {
  it('without a base: history up to the dataset, the change above it', async () => {
    const head = await prep([m('1', 'a'), m('2', 'b'), m('3', 'c')]);
    const plan = planScenario(head, undefined, 2n);
    expect([plan.history, plan.trunk, plan.change].map((l) => l.map((x) => x.id))).toEqual([['1_a', '2_b'], [], ['3_c']]);
  });

  it("with a base: history and trunk from the base's files, the change is what the head adds, out-of-order ones included", async () => {
    const { head, base: b } = await base([m('1', 'a'), m('2', 'b'), m('5', 'e')], [m('1', 'a', 'CREATE TABLE edited (id int);'), m('2', 'b'), m('4', 'd'), m('5', 'e'), m('6', 'f')]);
    const plan = planScenario(head, b, 2n);
    expect([plan.history, plan.trunk, plan.change].map((l) => l.map((x) => x.id))).toEqual([['1_a', '2_b'], ['5_e'], ['4_d', '6_f']]);
    expect(plan.history[0]?.up.sql).toBe('CREATE TABLE t1 (id int);');
    const evidence = historyEvidence(b, plan, lookUpVersion(head, b, '2'));
    expect(evidence.outOfOrder).toEqual([{ migration: '4_d', version: '4', below: '5_e', belowSource: 'base', file: 'migrations/4_d.up.sql' }]);
    expect(evidence.rewritten).toMatchObject([{ migration: '1_a', change: 'edited', appliedBecause: 'dataset' }]);
  });

  it("calls a new version at or below the dataset's out of order too", async () => {
    const { head, base: b } = await base([m('1', 'a')], [m('1', 'a'), m('3', 'c')]);
    // A dump at version 3 of a migration the base never had: production is ahead of the base.
    const plan = planScenario(head, b, 3n);
    expect(historyEvidence(b, plan, lookUpVersion(head, b, '3')).outOfOrder).toMatchObject([{ migration: '3_c', belowSource: 'dataset' }]);
  });

  it('rolls back to the newest version still applied after each down', async () => {
    const { head, base: b } = await base([m('1', 'a'), m('5', 'e')], [m('1', 'a'), m('4', 'd'), m('5', 'e'), m('6', 'f')]);
    const plan = planScenario(head, b, 1n);
    expect(versionAfterRollback(plan, new Set(['6_f']))).toBe(5n);
    expect(versionAfterRollback(plan, new Set(['6_f', '4_d']))).toBe(5n);
    expect(versionAfterRollback(planScenario(head, undefined, 0n), new Set(head.map((x) => x.id)))).toBeNull();
  });
});
