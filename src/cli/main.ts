// The `rehearse` command line. Exit status (DESIGN §6): 0 pass, 1 fail, 2 usage or
// configuration error, 3 rehearse could not run.
import { Command, CommanderError } from 'commander';
import { exitCodeFor, RehearseError } from '../errors.ts';
import { REHEARSE_VERSION } from '../version.ts';
import { runCommand, RUN_EXAMPLES } from './run-command.ts';
import { CAPTURE_EXAMPLES, CAPTURE_NOTES, DEFAULT_LIMIT, queriesCaptureCommand } from './queries-command.ts';
import { registerDatasetCommands } from './dataset-command.ts';
import { registerLimitsCommand } from './limits-command.ts';
import { registerMergeCommand } from './merge-command.ts';
import { registerInitCommand } from './init-command.ts';

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; anything else is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`rehearse: ${error instanceof Error ? error.message : String(error)}\n`);
    if (!(error instanceof RehearseError) && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return exitCodeFor(error);
  }
}

/** The command tree; each command's action reports its exit status through `setExitCode`. */
export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('rehearse')
    .description(
      "Rehearse a change's database migrations on a production-shaped dataset, on the real engine; " +
        'measure every step (time, locks, rewrites, rows, WAL) and gate the change on what would happen.',
    )
    .version(REHEARSE_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .addHelpText('after', `\nExamples:\n${RUN_EXAMPLES}\nDocs: README.md, docs/hazards/README.md`);

  program
    .command('run')
    .description('rehearse the migrations above the dataset\'s version: change, rollback, reapply; report and gate')
    .option('-c, --config <file>', 'config file (default: rehearse.config.{ts,mts,js,mjs,yaml,yml} in the current directory)')
    .option('--migrations <dir>', "migration directory (default the tool's usual one: migrations, db/migrations, db/migration, prisma/migrations, drizzle)")
    .option('--source <tool>', 'the migration tool whose layout and history table production uses: golang-migrate (default, <version>_<name>.up.sql / .down.sql), dbmate, flyway, prisma, drizzle (docs/migration-sources.md), or command (the tool\'s own commands from the config\'s command: block, e.g. Alembic, Django; docs/command-sources.md)')
    .option('--engine <engine>', 'pglite (embedded PostgreSQL, default) | postgres | mysql (MySQL/MariaDB) | sqlite')
    .option('--url <url>', 'server on which scratch databases are created, e.g. postgres://postgres@127.0.0.1:5432/postgres or mysql://root@127.0.0.1:3306/')
    .option('--dataset <path>', 'a dataset directory (rehearse dataset capture), a pg_dump plain-SQL dump (tracking table included), a mysqldump file, or a seed script')
    .option('--dataset-version <version>', 'the migration version a seed script applies at')
    .option('--base <rev>', 'git revision of the trunk, e.g. origin/main: trunk and history come from its files, the change is what the head adds; edited applied migrations and versions below it are reported')
    .option('--previous-queries <file>', "the previous app version's queries ($1 / ? parameters, `;`-separated; e.g. from `rehearse queries capture`): compiled without running before the change and after each of its steps; a query a step breaks is a breaks-previous-code finding")
    .option('--production-rows <list>', 'production row counts, table=N,… (e.g. patches=1.75M): durations, rows, WAL and lock holds are also predicted at that size, and checks gate on the prediction')
    .option('--scale', 'scale runs: rehearse the change again on 25 % and 50 % of the dataset (FK-consistent) and fit how each step grows with rows (super-linear); automatic when production is ≥ 10× the dataset')
    .option('--no-scale', 'no scale runs, even when production is much larger than the dataset')
    .option('--probes', 'traffic probes (the default on a server): sessions read and write the tables each step touches while it runs, measuring how long they are blocked')
    .option('--no-probes', 'no traffic probes: steps run alone and blocking is inferred from lock mode × hold time (e.g. to time them bare)')
    .option('--lock-queue [duration]', 'lock-queue rehearsal: before each step of the change, keep a transaction that read its tables open this long (default 5s), as a long report query would, and measure the queue that forms behind a DDL waiting for it')
    .option('--no-lock-queue', 'no lock-queue rehearsal, even if the config asks for one')
    .option('--json <file>', 'write the JSON report (schemaVersion 1) to this file')
    .option('--reporter <name[=file]>', 'also write a report: junit=FILE (JUnit XML), markdown[=FILE] (pull-request comment), github[=FILE] (GitHub Actions annotations, Markdown in the job summary), gerrit=FILE (Gerrit review JSON with a Verified vote), html=FILE (one offline page: timeline, findings, statements), blob[=FILE] (the event stream, for merge-reports; default blob-report/rehearse-<i>-of-<n>.jsonl); stdout without a file; repeatable; replaces the config file\'s reporters', (v: string, prev: string[] = []) => [...prev, v])
    .option('--docs-base-url <url>', 'base URL for the hazard docs links in reports (default the config\'s docsBaseUrl, else $REHEARSE_DOCS_URL, else relative docs/hazards/<id>.md)')
    .option('--gerrit-label <name>', 'the label the gerrit reporter votes on (default the config\'s gerritLabel, else Verified)')
    .option('--history <file|url>', 'record the run\'s evidence in this history store: a SQLite file or a postgres:// URL the CI workers share (default .rehearse/history.db in the current directory; docs/history.md)')
    .option('--no-history', 'record nothing')
    .option('--learned-limits', 'use limits learned from the history for migrations the config sets none for (they only tighten; see rehearse limits)')
    .option('--no-learned-limits', 'ignore learned limits even if the config asks for them')
    .option('--target <name>', "rehearse only this target of the config's targets: list (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .option('--shard <i/n>', "rehearse the i-th of n shares of the targets (target k goes to shard k mod n + 1); write a blob with --reporter blob and join the shards with rehearse merge-reports")
    .option('--sandbox', "command sources: run the tool's commands with no network but the scratch database (the default)")
    .option('--no-sandbox', "command sources: run the tool's commands with this machine's network instead of none but the scratch database (where the platform cannot isolate them; docs/sandbox.md)")
    .option('--no-progress', 'no live progress display')
    .option('--quiet', 'no progress and no step table: only the findings and the verdict (the JSON report and reporters are unchanged)')
    .addHelpText('after', `\nExamples:\n${RUN_EXAMPLES}\nExit status: 0 pass, 1 fail (an error finding), 2 usage or configuration error, 3 rehearse could not run.`)
    .action(async (flags) => {
      setExitCode(await runCommand(flags));
    });

  program
    .command('queries')
    .description("the previous app version's queries, for rehearse run --previous-queries")
    .command('capture')
    .description("write the statements a PostgreSQL server's pg_stat_statements recorded for a database as a --previous-queries file (read-only)")
    .requiredOption('--from <url>', 'PostgreSQL server and database to read pg_stat_statements from, e.g. postgres://readonly@db.internal:5432/shop')
    .requiredOption('--out <file>', 'the queries file to write')
    .option('--min-calls <n>', 'leave out statements called fewer times (default 1)')
    .option('--limit <n>', `at most this many statements, the most called first (default ${DEFAULT_LIMIT})`)
    .option('--database <name>', "whose statements to capture (default: the URL's database)")
    .addHelpText('after', `\nExamples:\n${CAPTURE_EXAMPLES}\n${CAPTURE_NOTES}\n\nExit status: 0 written, 2 usage error, 3 could not read the server.`)
    .action(async (flags) => {
      setExitCode(await queriesCaptureCommand(flags));
    });

  registerInitCommand(program, setExitCode);
  registerMergeCommand(program, setExitCode);
  registerLimitsCommand(program, setExitCode);
  registerDatasetCommands(program, setExitCode);
  return program;
}
