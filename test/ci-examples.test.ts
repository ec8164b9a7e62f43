// The example pipelines (examples/ci/) and the GitHub Action (action.yml) are what users copy:
// they must parse as YAML, and every rehearse command in them must name a real command with real
// options, so a renamed flag breaks this test instead of a user's pipeline.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../src/cli/main.ts';
import { loadConfigFile } from '../src/config/load.ts';
import { REPO } from './e2e/cli.ts';

const FILES = ['examples/ci/github-actions.yml', 'examples/ci/gitlab-ci.yml', 'action.yml'];

/** Every string in a YAML document (run: and script: lines among them). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** `rehearse <command> …` invocations, continuation lines joined (`npx rehearse`, `bin/rehearse.js`). */
function invocations(text: string): { command: string; options: string[] }[] {
  const joined = text.replace(/\\\n\s*/g, ' ');
  const found: { command: string; options: string[] }[] = [];
  for (const line of joined.split('\n')) {
    const m = /rehearse(?:\.js"?)?\s+(run|merge-reports|limits|dataset|queries)\b(.*)$/.exec(line);
    if (!m) continue;
    found.push({ command: m[1]!, options: [...m[2]!.matchAll(/(?:^|\s)(--?[a-z][a-z-]*)/g)].map((o) => o[1]!) });
  }
  return found;
}

function optionNames(command: Command): Set<string> {
  return new Set(command.options.flatMap((o) => [o.long, o.short].filter((n): n is string => n !== undefined)));
}

describe('example pipelines and the GitHub Action', () => {
  const program = buildProgram(() => undefined);

  for (const file of FILES) {
    it(`${file}: parses, and its rehearse commands use real options`, () => {
      const doc = parse(readFileSync(join(REPO, file), 'utf8')) as unknown;
      const calls = strings(doc).flatMap(invocations);
      expect(calls.length, `${file} runs rehearse`).toBeGreaterThan(0);
      for (const call of calls) {
        const command = program.commands.find((c) => c.name() === call.command);
        expect(command, `rehearse ${call.command}`).toBeDefined();
        const known = optionNames(command!);
        for (const option of call.options) expect(known.has(option), `${file}: rehearse ${call.command} ${option}`).toBe(true);
      }
    });
  }

  it('the sharded pipelines shard, write blobs and merge them', () => {
    for (const file of ['examples/ci/github-actions.yml', 'examples/ci/gitlab-ci.yml']) {
      const calls = strings(parse(readFileSync(join(REPO, file), 'utf8'))).flatMap(invocations);
      expect(calls.some((c) => c.command === 'run' && c.options.includes('--shard') && c.options.includes('--reporter')), file).toBe(true);
      expect(calls.some((c) => c.command === 'merge-reports'), file).toBe(true);
    }
  });

  it('the example matrix config loads', async () => {
    const config = await loadConfigFile(join(REPO, 'examples/ci/rehearse.config.yaml'), { env: { REHEARSE_PG_URL: 'postgres://postgres@127.0.0.1:5432/postgres' } });
    expect(config.targets?.map((t) => t.name)).toEqual(['pglite', 'pg15']);
  });
});
