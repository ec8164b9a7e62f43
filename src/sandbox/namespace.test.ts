import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, test } from 'vitest';
import { EnvironmentError, exitCodeFor } from '../errors.ts';
import { findTool, namespaceTools, NetworkNamespace, sandboxUnavailable } from './namespace.ts';
import { describeIf, isGone, REPO_ROOT, waitForFile, whySandboxUnavailable } from './testing.ts';

/** The live processes in the network namespace `id`. */
function processesIn(id: string): number[] {
  return readdirSync('/proc')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0 && !isGone(pid))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/ns/net`) === id;
      } catch {
        return false;
      }
    });
}

test('the unavailable error says why, what the sandbox needs, and names --no-sandbox', () => {
  const error = sandboxUnavailable('unshare --net: Operation not permitted');
  expect(error).toBeInstanceOf(EnvironmentError);
  expect(error.code).toBe('SANDBOX_UNAVAILABLE');
  expect(exitCodeFor(error)).toBe(3);
  expect(error.message).toMatch(/^cannot isolate the migration command from the network: unshare --net: Operation not permitted\. /);
  expect(error.message).toMatch(/util-linux.*iproute2/);
  expect(error.message).toContain('--no-sandbox');
});

test('tools are found by absolute path, or not at all', () => {
  expect(findTool('sh')).toMatch(/^\/.*\/sh$/);
  expect(findTool('rehearse-no-such-tool')).toBeUndefined();
});

describeIf('a network namespace', whySandboxUnavailable(), () => {
  test('is a new one with a holder, entered by fds, and gone with its processes once closed', async () => {
    const namespace = await NetworkNamespace.create(namespaceTools(), 'tcp');
    const holder = namespace.holderPid;
    try {
      expect(namespace.id).toMatch(/^net:\[\d+\]$/);
      expect(namespace.id).not.toBe(readlinkSync('/proc/self/ns/net'));
      expect(readlinkSync(`/proc/${holder}/ns/net`)).toBe(namespace.id);
      expect(namespace.port).toBeGreaterThan(0);
      const launch = namespace.launch('/bin/true', [], {});
      expect(launch.args[0]).toBe('--net=/proc/self/fd/3');
      expect(launch.fds).toHaveLength(namespace.isolation === 'network+user' ? 2 : 1);
    } finally {
      namespace.server?.close();
      await namespace.close();
    }
    expect(isGone(holder)).toBe(true);
    expect(() => namespace.launch('/bin/true', [], {})).toThrow(/disposed/);
  });
});

describeIf('a sandbox whose rehearse dies', whySandboxUnavailable(), () => {
  test('even of SIGKILL: the holder kills what is left in the namespace, and exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-crash-test-'));
    const pidFile = join(dir, 'pid');
    // A rehearse of its own (Node with the TypeScript loader), running a command that sleeps.
    const script = `
      const { prepareSandbox } = await import(${JSON.stringify(new URL('./index.ts', import.meta.url).href)});
      const sandbox = await prepareSandbox({ database: { host: '127.0.0.1', port: 9 }, sandbox: true });
      await sandbox.run({ command: 'sh', args: ['-c', 'echo $$ > "$PIDFILE"; exec sleep 60'], cwd: ${JSON.stringify(dir)}, env: { PIDFILE: ${JSON.stringify(pidFile)} } });`;
    const rehearse = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: 'ignore' });
    const exited = new Promise((resolve) => rehearse.once('exit', resolve));
    let sandboxDir: string | undefined;
    try {
      const command = Number(await waitForFile(pidFile));
      const namespace = readlinkSync(`/proc/${command}/ns/net`);
      // The command's HOME is in the directory the dead rehearse cannot remove: this test does.
      sandboxDir = dirname(/(?:^|\0)HOME=([^\0]*)/.exec(readFileSync(`/proc/${command}/environ`, 'utf8'))![1]!);
      expect(processesIn(namespace).length).toBeGreaterThanOrEqual(2); // the holder and the command
      rehearse.kill('SIGKILL');
      await exited;
      const deadline = performance.now() + 10_000;
      while (processesIn(namespace).length > 0 && performance.now() < deadline) await sleep(50);
      expect(processesIn(namespace)).toEqual([]);
      expect(isGone(command)).toBe(true);
    } finally {
      rehearse.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      if (sandboxDir) rmSync(sandboxDir, { recursive: true, force: true });
    }
  });
});
