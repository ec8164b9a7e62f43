// `rehearse limits`: the limits learned from the history store (docs/history.md), with their
// provenance; `--export` prints them as a `limits: migrations:` block for rehearse.config.yaml.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { findConfigFile, loadConfigFile } from '../config/load.ts';
import { historyOptions } from '../config/run-options.ts';
import { engineProblem } from '../config/values.ts';
import { EnvironmentError, UsageError } from '../errors.ts';
import { DEFAULT_K, DEFAULT_MIN_SAMPLES, exportYaml, learnLimits, type LearnedLimit } from '../history/learn.ts';
import { describeLocation, openHistoryStore } from '../history/store.ts';

export const LIMITS_EXAMPLES = `  # what the local history (.rehearse/history.db) has learned, per migration and metric
  npx rehearse limits

  # from the history the CI workers share, for one engine
  npx rehearse limits --history "$REHEARSE_HISTORY_URL" --engine postgres

  # paste-ready config: the limits: migrations: block for rehearse.config.yaml
  npx rehearse limits --engine postgres --export >> learned-limits.yaml
`;

export interface LimitsFlags {
  config?: string;
  history?: string;
  engine?: string;
  export?: boolean;
  minSamples?: string;
}

export function registerLimitsCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('limits')
    .description('the limits learned from the history of runs (per migration and metric, with samples, median, MAD and method); --export prints them as config')
    .option('-c, --config <file>', "config file whose history: is read (default: rehearse.config.* in the current directory)")
    .option('--history <file|url>', 'the history store: a SQLite file or a postgres:// URL (default the config\'s history, else .rehearse/history.db)')
    .option('--engine <engine>', 'only runs on this engine (default the config\'s engine, else every engine apart)')
    .option('--min-samples <n>', `successful runs a limit needs (default ${DEFAULT_MIN_SAMPLES})`)
    .option('--export', 'print a limits: migrations: block to paste into rehearse.config.yaml')
    .addHelpText('after', `\nExamples:\n${LIMITS_EXAMPLES}\nExit status: 0 shown, 2 usage or configuration error, 3 the history cannot be read (missing, or better-sqlite3 unavailable).`)
    .action(async (flags: LimitsFlags) => {
      setExitCode(await limitsCommand(flags));
    });
}

export async function limitsCommand(flags: LimitsFlags, cwd = process.cwd(), out: (s: string) => void = (s) => void process.stdout.write(s)): Promise<number> {
  const path = flags.config !== undefined ? resolve(cwd, flags.config) : findConfigFile(cwd);
  const file = path === undefined ? undefined : await loadConfigFile(path);
  if (flags.history === undefined && file?.history === false) throw new UsageError('USAGE', 'the config turns history off (history: false): pass --history FILE|URL');
  const { history } = historyOptions({ history: flags.history }, file, cwd);
  if (history.kind === 'off') throw new UsageError('USAGE', 'no history store');
  if (flags.engine !== undefined) {
    const problem = engineProblem(flags.engine);
    if (problem !== undefined) throw new UsageError('USAGE', `--engine: ${problem}`);
  }
  const minSamples = flags.minSamples === undefined ? DEFAULT_MIN_SAMPLES : Number(flags.minSamples);
  if (!Number.isInteger(minSamples) || minSamples < 1) throw new UsageError('USAGE', `--min-samples: expected a whole number ≥ 1, got ${JSON.stringify(flags.minSamples)}`);
  const engine = flags.engine ?? file?.engine;

  let store;
  try {
    store = await openHistoryStore(history, { create: false });
  } catch (error) {
    throw new EnvironmentError('ENGINE_FAILED', `cannot read the history at ${describeLocation(history)}: ${String((error as Error)?.message ?? error).split('\n')[0]}`, { cause: error });
  }
  if (!store) throw new EnvironmentError('ENGINE_FAILED', `no history at ${describeLocation(history)}: rehearse run records there (or pass --history FILE|URL)`);
  let learned: LearnedLimit[];
  let runs: number;
  try {
    const rows = await store.read(engine === undefined ? {} : { engine });
    runs = new Set(rows.map((r) => r.runId)).size;
    learned = learnLimits(rows, { minSamples, ...(engine !== undefined ? { engine } : {}) });
  } finally {
    await store.close();
  }

  if (flags.export) {
    const engines = new Set(learned.map((l) => l.engine));
    if (engines.size > 1) throw new UsageError('USAGE', `the history holds limits for several engines (${[...engines].join(', ')}): pass --engine to export one`);
    out(`# learned by rehearse limits from ${describeLocation(history)}${engine ? ` (${engine})` : ''}, ${runs} runs; docs/history.md\n${exportYaml(learned)}`);
    return 0;
  }
  out(renderLimits(learned, { location: describeLocation(history), runs, minSamples, engine }));
  return 0;
}

export function renderLimits(learned: LearnedLimit[], ctx: { location: string; runs: number; minSamples: number; engine?: string }): string {
  const lines = [`history ${ctx.location}${ctx.engine ? `, engine ${ctx.engine}` : ''}: ${ctx.runs} run${ctx.runs === 1 ? '' : 's'}`];
  if (learned.length === 0) {
    lines.push(`no learned limits yet: each needs ${ctx.minSamples} successful runs of the migration`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`limits: median + ${DEFAULT_K}·MAD (scaled 1.4826), at least the max observed and a floor per metric; successful runs only`);
  let group = '';
  for (const l of learned) {
    const head = `${l.engine}  ${l.migration} (${l.direction})`;
    if (head !== group) lines.push('', head);
    group = head;
    const fmt = (v: number) => (l.metric === 'stepDurationMs' ? `${round(v)} ms` : l.metric === 'walBytes' ? `${round(v)} B` : String(round(v)));
    lines.push(`  ${l.metric.padEnd(15)} ${fmt(l.limit).padStart(14)}   ${l.samples} samples, median ${fmt(l.median)}, MAD ${fmt(l.mad)}, max ${fmt(l.max)}; by ${l.method.split(' (')[0]}`);
  }
  return `${lines.join('\n')}\n`;
}

const round = (v: number) => Math.round(v * 10) / 10;
