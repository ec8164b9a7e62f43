// What only the PGlite engine does: one session per database, sessions that end like backends,
// and a worker that loads however rehearse is started.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEngine } from '../../../test/helpers/engines.ts';
import { PgliteEngine } from './pglite-engine.ts';

describeEngine('pglite', () => {
  let engine: PgliteEngine;

  beforeAll(async () => {
    engine = new PgliteEngine();
    await engine.open();
  });

  afterAll(async () => {
    await engine.close();
  });

  test('a second session on the same database is refused, naming the capability', async () => {
    const db = await engine.createScratch('single');
    const first = await engine.connect(db);
    await expect(engine.connect(db)).rejects.toThrow(/concurrentSessions/);
    await first.close();
    const second = await engine.connect(db);
    await second.close();
    await engine.dropScratch(db);
  });

  test('closing a session ends it like a backend: open transaction rolled back, settings and temp tables gone', async () => {
    const db = await engine.createScratch('reset');
    const session = await engine.connect(db);
    const { rows: defaults } = await session.query<{ search_path: string }>("SELECT current_setting('search_path') AS search_path");
    await session.exec("CREATE TABLE kept (id int); SELECT pg_catalog.set_config('search_path', '', false)");
    await session.exec('CREATE TEMP TABLE scratchpad (id int); BEGIN; CREATE TABLE public.uncommitted (id int)');
    await session.close();
    const next = await engine.connect(db);
    const { rows } = await next.query(
      `SELECT current_setting('search_path') AS search_path,
              to_regclass('public.kept') IS NOT NULL AS kept,
              to_regclass('public.uncommitted') IS NOT NULL AS uncommitted,
              (SELECT count(*)::int FROM pg_class WHERE relname = 'scratchpad') AS temp_tables`,
    );
    expect(rows).toEqual([{ search_path: defaults[0]!.search_path, kept: true, uncommitted: false, temp_tables: 0 }]);
    await next.close();
    await engine.dropScratch(db);
  });

  // Workers do not inherit the tsx loader; the worker is plain JavaScript so this must just work.
  test('the PGlite worker starts when rehearse runs under `node --import tsx`', async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const script = `
      import { PgliteEngine } from './src/engines/pglite/pglite-engine.ts';
      const engine = new PgliteEngine();
      const info = await engine.open();
      const db = await engine.createScratch('tsx');
      const session = await engine.connect(db);
      const { rows } = await session.query('SELECT 6 * 7 AS answer');
      await engine.close();
      console.log(JSON.stringify({ version: info.serverVersion, rows }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root });
    expect(JSON.parse(stdout)).toMatchObject({ version: expect.stringMatching(/PGlite/), rows: [{ answer: 42 }] });
  });
});
