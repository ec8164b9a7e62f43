// A restored pg_dump re-parses every deparsed expression, and some come back as a different tree
// (an IN list on varchar). The dataset's constraint then reads differently from the migrations'
// without being different: schema-drift must not call it drift.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEachEngine } from '../../test/helpers/engines.ts';
import type { Engine, Session } from '../engines/engine.ts';
import { dialectParts } from '../rehearsal/dialect-parts.ts';
import { sourceModule } from '../migrations/sources/registry.ts';
import { diffSchemas } from './diff.ts';

const TABLE = "CREATE TABLE checks (id int PRIMARY KEY, state varchar(10) NOT NULL DEFAULT 'pending', CONSTRAINT checks_state_valid CHECK (state IN ('pending', 'fail')))";

describeEachEngine(({ create }) => {
  let engine: Engine;
  const sessions: Session[] = [];
  const { observer } = dialectParts('postgres', sourceModule('golang-migrate'));

  beforeAll(async () => {
    engine = create();
    await engine.open();
    for (const purpose of ['migrations', 'dataset']) sessions.push(await engine.connect(await engine.createScratch(purpose)));
    const [migrations, dataset] = sessions as [Session, Session];
    await migrations.exec(TABLE);
    // What pg_dump writes: the table, then the constraint from its deparsed definition.
    const { rows } = await migrations.query<{ def: string }>("SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'checks_state_valid'");
    await dataset.exec("CREATE TABLE checks (id int PRIMARY KEY, state varchar(10) NOT NULL DEFAULT 'pending')");
    await dataset.exec(`ALTER TABLE checks ADD CONSTRAINT checks_state_valid ${rows[0]!.def}`);
  });
  afterAll(async () => {
    for (const s of sessions) await s.close();
    await engine.close();
  });

  test('a CHECK restored from its deparsed text is no difference, though it reads differently', async () => {
    const [migrations, dataset] = await Promise.all(sessions.map((s) => observer.schema(s)));
    const before = migrations!.tables.checks!.constraints.checks_state_valid;
    const after = dataset!.tables.checks!.constraints.checks_state_valid;
    // The premise: the text really differs (otherwise this test proves nothing).
    expect(after).not.toBe(before);
    expect(diffSchemas(migrations!, dataset!, { expected: 'the migrations', actual: 'the dataset' })).toEqual([]);
  });
});
