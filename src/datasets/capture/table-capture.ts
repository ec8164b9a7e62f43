// One table of a capture: its rows from the snapshot, through the subset's filter, the
// anonymization rules and the leak check, into its compressed data file. Runs in the capture's
// thread or in a worker thread (capture-worker.ts), the same code either way.
import { performance } from 'node:perf_hooks';
import type { createLeakCheck } from '../anonymize/leak-check.ts';
import type { AnonymizationPlan } from '../anonymize/plan.ts';
import type { DatasetTable } from '../dir/manifest.ts';
import { decodeField, encodeField, encodeRow } from '../dir/tsv.ts';
import type { SourceSnapshot, SourceTable } from './source.ts';
import type { SubsetSelection } from './subset.ts';
import { TableFileWriter } from './table-writer.ts';

export interface TableContext {
  plan: AnonymizationPlan;
  selection: Pick<SubsetSelection, 'keep' | 'keepEncoded' | 'describe'> | undefined;
  leaks: ReturnType<typeof createLeakCheck> | undefined;
  log: (line: string) => void;
}

export async function captureTable(source: SourceSnapshot, table: SourceTable, filePath: string, file: string, ctx: TableContext): Promise<DatasetTable> {
  const t0 = performance.now();
  const transform = ctx.plan.transformer(table.name);
  const writer = new TableFileWriter(filePath);
  let production = 0;
  try {
    if (source.lineBatches) {
      production = await copyLines(source.lineBatches(table), table, writer, ctx);
    } else {
      const keep = ctx.selection?.keep(table.name);
      for await (const row of source.rows(table)) {
        production++;
        if (keep && !keep(row)) continue;
        const written = transform ? transform(row) : row;
        if (ctx.leaks) for (const v of written) ctx.leaks.scan(v);
        writer.push(encodeRow(written));
        if (production % 1000 === 0) await writer.flushIfDue();
      }
    }
  } catch (error) {
    writer.abort();
    throw error;
  }
  const { rows, sha256, fileBytes } = await writer.finish();
  ctx.log(`  ${table.name}: ${rows.toLocaleString('en-US')} of ${production.toLocaleString('en-US')} rows${transform ? ', anonymized' : ''} in ${Math.round(performance.now() - t0)} ms`);
  const subset = ctx.selection?.describe(table.name);
  return {
    name: table.name,
    file,
    columns: table.columns.map((c) => ({ name: c.name, type: c.type, ...(c.binary ? { binary: true } : {}) })),
    primaryKey: table.primaryKey,
    rows,
    production: { rows: production, bytes: table.bytes },
    sha256,
    fileBytes,
    ...(subset ? { subset } : {}),
  };
}

/**
 * COPY text lines from the source to the file. Only what must be looked at is decoded: the key
 * fields a subset checks and the columns a rule changes; every other field is copied as it came.
 * The leak check scans every field (escaped as in the file: a sample holding a tab or a newline
 * would not match, which no personal value does in practice).
 */
async function copyLines(batches: AsyncIterable<string[]>, table: SourceTable, writer: TableFileWriter, ctx: TableContext): Promise<number> {
  const keep = ctx.selection?.keepEncoded(table.name);
  const changes = ctx.plan.columnTransforms(table.name);
  const leaks = ctx.leaks;
  let production = 0;
  for await (const lines of batches) {
    production += lines.length;
    if (!keep && changes.length === 0 && !leaks) {
      for (const line of lines) writer.push(line);
    } else {
      for (const line of lines) {
        const fields = line.split('\t');
        if (keep && !keep(fields)) continue;
        for (const { index, transform } of changes) fields[index] = encodeField(transform(decodeField(fields[index]!)));
        if (leaks) for (const f of fields) leaks.scan(f);
        writer.push(changes.length > 0 ? fields.join('\t') : line);
      }
    }
    await writer.flushIfDue();
  }
  return production;
}
