// data-loss: a step changed rows of tables its SQL never names. Those changes come from side
// effects the author may not have had in mind: ON DELETE CASCADE behind a DELETE (or behind MySQL's
// REPLACE, which deletes the old row before inserting the new one), ON DELETE SET NULL / ON UPDATE
// CASCADE, triggers and rules. The step reports success and the rows are gone.
import type { StepEvidence, TableRows } from '../rehearsal/evidence.ts';
import { defineCheck, type Draft } from './check.ts';
import { count, formatNumber, isTrackingTable, normalizeTable } from './advice.ts';

const ADVICE_DELETED =
  'Do not let a cascade decide what is deleted: delete the child rows deliberately first (in batches of about 10,000 rows per transaction, naming the table), or change the foreign key to ON DELETE RESTRICT so an unexpected delete fails. Never use REPLACE or DELETE + INSERT on a parent row as an upsert: use INSERT … ON CONFLICT … DO UPDATE (MySQL: INSERT … ON DUPLICATE KEY UPDATE), which keeps the row and its children.';

const ADVICE_UPDATED =
  'Make the side effect explicit: update the dependent rows deliberately (in batches, naming the table) instead of relying on ON DELETE SET NULL, ON UPDATE CASCADE or a trigger, and check that the application expects the new values.';

/** The step names this table, under any spelling (`public.x` = `x`, case-insensitive). */
export function namedBy(step: StepEvidence, table: string): boolean {
  const wanted = normalizeTable(table);
  return step.tablesNamed.some((t) => normalizeTable(t) === wanted);
}

/**
 * The step's row changes stuck: it succeeded, or ran (at least partly) outside one transaction.
 * A failed step in a transaction was rolled back, though the server's counters still count its rows.
 */
function changesPersisted(step: StepEvidence): boolean {
  return step.status === 'success' || step.transaction !== 'per-file';
}

function finding(step: StepEvidence, rows: TableRows, datasetRows: number | undefined): Draft | undefined {
  const deleted = rows.deleted > 0;
  if (!deleted && rows.updated === 0) return undefined;
  const ofDataset = datasetRows !== undefined && datasetRows > 0 ? ` (of ${formatNumber(datasetRows)} in the dataset)` : '';
  const message = deleted
    ? `${step.migration} deletes ${count(rows.deleted, 'row')} of ${rows.table}${ofDataset}, a table its SQL never names: a cascade, trigger or rule removes them and the migration still reports success`
    : `${step.migration} updates ${count(rows.updated, 'row')} of ${rows.table}${ofDataset}, a table its SQL never names: ON DELETE SET NULL, ON UPDATE CASCADE or a trigger changes them behind the migration's back`;
  return {
    severity: deleted ? 'error' : 'warning',
    migration: step.migration,
    phase: step.phase,
    table: rows.table,
    message,
    evidence: {
      deleted: rows.deleted,
      updated: rows.updated,
      inserted: rows.inserted,
      datasetRows: datasetRows ?? null,
      tablesNamed: step.tablesNamed,
      status: step.status,
    },
    advice: deleted ? ADVICE_DELETED : ADVICE_UPDATED,
  };
}

export const dataLossCheck = defineCheck({
  id: 'data-loss',
  title: 'A step deletes or changes rows of tables it does not name',
  run: ({ target }) => {
    const datasetRows = new Map(Object.entries(target.dataset.tableRows).map(([t, n]) => [normalizeTable(t), n]));
    return target.steps
      .filter((s) => s.phase === 'change' && s.direction === 'up' && changesPersisted(s))
      .flatMap((s) =>
        s.rows
          .filter((r) => !isTrackingTable(r.table) && !namedBy(s, r.table))
          .map((r) => finding(s, r, datasetRows.get(normalizeTable(r.table))))
          .filter((d): d is Draft => d !== undefined),
      );
  },
});
