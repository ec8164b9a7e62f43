// What a sandboxed command can reach: the endpoint, which leads to the database, and nothing else —
// not the database's own port, not another local service, not an abstract Unix socket, not the
// outside world, not the host's namespace by nsenter. The same probe without the sandbox reaches
// them, so the failures are the sandbox's doing. The "database" and "other service" are echo
// servers in this process: always there, and real TCP.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { prepareSandbox, runSandboxed, type DatabaseAddress } from './index.ts';
import { findTool } from './namespace.ts';
import { describeIf, isGone, whySandboxUnavailable } from './testing.ts';

interface Target {
  name: string;
  address: DatabaseAddress;
  /** An echo server: the probe checks its message comes back, not just that the connection opens. */
  echo: boolean;
}

/** Connects to each target in $TARGETS and prints what happened: echoed / connected / an error code. */
const PROBE = `
  const net = require('node:net');
  const probe = (t) => new Promise((resolve) => {
    const a = t.address;
    const socket = net.connect(a.socketPath !== undefined ? { path: a.socketPath } : { host: a.host, port: a.port });
    const done = (outcome) => { socket.destroy(); resolve([t.name, outcome]); };
    socket.setTimeout(5000, () => done('timeout'));
    socket.on('error', (e) => done(e.code));
    socket.on('connect', () => (t.echo ? socket.write('ping') : done('connected')));
    socket.on('data', (d) => done(d.toString() === 'ping' ? 'echoed' : 'answered'));
    socket.on('close', () => done('closed'));
  });
  Promise.all(JSON.parse(process.env.TARGETS).map(probe)).then((r) => console.log(JSON.stringify(Object.fromEntries(r))));`;

const servers: net.Server[] = [];
let dir: string;

async function echoServer(listen: (server: net.Server, ready: () => void) => void): Promise<net.Server> {
  const server = net.createServer((socket) => socket.on('error', () => undefined).pipe(socket));
  await new Promise<void>((resolve) => listen(server, resolve));
  servers.push(server);
  return server;
}

const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;

/** Whether this process can connect to 127.0.0.1:port (a well-known local service running here). */
function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function probe(address: DatabaseAddress, sandbox: boolean, targets: (endpoint: DatabaseAddress) => Target[]): Promise<Record<string, string>> {
  const result = await runSandboxed({
    command: 'node',
    args: ['-e', PROBE],
    cwd: dir,
    env: (endpoint) => ({ TARGETS: JSON.stringify(targets(endpoint)) }),
    database: address,
    sandbox,
    timeoutMs: 60_000,
  });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as Record<string, string>;
}

let database: DatabaseAddress;
let others: Target[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rehearse-isolation-test-'));
  const db = await echoServer((s, ready) => s.listen(0, '127.0.0.1', ready));
  const other = await echoServer((s, ready) => s.listen(0, '127.0.0.1', ready));
  // Abstract Unix sockets have no file: they belong to the network namespace.
  const abstract = `\0rehearse-isolation-test-${process.pid}`;
  await echoServer((s, ready) => s.listen(abstract, ready));
  database = { host: '127.0.0.1', port: portOf(db) };
  others = [
    { name: 'database port directly', address: database, echo: true },
    { name: 'another local service', address: { host: '127.0.0.1', port: portOf(other) }, echo: true },
    { name: 'abstract unix socket', address: { socketPath: abstract }, echo: true },
  ];
  // The machine's own services, where they run (Redis, PostgreSQL, MariaDB in CI).
  for (const [name, port] of [['redis', 6379], ['postgresql', 5432], ['mariadb', 3306]] as const) {
    if (await reachable(port)) others.push({ name: `${name} on 127.0.0.1:${port}`, address: { host: '127.0.0.1', port }, echo: false });
  }
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

test('without the sandbox, the same probe reaches the database and every other service', async () => {
  const outcome = await probe(database, false, (endpoint) => [{ name: 'endpoint', address: endpoint, echo: true }, ...others]);
  expect(outcome).toEqual(Object.fromEntries([['endpoint', 'echoed'], ...others.map((t) => [t.name, t.echo ? 'echoed' : 'connected'])]));
});

describeIf('the sandbox', whySandboxUnavailable(), () => {
  test('reaches the database through its endpoint, and nothing else', async () => {
    const world: Target = { name: 'the outside world', address: { host: '192.0.2.1', port: 80 }, echo: false };
    const outcome = await probe(database, true, (endpoint) => [{ name: 'endpoint', address: endpoint, echo: true }, ...others, world]);
    expect(outcome).toEqual({
      endpoint: 'echoed',
      ...Object.fromEntries(others.map((t) => [t.name, 'ECONNREFUSED'])),
      'the outside world': 'ENETUNREACH',
    });
  });

  test('a command running as root cannot enter the host’s network namespace again', async () => {
    const sandbox = await prepareSandbox({ database, sandbox: true });
    try {
      if (sandbox.isolation !== 'network+user') {
        console.warn(`[rehearse tests] re-entry test did not run: isolation is ${sandbox.isolation} here (no user namespace)`);
        return;
      }
      const target: Target = { name: 'database port directly', address: database, echo: true };
      const result = await sandbox.run({
        command: findTool('nsenter')!,
        args: ['--net=/proc/1/ns/net', '--', process.execPath, '-e', PROBE],
        cwd: dir,
        env: { TARGETS: JSON.stringify([target]) },
      });
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toMatch(/nsenter: .*Permission denied|Operation not permitted/);
      expect(result.stdout).toBe('');
    } finally {
      await sandbox.dispose();
    }
  });

  test('a socket database is reached through a socket of the same name in the sandbox’s directory', async () => {
    const socketPath = join(dir, '.s.PGSQL.5432');
    await echoServer((s, ready) => s.listen(socketPath, ready));
    const sandbox = await prepareSandbox({ database: { socketPath }, sandbox: true });
    try {
      const endpoint = sandbox.endpoint as { socketPath: string };
      expect(basename(endpoint.socketPath)).toBe('.s.PGSQL.5432');
      expect(dirname(endpoint.socketPath)).not.toBe(dir);
      const result = await sandbox.run({
        command: 'node',
        args: ['-e', PROBE],
        cwd: dir,
        env: {
          TARGETS: JSON.stringify([
            { name: 'endpoint', address: endpoint, echo: true },
            // The documented limit: a socket *file* is reached through the shared filesystem.
            { name: 'socket file directly', address: { socketPath }, echo: true },
            ...others,
          ]),
        },
      });
      expect(JSON.parse(result.stdout)).toEqual({
        endpoint: 'echoed',
        'socket file directly': 'echoed',
        ...Object.fromEntries(others.map((t) => [t.name, 'ECONNREFUSED'])),
      });
    } finally {
      await sandbox.dispose();
    }
  });

  test('a database the relay cannot reach is reported by the sandbox', async () => {
    const closed = await echoServer((s, ready) => s.listen(0, '127.0.0.1', ready));
    const address = { host: '127.0.0.1', port: portOf(closed) };
    await new Promise((resolve) => closed.close(resolve));
    const sandbox = await prepareSandbox({ database: address, sandbox: true });
    try {
      expect(sandbox.relayError).toBeUndefined();
      const target = (endpoint: DatabaseAddress): Target[] => [{ name: 'endpoint', address: endpoint, echo: true }];
      const result = await sandbox.run({ command: 'node', args: ['-e', PROBE], cwd: dir, env: { TARGETS: JSON.stringify(target(sandbox.endpoint)) } });
      // The command's connection opens (to the relay) and is closed without an answer: a FIN, or
      // a reset when the relay closes it before reading what the command already sent (a race).
      expect(['closed', 'ECONNRESET']).toContain((JSON.parse(result.stdout) as { endpoint: string }).endpoint);
      expect(sandbox.relayError).toBe(`cannot reach the database at 127.0.0.1:${address.port}: connect ECONNREFUSED 127.0.0.1:${address.port}`);
    } finally {
      await sandbox.dispose();
    }
  });

  test('a daemon that leaves the session and its parent at once still dies: it cannot leave the namespace', async () => {
    const pidFile = join(dir, 'daemon-pid');
    const daemonize = `
      const daemon = require('node:child_process').spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
      require('node:fs').writeFileSync(process.env.PIDFILE, daemon.pid + '\\n');
      process.exit(0);`;
    const result = await runSandboxed({ command: 'node', args: ['-e', daemonize], cwd: dir, env: { PIDFILE: pidFile }, database, sandbox: true });
    expect(result.exitCode).toBe(0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(isGone(pid), `daemon ${pid}`).toBe(true);
  });
});
