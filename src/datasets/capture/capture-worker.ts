// A capture worker thread: attaches to the capture's exported snapshot on its own connection,
// plans the same anonymization from the same rules and key (the plan is deterministic), and
// captures the tables the main thread hands it, one at a time, until told to finish. Reports each
// table's manifest entry, its log lines, and at the end the leak samples it found.
import { parentPort, workerData } from 'node:worker_threads';
import { createLeakCheck } from '../anonymize/leak-check.ts';
import { planAnonymization } from '../anonymize/plan.ts';
import { loadRules } from '../anonymize/rules.ts';
import { attachPostgresSnapshot } from './postgres-source.ts';
import { selectionFromExport } from './subset.ts';
import { captureTable, type TableContext } from './table-capture.ts';
import type { ToMain, ToWorker, WorkerSetup } from './workers.ts';

const setup = workerData as WorkerSetup;
const port = parentPort!;
const send = (message: ToMain) => port.postMessage(message);

try {
  const rules = setup.shared.rulesPath ? await loadRules(setup.shared.rulesPath) : undefined;
  const key = Buffer.from(setup.shared.key);
  const plan = planAnonymization(rules, setup.shared.tables, setup.shared.foreignKeys, key, { allowUnruledPersonal: setup.shared.allowPersonal });
  const leaks = setup.shared.samples.length > 0 ? createLeakCheck(setup.shared.samples, { ignore: (s) => plan.producedByRules(s) }) : undefined;
  const source = await attachPostgresSnapshot(setup.snapshot, setup.info, setup.shared.tables, setup.shared.foreignKeys);
  const ctx: TableContext = {
    plan,
    selection: setup.shared.selection ? selectionFromExport(setup.shared.selection) : undefined,
    leaks,
    log: (line) => send({ type: 'log', line }),
  };
  port.on('message', (message: ToWorker) => {
    void (async () => {
      try {
        if (message.type === 'finish') {
          await source.close();
          send({ type: 'finished', found: leaks?.found() ?? [] });
          return;
        }
        const table = setup.shared.tables.find((t) => t.name === message.table)!;
        send({ type: 'table', entry: await captureTable(source, table, message.filePath, message.file, ctx) });
      } catch (error) {
        await source.close().catch(() => undefined);
        send({ type: 'error', error: serialize(error) });
      }
    })();
  });
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'error', error: serialize(error) });
}

function serialize(error: unknown): { name: string; code?: string; message: string } {
  const e = error as { name?: string; code?: string; message?: string };
  return { name: e?.name ?? 'Error', ...(typeof e?.code === 'string' ? { code: e.code } : {}), message: e?.message ?? String(error) };
}
