// The command line the benchmarks share: --rows, --repeat, --url, --help.
import { parseArgs } from 'node:util';
import { BenchError } from './bench-error.ts';

export interface BenchOptions {
  rows: number;
  repeat: number;
  url: string;
}

export interface OptionDefaults {
  help: string;
  rows: number;
  /** The seed cannot make more (none when it can make any number). */
  maxRows?: number;
  repeat: number;
  /** The server when --url is not given (from the environment, else a local default). */
  url: () => string;
}

/** Parses argv; --help prints the help and exits 0, a bad option is a BenchError (with the help). */
export function parseBenchOptions(argv: string[], defaults: OptionDefaults): BenchOptions {
  let values: { rows?: string; repeat?: string; url?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        rows: { type: 'string' },
        repeat: { type: 'string' },
        url: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    throw new BenchError(`${(e as Error).message}\n\n${defaults.help}`);
  }
  if (values.help) {
    console.log(defaults.help);
    process.exit(0);
  }
  const int = (name: string, v: string | undefined, dflt: number, min: number, max?: number) => {
    if (v === undefined) return dflt;
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min || (max !== undefined && n > max)) {
      throw new BenchError(`--${name} must be an integer ${max === undefined ? `≥ ${min}` : `from ${min} to ${max}`}, got ${v}`);
    }
    return n;
  };
  return {
    rows: int('rows', values.rows, defaults.rows, 10, defaults.maxRows),
    repeat: int('repeat', values.repeat, defaults.repeat, 1),
    url: values.url ?? defaults.url(),
  };
}
