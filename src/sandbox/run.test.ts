// One command's run, measured and cleaned up the same way with and without the sandbox: real
// processes (node, sleep), no mocks. Pids come back through files, since an aborted run returns
// no output.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { EnvironmentError, UsageError } from '../errors.ts';
import { defaultPath, prepareSandbox, type CommandSpec, type Sandbox } from './index.ts';
import { describeIf, isGone, sandboxModes, waitForFile } from './testing.ts';

const MiB = 1024 * 1024;
/** Allocates 200 MiB and touches every page (alloc fills), then holds it for 400 ms. */
const ALLOCATE = 'const b = Buffer.alloc(200 * 2 ** 20, 1); setTimeout(() => console.log(b[0]), 400)';
/** Writes `pid child-pid daemon-pid` to $PIDFILE: a `sleep` in its process group and one in a session of its own. */
const SPAWN_SLEEPERS = `
  const { spawn } = require('node:child_process');
  const inGroup = spawn('sleep', ['60'], { stdio: 'ignore' });
  const ownSession = spawn('sleep', ['60'], { stdio: 'ignore', detached: true });
  require('node:fs').writeFileSync(process.env.PIDFILE, process.pid + ' ' + inGroup.pid + ' ' + ownSession.pid + '\\n');`;

for (const mode of sandboxModes()) {
  describeIf(`a command run ${mode.name}`, mode.reason, () => {
    let sandbox: Sandbox;
    let dir: string;
    let files = 0;
    const pidFile = () => join(dir, `pids-${++files}`);
    const node = (script: string, more: Partial<CommandSpec> = {}): CommandSpec => ({ command: 'node', args: ['-e', script], cwd: dir, env: {}, ...more });
    const pids = (text: string) => text.trim().split(' ').map(Number);

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'rehearse-sandbox-test-'));
      // No command here connects to the database: the relay never dials it.
      sandbox = await prepareSandbox({ database: { host: '127.0.0.1', port: 9 }, sandbox: mode.sandbox });
    });

    afterAll(async () => {
      await sandbox?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    test('the environment is what the caller gives over PATH, HOME and LANG, nothing of rehearse’s', async () => {
      process.env.REHEARSE_SANDBOX_TEST_SECRET = 'hunter2';
      try {
        const result = await sandbox.run(node('console.log(JSON.stringify(process.env))', { env: { GIVEN: 'yes' } }));
        expect(result.exitCode).toBe(0);
        expect(JSON.parse(result.stdout)).toEqual({ GIVEN: 'yes', PATH: defaultPath(), HOME: sandbox.home, LANG: 'C.UTF-8' });
        expect(existsSync(sandbox.home)).toBe(true);
      } finally {
        delete process.env.REHEARSE_SANDBOX_TEST_SECRET;
      }
    });

    test('exit status, signal, output and duration are reported', async () => {
      const failed = await sandbox.run(node('console.log("out"); console.error("err"); process.exit(3)'));
      expect(failed).toMatchObject({ exitCode: 3, signal: null, timedOut: false, stdout: 'out\n', stderr: 'err\n', truncatedBytes: { stdout: 0, stderr: 0 } });
      expect(failed.durationMs).toBeGreaterThan(0);
      expect(failed.databaseEndpoint).toEqual(sandbox.endpoint);
      const killed = await sandbox.run(node('process.kill(process.pid, "SIGTERM"); setTimeout(() => {}, 5000)'));
      expect(killed).toMatchObject({ exitCode: null, signal: 'SIGTERM', timedOut: false });
    });

    test('output over the limit keeps its end and says what was dropped', async () => {
      const result = await sandbox.run(node('process.stdout.write("x".repeat(5000) + "END"); process.stderr.write("e")', { outputLimitBytes: 1000 }));
      expect(result.truncatedBytes).toEqual({ stdout: 4003, stderr: 0 });
      expect(result.stdout).toBe(`[rehearse: stdout truncated, the first 4003 of 5003 bytes were dropped]\n${'x'.repeat(997)}END`);
      expect(result.stderr).toBe('e');
    });

    test('the timeout kills the whole tree, a child in a session of its own too', async () => {
      const file = pidFile();
      const result = await sandbox.run(node(`${SPAWN_SLEEPERS} setInterval(() => {}, 1000)`, { env: { PIDFILE: file }, timeoutMs: 3000 }));
      expect(result).toMatchObject({ exitCode: null, signal: 'SIGKILL', timedOut: true });
      expect(result.durationMs).toBeGreaterThanOrEqual(2900);
      const tree = pids(readFileSync(file, 'utf8'));
      expect(tree).toHaveLength(3);
      for (const pid of tree) expect(isGone(pid), `pid ${pid}`).toBe(true);
    });

    test('an abort kills the whole tree and rejects as interrupted', async () => {
      const file = pidFile();
      const controller = new AbortController();
      const run = sandbox.run(node(`${SPAWN_SLEEPERS} setInterval(() => {}, 1000)`, { env: { PIDFILE: file }, signal: controller.signal }));
      const tree = pids(await waitForFile(file));
      controller.abort();
      await expect(run).rejects.toMatchObject({ name: 'EnvironmentError', code: 'INTERRUPTED' });
      for (const pid of tree) expect(isGone(pid), `pid ${pid}`).toBe(true);
      // Already aborted: nothing starts.
      await expect(sandbox.run(node('0', { signal: controller.signal }))).rejects.toBeInstanceOf(EnvironmentError);
    });

    test('what the command leaves running is killed when it exits', async () => {
      const file = pidFile();
      // Exiting 200 ms later, after a sample saw the children. (Without the sandbox, a process that
      // leaves the session *and* loses its parent between two samples escapes: isolation.test.ts.)
      const result = await sandbox.run(node(`${SPAWN_SLEEPERS} setTimeout(() => process.exit(0), 200)`, { env: { PIDFILE: file } }));
      expect(result).toMatchObject({ exitCode: 0, timedOut: false });
      for (const pid of pids(readFileSync(file, 'utf8'))) expect(isGone(pid), `pid ${pid}`).toBe(true);
    });

    test('peak memory counts what the command allocates', async () => {
      const result = await sandbox.run(node(ALLOCATE));
      expect(result.exitCode).toBe(0);
      expect(result.peakRssBytes).toBeGreaterThanOrEqual(150 * MiB);
      expect(result.peakRssBytes).toBeLessThan(1024 * MiB);
    });

    test('peak memory counts a grandchild', async () => {
      const result = await sandbox.run(node(`require('node:child_process').execFileSync(process.execPath, ['-e', ${JSON.stringify(ALLOCATE)}], { stdio: 'inherit' })`));
      expect(result.exitCode).toBe(0);
      expect(result.peakRssBytes).toBeGreaterThanOrEqual(150 * MiB);
    });

    test('a small command is charged its own memory only', async () => {
      const result = await sandbox.run(node('setTimeout(() => {}, 300)'));
      expect(result.peakRssBytes).toBeGreaterThan(5 * MiB);
      expect(result.peakRssBytes).toBeLessThan(150 * MiB);
    });

    test('a missing executable or directory is a usage error, and one command runs at a time', async () => {
      await expect(sandbox.run({ command: 'no-such-migrate-tool', args: [], cwd: dir, env: {} })).rejects.toThrow(UsageError);
      await expect(sandbox.run(node('0', { cwd: join(dir, 'missing') }))).rejects.toThrow(/working directory/);
      const first = sandbox.run(node('setTimeout(() => {}, 200)'));
      await expect(sandbox.run(node('0'))).rejects.toThrow(/one command at a time/);
      expect((await first).exitCode).toBe(0);
    });

    test('disposing kills the running command and removes the private directory', async () => {
      const own = await prepareSandbox({ database: { host: '127.0.0.1', port: 9 }, sandbox: mode.sandbox });
      const file = pidFile();
      const run = own.run(node(`${SPAWN_SLEEPERS} setInterval(() => {}, 1000)`, { env: { PIDFILE: file } }));
      const tree = pids(await waitForFile(file));
      const interrupted = expect(run).rejects.toMatchObject({ code: 'INTERRUPTED' });
      await own.dispose();
      await interrupted;
      for (const pid of tree) expect(isGone(pid), `pid ${pid}`).toBe(true);
      expect(existsSync(own.home)).toBe(false);
      await expect(own.run(node('0'))).rejects.toThrow(/disposed/);
    });
  });
}
