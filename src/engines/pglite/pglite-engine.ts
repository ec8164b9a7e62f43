// The PGlite engine: PostgreSQL compiled to WASM, in process, nothing to install. Each scratch
// database is its own in-memory PGlite instance in its own worker thread (see pglite-worker.mjs).
//
// Differences from a server, as capabilities: one connection per database (no lock monitor or
// traffic probes next to a migration), and no statement cancel — `interrupt` terminates the
// worker, which destroys that scratch database.

import { EnvironmentError, UsageError } from '../../errors.ts';
import { DatabaseError, type Engine, type EngineCapabilities, type EngineInfo, type ScratchDatabase, type Session } from '../engine.ts';
import { scratchDatabaseName } from '../postgres/scratch-name.ts';
import { readCachedEmptyDataDir, writeCachedEmptyDataDir } from './empty-data-dir-cache.ts';
import { PgliteInstance } from './pglite-instance.ts';
import { PgliteSession } from './pglite-session.ts';

/**
 * How a data directory travels to a clone. Uncompressed is the faster: cloning a 101 MB database
 * (a 155 MB tarball) took 2.4–3.5 s uncompressed and 4.4–4.5 s with gzip, whose compression costs
 * more than the copying it saves; the tarball lives only between the dump and the new worker's start.
 */
const CLONE_COMPRESSION = 'none';

interface ScratchEntry {
  db: ScratchDatabase;
  instance: PgliteInstance;
  /** PGlite's single backend keeps one pid for its whole life. */
  backendPid: number;
  session: PgliteSession | undefined;
}

export class PgliteEngine implements Engine {
  readonly kind = 'pglite' as const;
  readonly dialect = 'postgres' as const;
  readonly capabilities: EngineCapabilities = {
    concurrentSessions: false,
    cancelStatement: false,
    transactionalDdl: true,
    walPosition: true,
    tableCounters: true,
  };
  readonly location = 'pglite (in-process)';

  #opening: Promise<EngineInfo & { removedLeftovers: string[] }> | undefined;
  #closing: Promise<void> | undefined;
  /**
   * The data directory of a freshly initialised instance (gzip: it is kept for the whole run and
   * copied for every new database). Starting from it skips initdb, which costs more than a load.
   */
  #emptyDataDir: ArrayBuffer | undefined;
  readonly #scratch = new Map<string, ScratchEntry>();

  open(): Promise<EngineInfo & { removedLeftovers: string[] }> {
    this.#opening ??= this.#open();
    return this.#opening;
  }

  async #open(): Promise<EngineInfo & { removedLeftovers: string[] }> {
    const cached = await readCachedEmptyDataDir();
    let probe: PgliteInstance;
    try {
      // The probe's copy of the cached directory is transferred to its worker: keep the original.
      probe = await PgliteInstance.start('the initial PGlite instance', cached?.slice(0));
    } catch (error) {
      throw new EnvironmentError('ENGINE_FAILED', `cannot start PGlite: ${(error as Error).message}`, { cause: error });
    }
    try {
      const { rows } = await probe.call('query', {
        sql: "SELECT pg_catalog.version() AS version, pg_catalog.current_setting('server_version_num') AS num",
        params: undefined,
      });
      const row = rows[0] as { version: string; num: string };
      if (cached) {
        this.#emptyDataDir = cached;
      } else {
        this.#emptyDataDir = await probe.call('dumpDataDir', { compression: 'gzip' });
        await writeCachedEmptyDataDir(this.#emptyDataDir);
      }
      return {
        // "PostgreSQL 18.6 (PGlite 0.5.16) on wasm32-unknown-emscripten, …" → "PostgreSQL 18.6 (PGlite 0.5.16)"
        serverVersion: /^PostgreSQL \S+(?: \(PGlite [^)]*\))?/.exec(row.version)?.[0] ?? row.version,
        serverVersionNum: Number(row.num),
        // Nothing outlives the process: instances are in memory.
        removedLeftovers: [],
      };
    } finally {
      const done = new Error('the initial PGlite instance has done its work (version and empty data directory)');
      await probe.stop(done, done);
    }
  }

  async createScratch(purpose: string): Promise<ScratchDatabase> {
    const empty = this.#assertOpen();
    return this.#start(purpose, empty.slice(0));
  }

  async cloneScratch(source: ScratchDatabase, purpose: string): Promise<ScratchDatabase> {
    this.#assertOpen();
    const entry = this.#owned(source, 'clone');
    // Same rule as on a server (CREATE DATABASE … TEMPLATE): nobody may be connected to the source,
    // so the clone cannot catch a transaction half done.
    if (entry.session) {
      throw new EnvironmentError('ENGINE_FAILED', `cannot clone ${source.name}: a session is still connected to it; close it first`);
    }
    const dataDir = await entry.instance.call('dumpDataDir', { compression: CLONE_COMPRESSION });
    return this.#start(purpose, dataDir);
  }

  async #start(purpose: string, dataDir: ArrayBuffer): Promise<ScratchDatabase> {
    const db: ScratchDatabase = { name: scratchDatabaseName(purpose), purpose };
    let instance: PgliteInstance | undefined;
    try {
      instance = await PgliteInstance.start(db.name, dataDir);
      const { rows } = await instance.call('query', { sql: 'SELECT pg_catalog.pg_backend_pid() AS pid', params: undefined });
      this.#scratch.set(db.name, { db, instance, backendPid: Number((rows[0] as { pid: number }).pid), session: undefined });
      return db;
    } catch (error) {
      const failed = new EnvironmentError('ENGINE_FAILED', `cannot start PGlite for ${db.name}: ${(error as Error).message}`, { cause: error });
      await instance?.stop(failed, failed);
      throw failed;
    }
  }

  async connect(db: ScratchDatabase): Promise<Session> {
    const entry = this.#owned(db, 'connect to');
    if (entry.session) {
      throw new EnvironmentError(
        'ENGINE_FAILED',
        `cannot open a second session on ${db.name}: PGlite has one connection per database ` +
          '(capability concurrentSessions is false); close the open session first',
      );
    }
    const session = new PgliteSession(entry.instance, entry.backendPid, () => {
      if (entry.session === session) entry.session = undefined;
    });
    entry.session = session;
    return session;
  }

  /** PGlite cannot cancel a statement: the worker is terminated and the scratch database is gone. */
  async interrupt(db: ScratchDatabase, session: Session): Promise<void> {
    const entry = this.#owned(db, 'interrupt a session of');
    if (entry.session !== session) throw new Error(`interrupt: that session is not the open session of ${db.name}`);
    await entry.instance.stop(
      // The same SQLSTATE a server reports for a cancelled statement, so callers handle both alike.
      new DatabaseError(`canceling statement: its PGlite instance was stopped, and ${db.name} with it`, '57014'),
      new EnvironmentError(
        'ENGINE_FAILED',
        `scratch database ${db.name} is gone: interrupt() stopped its PGlite instance (capability cancelStatement is false)`,
      ),
    );
  }

  async dropScratch(db: ScratchDatabase): Promise<void> {
    const entry = this.#owned(db, 'drop');
    this.#scratch.delete(db.name);
    const gone = new EnvironmentError('ENGINE_FAILED', `scratch database ${db.name} was dropped`);
    await entry.instance.stop(gone, gone);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#opening?.catch(() => {});
      await Promise.all([...this.#scratch.values()].map(({ db }) => this.dropScratch(db).catch(() => {})));
      this.#emptyDataDir = undefined;
    })();
    return this.#closing;
  }

  #owned(db: ScratchDatabase, action: string): ScratchEntry {
    const entry = this.#scratch.get(db.name);
    if (!entry) {
      throw new UsageError('UNSAFE_TARGET', `refusing to ${action} database "${db.name}": it is not a scratch database of this PGlite engine`);
    }
    return entry;
  }

  #assertOpen(): ArrayBuffer {
    if (!this.#emptyDataDir || this.#closing) {
      throw new EnvironmentError('ENGINE_FAILED', 'the pglite engine is not open (call open() first, and nothing after close())');
    }
    return this.#emptyDataDir;
  }
}
