// What only the server engine does: leftover cleanup, connection failures, markers.

import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEngine } from '../../../test/helpers/engines.ts';
import { EnvironmentError } from '../../errors.ts';
import { PostgresServerEngine } from './server-engine.ts';
import { scratchMarker } from './scratch-name.ts';

test('an unreachable server is an EnvironmentError naming the redacted URL and the reason, without the password', async () => {
  const engine = new PostgresServerEngine('postgres://rehearse:hunter2@127.0.0.1:1/postgres');
  const started = Date.now();
  const error = await engine.open().catch((e: unknown) => e);
  expect(Date.now() - started).toBeLessThan(11_000);
  expect(error).toBeInstanceOf(EnvironmentError);
  expect((error as EnvironmentError).code).toBe('ENGINE_UNREACHABLE');
  const message = (error as Error).message;
  expect(message).toContain('postgres://rehearse:***@127.0.0.1:1/postgres');
  expect(message).toContain('ECONNREFUSED');
  expect(message).not.toContain('hunter2');
  expect(String((error as Error).cause)).not.toContain('hunter2');
  await engine.close();
});

describeEngine('postgres', ({ url }) => {
  /** A plain client on the test server, for setting up what an engine must find (test-only writes). */
  let setup: pg.Client;

  beforeAll(async () => {
    setup = new pg.Client({ connectionString: url });
    await setup.connect();
  });

  afterAll(async () => {
    await setup.end();
  });

  test('a database that does not exist is reported with the server reason', async () => {
    const missing = new URL(url!);
    missing.pathname = '/rehearse_no_such_database';
    const error = await new PostgresServerEngine(missing.href).open().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ENGINE_UNREACHABLE' });
    expect((error as Error).message).toMatch(/does not exist \(SQLSTATE 3D000\)/);
  });

  test('open() removes leftovers of dead processes on this host, and nothing else', async () => {
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const started = new Date(Date.now() - 60_000);
    const stamp = started.toISOString().replace(/\D/g, '').slice(0, 14);
    const leftover = `rehearse_${stamp}_${deadPid}_dead_crashed`;
    const live = `rehearse_${stamp}_${process.pid}_a11e_running`;
    const lookalike = 'rehearse_keep_me';
    for (const [name, pid] of [[leftover, deadPid], [live, process.pid]] as const) {
      await setup.query(`CREATE DATABASE ${name}`);
      await setup.query(`COMMENT ON DATABASE ${name} IS '${scratchMarker({ host: hostname(), pid, started })}'`);
    }
    await setup.query(`CREATE DATABASE ${lookalike}`);
    try {
      const engine = new PostgresServerEngine(url!);
      const { removedLeftovers } = await engine.open();
      await engine.close();
      expect(removedLeftovers).toContain(leftover);
      expect(removedLeftovers).not.toContain(live);
      const { rows } = await setup.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY ($1) ORDER BY 1', [
        [leftover, live, lookalike],
      ]);
      expect(rows.map((r) => r.datname)).toEqual([live, lookalike]);
    } finally {
      for (const name of [leftover, live, lookalike]) await setup.query(`DROP DATABASE IF EXISTS ${name}`);
    }
  });

  test('scratch databases carry the marker, sessions say they are rehearse', async () => {
    const engine = new PostgresServerEngine(url!);
    await engine.open();
    try {
      const db = await engine.createScratch('marked');
      const session = await engine.connect(db);
      const { rows } = await setup.query<{ comment: string; application_name: string; encoding: string }>(
        `SELECT shobj_description(d.oid, 'pg_database') AS comment, a.application_name, pg_encoding_to_char(d.encoding) AS encoding
           FROM pg_database d JOIN pg_stat_activity a ON a.datid = d.oid
          WHERE d.datname = $1 AND a.pid = $2`,
        [db.name, session.backendPid],
      );
      expect(rows).toHaveLength(1);
      expect(JSON.parse(rows[0]!.comment)).toMatchObject({ rehearse: 1, host: hostname(), pid: process.pid });
      expect(rows[0]!.application_name).toBe('rehearse');
      expect(rows[0]!.encoding).toBe('UTF8');
    } finally {
      await engine.close();
    }
  });
});
