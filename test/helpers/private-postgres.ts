// A PostgreSQL server of a test's own: initdb in a temp directory, started with the settings the
// test needs (say `shared_preload_libraries = 'pg_stat_statements'`, which the shared server
// does not load and must not be reconfigured for), stopped and deleted afterwards.
//
//   REHEARSE_TEST_PG_BIN=/usr/lib/postgresql/16/bin   where initdb, pg_ctl and postgres are
//                                                      (default: the newest /usr/lib/postgresql/*/bin)
//
// initdb refuses to run as root: as root, the server's binaries run as the `postgres` OS user
// (`runuser -u postgres --`), in a temp directory that user owns.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication, no password). */
  url: string;
  port: number;
  /** The temp directory: data directory, unix socket, server log. */
  dir: string;
  /** The server's log file (stderr of the postmaster). */
  logFile: string;
  /** `url` with another database. */
  urlFor(database: string): string;
  /** The server log so far. */
  log(): Promise<string>;
  /** Stops the server (immediate shutdown) and deletes the directory. Safe to call twice. */
  stop(): Promise<void>;
}

export interface PrivatePostgresOptions {
  /** Extra postgresql.conf settings, e.g. `{ shared_preload_libraries: "'pg_stat_statements'" }` (values as written in the file). */
  settings?: Record<string, string>;
}

/** Where the PostgreSQL binaries are, or undefined. */
export function postgresBinDir(): string | undefined {
  const given = process.env.REHEARSE_TEST_PG_BIN;
  if (given) return given;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

/** Why a private server cannot be started here (for a test that says the suite did not run), or undefined. */
export function privatePostgresProblem(opts: { extension?: string } = {}): string | undefined {
  const bin = postgresBinDir();
  if (!bin) return 'no PostgreSQL binaries (initdb, pg_ctl) found: install PostgreSQL or set REHEARSE_TEST_PG_BIN';
  for (const tool of ['initdb', 'pg_ctl', 'postgres']) {
    if (!existsSync(join(bin, tool))) return `${join(bin, tool)} is missing`;
  }
  if (opts.extension) {
    const lib = join(bin, '..', 'lib', `${opts.extension}.so`);
    if (!existsSync(lib)) return `the ${opts.extension} module is not installed (${lib})`;
  }
  if (isRoot() && !existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser') && !existsSync('/usr/bin/runuser')) {
    return 'running as root without runuser: initdb cannot run as root';
  }
  return undefined;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Runs a PostgreSQL binary, as the `postgres` OS user when we are root. */
async function pgTool(bin: string, tool: string, args: string[]): Promise<string> {
  const [file, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
  try {
    const { stdout } = await run(file, argv, { timeout: 60_000 });
    return stdout;
  } catch (error) {
    const e = error as Error & { stderr?: string; stdout?: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}`);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** initdb + start. Takes a second or two; stop() it in afterAll. */
export async function startPrivatePostgres(opts: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const problem = privatePostgresProblem();
  if (problem) throw new Error(`cannot start a private PostgreSQL: ${problem}`);
  const bin = postgresBinDir()!;
  const dir = await mkdtemp(join(tmpdir(), 'rehearse-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  let started = false;
  const stop = async () => {
    if (started) {
      started = false;
      await pgTool(bin, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    if (isRoot()) {
      const { uid, gid } = await postgresUser();
      await chown(dir, uid, gid);
    }
    await pgTool(bin, 'initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    const settings: Record<string, string> = {
      listen_addresses: "'127.0.0.1'",
      unix_socket_directories: `'${dir}'`,
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      shared_buffers: "'32MB'",
      max_connections: '20',
      ...opts.settings,
    };
    // Appended as the file's owner would write it; the file stays the postgres user's.
    await appendFile(
      join(data, 'postgresql.conf'),
      `\n# rehearse test settings\n${Object.entries(settings)
        .map(([k, v]) => `${k} = ${v}`)
        .join('\n')}\n`,
    );
    // A port found free may be taken before the server binds it: try another.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        await pgTool(bin, 'pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '60', '-o', `-p ${port}`, 'start']);
      } catch (error) {
        if (attempt < 3 && /already in use|could not bind/i.test(await readFile(logFile, 'utf8').catch(() => ''))) continue;
        throw new Error(`${(error as Error).message}\n${await readFile(logFile, 'utf8').catch(() => '')}`);
      }
      started = true;
      const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(database)}`;
      return { url: urlFor('postgres'), port, dir, logFile, urlFor, log: () => readFile(logFile, 'utf8'), stop };
    }
  } catch (error) {
    await stop();
    throw error;
  }
}
