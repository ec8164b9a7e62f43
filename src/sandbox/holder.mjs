// The sandbox's namespace holder: the first process of the new network namespace (started by
// `unshare`, see namespace.ts), which keeps it alive between commands.
//
// 1. It brings up the loopback interface: a new network namespace has only `lo`, and down.
// 2. For a TCP database it listens on 127.0.0.1:<free port> inside the namespace and hands the
//    listening socket to rehearse over the IPC channel. rehearse accepts the command's connections
//    on it and relays them to the real database: the one way out of the namespace. (A socket keeps
//    the namespace it was created in, whichever process holds it.)
// 3. When rehearse goes — it disconnects on dispose, and the channel closes when it dies, even of
//    SIGKILL — it kills every process left in the namespace, so no command outlives rehearse.
//
// Plain JavaScript on purpose: it runs on the bare Node binary, without rehearse's TypeScript loader.
import { execFileSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import net from 'node:net';

const [ipPath, database] = process.argv.slice(2);

process.on('disconnect', () => {
  killNamespace();
  process.exit(0);
});

function fail(message) {
  process.send({ type: 'failed', message }, () => process.exit(1));
}

function killNamespace() {
  const own = readlinkSync('/proc/self/ns/net');
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) === own) process.kill(pid, 'SIGKILL');
    } catch {
      // Gone, or not ours to see.
    }
  }
}

function main() {
  try {
    execFileSync(ipPath, ['link', 'set', 'lo', 'up'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const said = error.stderr?.toString().trim();
    fail(`cannot bring up the loopback interface in the new network namespace (${ipPath} link set lo up): ${said || error.message}`);
    return;
  }
  if (database !== 'tcp') {
    process.send({ type: 'ready' });
    return;
  }
  const server = net.createServer();
  server.on('error', (error) => fail(`cannot listen on 127.0.0.1 in the new network namespace: ${error.message}`));
  server.listen(0, '127.0.0.1', () => {
    // rehearse gets its own descriptor of the socket; this process's copy is closed once sent.
    process.send({ type: 'ready', port: server.address().port }, server, () => server.close());
  });
}

main();
