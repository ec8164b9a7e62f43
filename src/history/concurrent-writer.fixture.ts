// Test fixture (sqlite-store.test.ts): one process recording `runs` runs of `rows` rows each into
// the SQLite history at argv[2], as a concurrent `rehearse run` would.
import { openSqliteStore } from './sqlite-store.ts';
import { sampleRow } from './test-rows.ts';

const [path, tag, runs, rows] = process.argv.slice(2);
const store = (await openSqliteStore(path!, { create: true }))!;
for (let r = 0; r < Number(runs); r++) {
  await store.record(Array.from({ length: Number(rows) }, (_, i) => sampleRow({ runId: `${tag}-${r}`, migration: `000${i}_m` })));
}
await store.close();
