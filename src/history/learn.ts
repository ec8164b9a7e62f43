// Learned limits: from the steps of successful runs in history, a limit per migration, direction
// and metric that a normal run stays under and a real regression crosses. Pure: rows in, limits out.
//
// The method (docs/history.md): median + k·MAD (MAD scaled by 1.4826, so it estimates σ for normal
// data) over at least `minSamples` runs, then floors: never below the largest value a successful
// run showed (a limit that history already broke would fail good runs), never below the median
// times a headroom factor, never below an absolute floor per metric. Counters (rows changed, WAL
// bytes) are nearly deterministic on a dataset, so their headroom is small; wall time is noisy on
// shared CI machines (turbo-hipster's lesson), so its headroom and floor are wide.
import type { Limits } from '../checks/limits.ts';
import type { HistoryRow } from './store.ts';

export type LearnedMetric = 'rowsChanged' | 'walBytes' | 'stepDurationMs';

/** Counters first: they are what learning is best at. */
export const METRICS: readonly LearnedMetric[] = ['rowsChanged', 'walBytes', 'stepDurationMs'];

export interface MetricPolicy {
  /** Absolute floor of the limit. */
  floor: number;
  /** The limit is at least median × headroom. */
  headroom: number;
  read(row: HistoryRow): number | null;
}

export const POLICIES: Record<LearnedMetric, MetricPolicy> = {
  // 1,000 rows: below that a write volume is never a production problem.
  rowsChanged: { floor: 1_000, headroom: 1.2, read: (r) => r.rowsChanged },
  // 16 MiB, one WAL segment: WAL is counted server-wide, so other activity and checkpoints' full-page writes add noise.
  walBytes: { floor: 16 * 1024 ** 2, headroom: 1.2, read: (r) => r.walBytes },
  // 1 s and 2 × the median: a noisy neighbour on a CI host easily doubles a short step.
  stepDurationMs: { floor: 1_000, headroom: 2, read: (r) => r.durationMs },
};

export interface LearnOptions {
  /** Samples (runs) a limit needs (default 10). */
  minSamples?: number;
  /** Width in scaled MADs (default 6). */
  k?: number;
  /** Only rows of this engine (default: each engine learned apart, see `engine` in the output). */
  engine?: string;
}

export const DEFAULT_MIN_SAMPLES = 10;
export const DEFAULT_K = 6;
export const MAD_SCALE = 1.4826;

export interface LearnedLimit {
  engine: string;
  /** `<version>_<name>` */
  migration: string;
  direction: string;
  metric: LearnedMetric;
  limit: number;
  samples: number;
  median: number;
  /** Scaled MAD (1.4826 × the median absolute deviation). */
  mad: number;
  max: number;
  /** Which term set the limit: `median+k·MAD`, `max observed`, `median×headroom` or `floor`, with k and the counts. */
  method: string;
  /** Runs learned from, oldest and newest (ISO times). */
  from: string;
  to: string;
}

/**
 * The samples: steps that succeeded in runs whose verdict is not `error`. Ups from the change and
 * trunk phases, downs from rollback; `reapply` is left out (it runs after the rollback, on data
 * the down may have changed, and would count a run twice). One sample per run, migration and direction.
 */
export function samplesOf(rows: HistoryRow[]): HistoryRow[] {
  const seen = new Set<string>();
  const out: HistoryRow[] = [];
  for (const row of rows) {
    if (row.status !== 'success' || row.verdict === 'error') continue;
    const phaseOk = row.direction === 'up' ? row.phase === 'change' || row.phase === 'trunk' : row.phase === 'rollback';
    if (!phaseOk) continue;
    const key = `${row.runId}\0${row.engine}\0${row.migration}\0${row.direction}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(row);
  }
  return out;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Learned limits per engine × migration × direction × metric, sorted by those keys (counters first). */
export function learnLimits(rows: HistoryRow[], options: LearnOptions = {}): LearnedLimit[] {
  const minSamples = options.minSamples ?? DEFAULT_MIN_SAMPLES;
  const k = options.k ?? DEFAULT_K;
  const groups = new Map<string, HistoryRow[]>();
  for (const row of samplesOf(rows)) {
    if (options.engine !== undefined && row.engine !== options.engine) continue;
    const key = `${row.engine}\0${row.migration}\0${row.direction}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const out: LearnedLimit[] = [];
  for (const group of groups.values()) {
    const { engine, migration, direction } = group[0]!;
    for (const metric of METRICS) {
      const policy = POLICIES[metric];
      const values = group.map(policy.read).filter((v): v is number => v !== null && Number.isFinite(v));
      if (values.length < minSamples) continue;
      const m = median(values);
      const mad = MAD_SCALE * median(values.map((v) => Math.abs(v - m)));
      const max = Math.max(...values);
      const candidates: [string, number][] = [
        [`median+${k}·MAD`, m + k * mad],
        ['max observed', max],
        [`median×${policy.headroom}`, m * policy.headroom],
        ['floor', policy.floor],
      ];
      const [by, raw] = candidates.reduce((a, b) => (b[1] > a[1] ? b : a));
      const times = group.map((r) => r.recordedAt).sort();
      out.push({
        engine,
        migration,
        direction,
        metric,
        limit: Math.ceil(raw),
        samples: values.length,
        median: m,
        mad,
        max,
        method: `${by} (median + ${k}·MAD, at least the max observed, median×${policy.headroom} and ${policy.floor}; ${values.length} samples)`,
        from: times[0]!,
        to: times[times.length - 1]!,
      });
    }
  }
  return out.sort((a, b) => cmp(a.engine, b.engine) || cmp(a.migration, b.migration) || cmp(a.direction, b.direction) || METRICS.indexOf(a.metric) - METRICS.indexOf(b.metric));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Config limits are per migration, not per direction: a migration's limit for a metric is the
 * larger of its up and down limits, so neither direction fails on the other's scale.
 */
export function perMigrationLimits(learned: LearnedLimit[]): Record<string, Partial<Record<LearnedMetric, number>>> {
  const out: Record<string, Partial<Record<LearnedMetric, number>>> = {};
  for (const l of learned) {
    const entry = (out[l.migration] ??= {});
    entry[l.metric] = Math.max(entry[l.metric] ?? 0, l.limit);
  }
  return out;
}

/** The `limits: migrations:` block to paste into rehearse.config.yaml. */
export function exportYaml(learned: LearnedLimit[]): string {
  const per = perMigrationLimits(learned);
  const ids = Object.keys(per).sort(cmp);
  if (ids.length === 0) return '# no learned limits yet (each needs enough successful runs in history)\n';
  const lines = ['limits:', '  migrations:'];
  for (const id of ids) {
    lines.push(`    ${JSON.stringify(id)}:`);
    for (const metric of METRICS) {
      const value = per[id]![metric];
      if (value !== undefined) lines.push(`      ${metric}: ${metric === 'stepDurationMs' ? `${value}ms` : value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export interface LearnedInForce {
  /** The per-migration limits with the learned ones added where the config set none. */
  perMigrationLimits: Record<string, Partial<Limits>>;
  /** What came from history, for the report's `limits.learned`: migration → metric → provenance. */
  fromHistory: Record<string, Partial<Record<LearnedMetric, { limit: number; samples: number; median: number; mad: number; method: string }>>>;
}

/**
 * Adds learned limits to the config's per-migration limits. The config wins: a metric it sets for
 * the migration (by version or by `<version>_<name>`) is kept. A learned limit only tightens: one
 * above the global limit in force (default or config) is not used, so history never silences a
 * hazard the thresholds would flag.
 */
export function mergeLearned(
  configured: Record<string, Partial<Limits>>,
  global: Limits,
  learned: LearnedLimit[],
): LearnedInForce {
  const perMigrationLimits: LearnedInForce['perMigrationLimits'] = Object.fromEntries(Object.entries(configured).map(([k, v]) => [k, { ...v }]));
  const fromHistory: LearnedInForce['fromHistory'] = {};
  const best = new Map<string, LearnedLimit>();
  for (const l of learned) {
    const key = `${l.migration}\0${l.metric}`;
    if ((best.get(key)?.limit ?? -1) < l.limit) best.set(key, l);
  }
  for (const l of best.values()) {
    const version = l.migration.split('_')[0]!;
    if (configured[version]?.[l.metric] !== undefined || configured[l.migration]?.[l.metric] !== undefined) continue;
    if (l.limit >= global[l.metric]) continue;
    (perMigrationLimits[l.migration] ??= {})[l.metric] = l.limit;
    (fromHistory[l.migration] ??= {})[l.metric] = { limit: l.limit, samples: l.samples, median: l.median, mad: l.mad, method: l.method };
  }
  return { perMigrationLimits, fromHistory };
}
