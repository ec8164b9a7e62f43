import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEachEngine } from '../../test/helpers/engines.ts';
import type { Engine, ScratchDatabase, Session } from '../engines/engine.ts';
import { readTrackingVersion } from './tracking-version.ts';

describeEachEngine(({ create }) => {
  let engine: Engine;
  let db: ScratchDatabase;
  let session: Session;

  beforeAll(async () => {
    engine = create();
    await engine.open();
    db = await engine.createScratch('tracking');
    session = await engine.connect(db);
  });

  afterAll(async () => {
    await session.close();
    await engine.close();
  });

  test('no table: null; a table of another tool (no dirty column): null', async () => {
    expect(await readTrackingVersion(session)).toBeNull();
    await session.exec('CREATE SCHEMA rails; CREATE TABLE rails.schema_migrations (version varchar PRIMARY KEY); SET search_path = rails, public');
    expect(await readTrackingVersion(session)).toBeNull();
    await session.exec('DROP SCHEMA rails CASCADE; RESET search_path');
  });

  test('reads golang-migrate\'s version and dirty flag, also with an empty search_path', async () => {
    await session.exec('CREATE TABLE public.schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)');
    expect(await readTrackingVersion(session)).toEqual({ version: null, dirty: false });
    await session.exec('INSERT INTO public.schema_migrations VALUES (9007199254740993, true)');
    await session.exec("SELECT pg_catalog.set_config('search_path', '', false)");
    // Beyond 2^53: read as text, not rounded through a JS number.
    expect(await readTrackingVersion(session)).toEqual({ version: '9007199254740993', dirty: true });
  });
});
