// What `rehearse run` does with history: load learned limits before the run, record the report
// after it. Neither ever fails the run: a store that cannot be opened is a one-line note on stderr.
import { EnvironmentError } from '../errors.ts';
import type { Report } from '../report/report.ts';
import { learnLimits, type LearnedLimit } from './learn.ts';
import { describeLocation, gitCommit, type HistoryLocation, openHistoryStore, rowsFromReport } from './store.ts';
import { readTrends, type TrendHistory, trendKeys, trendsFromRows } from './trends.ts';

type Note = (line: string) => void;

function reason(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!;
}

/** Records the report's steps; returns how many rows were written (0 when skipped). */
export async function recordRun(report: Report, location: HistoryLocation, cwd: string, note: Note, open = openHistoryStore): Promise<number> {
  if (location.kind === 'off') return 0;
  const rows = rowsFromReport(report, { gitCommit: await gitCommit(cwd) });
  if (rows.length === 0) return 0;
  try {
    const store = await open(location, { create: true });
    if (!store) return 0;
    try {
      await store.record(rows);
    } finally {
      await store.close();
    }
    return rows.length;
  } catch (error) {
    const what = error instanceof EnvironmentError && location.kind === 'sqlite' ? 'better-sqlite3 cannot be loaded' : reason(error);
    note(`rehearse: history not recorded to ${describeLocation(location)}: ${what} (--no-history turns recording off)`);
    return 0;
  }
}

/** The learned limits for `engine`, or none (with a note) when the store cannot be read. */
export async function loadLearned(location: HistoryLocation, engine: string, note: Note): Promise<LearnedLimit[]> {
  if (location.kind === 'off') return [];
  try {
    const store = await openHistoryStore(location, { create: false });
    if (!store) {
      note(`rehearse: no history at ${describeLocation(location)} yet: no learned limits`);
      return [];
    }
    try {
      return learnLimits(await store.read({ engine }), { engine });
    } finally {
      await store.close();
    }
  } catch (error) {
    note(`rehearse: learned limits not loaded from ${describeLocation(location)}: ${reason(error)}`);
    return [];
  }
}

/**
 * The trends of the report's change migrations for the HTML reporter, read after the run was
 * recorded. Never throws: a store that cannot be read gives the reason, which the page shows.
 */
export async function loadTrends(report: Report, location: HistoryLocation, open = openHistoryStore): Promise<TrendHistory> {
  if (location.kind === 'off') return { unavailable: 'history is off (--no-history)' };
  const keys = trendKeys(report);
  if (keys.length === 0) return [];
  try {
    const store = await open(location, { create: false });
    if (!store) return trendsFromRows([], keys);
    try {
      return await readTrends(store, keys);
    } finally {
      await store.close();
    }
  } catch (error) {
    const what = error instanceof EnvironmentError && location.kind === 'sqlite' ? 'better-sqlite3 cannot be loaded' : reason(error);
    return { unavailable: `history could not be read from ${describeLocation(location)}: ${what}` };
  }
}
