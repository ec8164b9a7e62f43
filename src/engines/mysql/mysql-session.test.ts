// LOCAL INFILE on rehearse's MySQL sessions: the dataset restore streams its data through
// `loadLocalInfile`, and nothing else — a migration's LOAD DATA LOCAL INFILE — can make the
// session read a file of this machine.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEngine } from '../../../test/helpers/engines.ts';
import type { Engine, Session } from '../engine.ts';
import type { MysqlSession } from './mysql-session.ts';

describeEngine('mysql', ({ create }) => {
  let engine: Engine;
  let session: Session;
  beforeAll(async () => {
    engine = create();
    await engine.open();
    session = await engine.connect(await engine.createScratch('local-infile'));
    await session.exec('CREATE TABLE loaded (v varchar(200))');
  });
  afterAll(async () => {
    await session?.close();
    await engine?.close();
  });

  test("a migration's LOAD DATA LOCAL INFILE reads no file of this machine", async () => {
    const error = await session.query("LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE loaded").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const { rows } = await session.query<{ n: number }>('SELECT count(*) AS n FROM loaded');
    expect(Number(rows[0]!.n)).toBe(0);
  });

  test('loadLocalInfile loads the stream it is given, whatever file the statement names', async () => {
    const result = await (session as MysqlSession).loadLocalInfile("LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE loaded", () => Readable.from([Buffer.from('a\nb\n'), Buffer.from('c\n')]));
    expect(result).toEqual({ affectedRows: 3, warnings: 0 });
    const { rows } = await session.query<{ v: string }>('SELECT v FROM loaded ORDER BY v');
    expect(rows.map((r) => r.v)).toEqual(['a', 'b', 'c']);
  });
});
