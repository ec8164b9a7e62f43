// write-volume: one step changes more rows, or writes more WAL, than production absorbs in one
// go. Every changed row is written to the WAL (binlog on MySQL/MariaDB), shipped to every replica
// and replayed there: a single huge transaction shows up as replication lag for as long as the
// replay takes, fills the disk with WAL that cannot be recycled, and holds its row locks until
// commit. Patchwork's upgrade flooded replication with exactly such rewrites.
import type { StepEvidence } from '../rehearsal/evidence.ts';
import type { Limits } from './limits.ts';
import { rowsChanged } from '../rehearsal/rows-changed.ts';
import { defineCheck, type Draft } from './check.ts';
import { adviceTerms, type AdviceTerms, count, formatBytes, formatNumber, isTrackingTable, limitsOfStep, listing, predictionEvidence, productionBasis } from './advice.ts';

/** Rows inserted + updated + deleted per table, the tracking table's own bookkeeping left out. */
export function rowsChangedByTable(step: StepEvidence): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of step.rows) {
    if (isTrackingTable(r.table)) continue;
    const n = r.inserted + r.updated + r.deleted;
    if (n > 0) out.set(r.table, (out.get(r.table) ?? 0) + n);
  }
  return out;
}


const adviceText = (terms: AdviceTerms) => `${terms.writeVolume} ${terms.batchedBackfill}`;

function draft(step: StepEvidence, limits: Limits, terms: AdviceTerms): Draft | undefined {
  const byTable = rowsChangedByTable(step);
  const measuredRows = rowsChanged(step, isTrackingTable);
  // Judged at production size where it is known.
  const p = step.predicted;
  const rows = p ? p.rowsChanged : measuredRows;
  const wal = p?.walBytes ?? step.walBytes;
  const overRows = rows > limits.rowsChanged;
  const overWal = wal !== undefined && wal > limits.walBytes;
  if (!overRows && !overWal) return undefined;

  const parts: string[] = [];
  if (overRows) parts.push(`changes ${p ? 'about ' : ''}${count(rows, 'row')} (limit ${formatNumber(limits.rowsChanged)})`);
  if (overWal) parts.push(`writes ${p ? 'about ' : ''}${formatBytes(wal ?? 0)} of WAL (limit ${formatBytes(limits.walBytes)})`);
  const tables = [...byTable.entries()].sort((a, b) => b[1] - a[1]);
  const only = tables.length === 1 ? tables[0]?.[0] : undefined;
  return {
    severity: 'error',
    migration: step.migration,
    phase: step.phase,
    ...(only ? { table: only } : {}),
    message: `${step.migration} ${listing(parts)} in one step${only ? ` on ${only}` : ''}${p ? `, ${productionBasis(p)}` : ''}: every replica must replay it, lagging behind until it has`,
    evidence: {
      rowsChanged: measuredRows,
      ...(p ? { predictedRowsChanged: p.rowsChanged, predictedWalBytes: p.walBytes ?? null } : {}),
      ...predictionEvidence(p),
      rowsChangedLimit: limits.rowsChanged,
      rowsByTable: Object.fromEntries(tables),
      // Whole-server WAL: other databases' activity during the step is included.
      walBytes: step.walBytes ?? null,
      walBytesLimit: limits.walBytes,
      durationMs: step.durationMs,
    },
    advice: adviceText(terms),
  };
}

export const writeVolumeCheck = defineCheck({
  id: 'write-volume',
  title: 'A step changes more rows or writes more WAL than the limit',
  run: (ctx) =>
    ctx.target.steps
      .filter((s) => s.phase === 'change' && s.status !== 'skipped')
      .map((s) => draft(s, limitsOfStep(ctx, s), adviceTerms(ctx.target.engine)))
      .filter((d): d is Draft => d !== undefined),
});
