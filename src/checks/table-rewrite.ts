// table-rewrite: a step rebuilt a table (or an index) that holds data. A rewrite copies every row
// into new storage: its time grows with the table, PostgreSQL holds ACCESS EXCLUSIVE for all of
// it, the disk briefly holds two copies, and replicas replay the whole copy. Rewrites are seen as
// new storage (PostgreSQL relfilenode, MySQL/MariaDB table id, SQLite rootpage), not guessed.
import type { LockEvidence, RewriteEvidence, StatementEvidence, StepEvidence } from '../rehearsal/evidence.ts';
import { defineCheck, type Draft } from './check.ts';
import { ADVICE, adviceTerms, type AdviceTerms, count, formatBytes, lockModeName, statementAt, statementEvidence, statementLabel } from './advice.ts';

/** A table's rewrite, with the indexes rebuilt along with it (or only those). */
interface TableRewrite {
  table: string;
  /** Table, materialized view or other data-holding storage of the table (TOAST). */
  heap: RewriteEvidence[];
  indexes: RewriteEvidence[];
}

/** Rewrites of relations that held data, grouped by the table they belong to. */
export function groupByTable(rewrites: RewriteEvidence[]): TableRewrite[] {
  const groups = new Map<string, TableRewrite>();
  for (const r of rewrites) {
    if (r.bytesBefore <= 0) continue; // new or empty: nothing to copy, nothing to wait for
    const g = groups.get(r.table) ?? { table: r.table, heap: [], indexes: [] };
    (r.relationKind === 'index' ? g.indexes : g.heap).push(r);
    groups.set(r.table, g);
  }
  return [...groups.values()];
}

const sum = (rs: RewriteEvidence[], f: (r: RewriteEvidence) => number) => rs.reduce((n, r) => n + f(r), 0);

/** The relations whose bytes add up to what was copied: the table alone where its size counts its indexes. */
const counted = (g: TableRewrite) => (g.heap.some((r) => r.bytesIncludeIndexes) ? g.heap : [...g.heap, ...g.indexes]);

/** Advice by cause, read off the statement summary and the observer's reason. */
export function adviceFor(text: string, indexesOnly: boolean, terms: AdviceTerms = ADVICE): string {
  const t = text.toUpperCase();
  if (indexesOnly || /\bREINDEX\b/.test(t)) return terms.reindexConcurrently;
  if (/VACUUM\s+\(?.*FULL|\bCLUSTER\b/.test(t))
    return 'Do not run VACUUM FULL or CLUSTER in a deploy: they hold ACCESS EXCLUSIVE for the whole copy. Use pg_repack (or pg_squeeze), which rebuilds the table online and takes the exclusive lock only briefly at the end, and run it outside the deploy.';
  if (/\bTYPE\b/.test(t)) return terms.newColumnSwap;
  // ADD COLUMN rewrites only for a default computed per row (PostgreSQL 11+ stores constants).
  if (/ADD\s+COLUMN/.test(t)) return terms.addColumnWithoutVolatileDefault;
  if (/NOT\s+NULL/.test(t))
    return `${terms.notNullRewrite} ${terms.setNotNull}`;
  if (/\bMODIFY\b|\bCHANGE\b/.test(t)) return terms.newColumnSwap;
  if (/PRIMARY\s+KEY/.test(t))
    return `Changing the primary key of an InnoDB table rebuilds it (rows are stored in primary-key order). Rebuild it online with pt-online-schema-change (or gh-ost, for tables without foreign keys), throttled on replica lag, or keep the primary key and add a secondary unique index. ${terms.expandContract}`;
  return `A rewrite copies every row under lock. ${terms.expandContract} ${terms.rebuild}`;
}

/** `, plus 2 indexes of 21 MiB`, or `with its 2 indexes` where the table's size already counts them. */
function indexesAlongside(g: TableRewrite, indexBytes: number): string {
  if (g.indexes.length === 0) return '';
  const n = count(g.indexes.length, 'index', 'indexes');
  return g.heap.some((r) => r.bytesIncludeIndexes) ? `, with its ${n}` : `, plus ${n} of ${formatBytes(indexBytes)}`;
}

/** The strongest lock the step held on the table: the one that blocks most, then the longest. */
export function strongestLock(step: StepEvidence, table: string): LockEvidence | undefined {
  const weight = (l: LockEvidence) => (l.blocks.reads ? 2 : 0) + (l.blocks.writes ? 1 : 0);
  return step.locks
    .filter((l) => l.table === table)
    .sort((a, b) => weight(b) - weight(a) || b.heldMs - a.heldMs)[0];
}

function draft(step: StepEvidence, g: TableRewrite, terms: AdviceTerms): Draft {
  const indexesOnly = g.heap.length === 0;
  const main = indexesOnly ? g.indexes : g.heap;
  const first = [...g.heap, ...g.indexes].find((r) => r.statementIndex !== undefined);
  const stmt: StatementEvidence | undefined = statementAt(step, first?.statementIndex);
  const heapBytes = sum(main, (r) => r.bytesBefore);
  const indexBytes = sum(g.indexes, (r) => r.bytesBefore);
  const lock = strongestLock(step, g.table);
  const what = indexesOnly
    ? `rebuilds ${count(g.indexes.length, 'index', 'indexes')} of ${g.table} (${formatBytes(indexBytes)})`
    : `rewrites ${g.table} (${formatBytes(heapBytes)}${indexesAlongside(g, indexBytes)})`;
  const underLock = lock && (lock.blocks.reads || lock.blocks.writes) ? ` under ${lockModeName(lock.mode)}` : '';
  const reasons = [...new Set(main.map((r) => r.reason))];
  // Observers often explain a rewrite by the statement, which the message already names.
  const extra = reasons.filter((r) => !stmt || !r.includes(stmt.summary));
  const why = extra.length > 0 ? extra.join('; ') : 'the relation got new storage';
  const cost = indexesOnly
    ? 'each index is rebuilt from every row and replicas replay the build'
    : 'every row is copied, the disk briefly holds both copies and replicas replay it all';
  return {
    severity: indexesOnly ? 'warning' : 'error',
    migration: step.migration,
    phase: step.phase,
    table: g.table,
    message: `${statementLabel(stmt, first?.statementIndex)} ${what}${underLock}: ${cost} (${why})`,
    evidence: {
      relations: [...g.heap, ...g.indexes].map((r) => ({
        relation: r.relation,
        relationKind: r.relationKind,
        bytesBefore: r.bytesBefore,
        bytesAfter: r.bytesAfter,
        reason: r.reason,
      })),
      bytesBefore: sum(counted(g), (r) => r.bytesBefore),
      bytesAfter: sum(counted(g), (r) => r.bytesAfter),
      ...statementEvidence(stmt, first?.statementIndex),
      lockMode: lock?.mode ?? null,
      lockHeldMs: lock?.heldMs ?? null,
      stepDurationMs: step.durationMs,
    },
    advice: adviceFor(`${stmt?.summary ?? ''} ${reasons.join(' ')}`, indexesOnly, terms),
  };
}

export const tableRewriteCheck = defineCheck({
  id: 'table-rewrite',
  title: 'A step rewrites a table or index that holds data',
  run: ({ target }) => {
    const terms = adviceTerms(target.engine);
    return target.steps.filter((s) => s.phase === 'change').flatMap((s) => groupByTable(s.rewrites).map((g) => draft(s, g, terms)));
  },
});
