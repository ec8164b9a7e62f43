// Runs an untrusted migration command with no network but the scratch database, a cleared
// environment, and its wall time, exit status, output and peak memory measured. docs/sandbox.md
// says what it does for users; the files here:
//   sandbox.ts        prepareSandbox(): the namespace, the relay, the private directory; run(), dispose()
//   namespace.ts      unshare/nsenter, and the error naming --no-sandbox where it cannot be made
//   holder.mjs        the process inside the namespace: loopback up, the listening socket, cleanup
//   database-relay.ts the one way out, from inside the namespace to the real database
//   run-process.ts    one command: spawn, timeout, abort, output, kill the tree
//   process-tree.ts   the tree from /proc: members, peak memory, kill
//   child-env.ts      the environment from nothing, the executable from its PATH
//   output-tail.ts    the last MiB of each output stream
import { interruptedError } from './run-process.ts';
import { prepareSandbox } from './sandbox.ts';
import type { CommandResult, SandboxedCommand } from './types.ts';

export { defaultPath } from './child-env.ts';
export { prepareSandbox, type Sandbox } from './sandbox.ts';
export type { CommandResult, CommandSpec, DatabaseAddress, Isolation, SandboxedCommand, SandboxOptions } from './types.ts';

/** Prepares a sandbox, runs one command in it and disposes it. */
export async function runSandboxed(command: SandboxedCommand): Promise<CommandResult> {
  if (command.signal?.aborted) throw interruptedError(command.command, command.signal.reason);
  const { database, sandbox: isolated, env, ...spec } = command;
  const sandbox = await prepareSandbox({ database, sandbox: isolated });
  try {
    return await sandbox.run({ ...spec, env: typeof env === 'function' ? env(sandbox.endpoint) : env });
  } finally {
    await sandbox.dispose();
  }
}
