// The `rehearse` command line. Exit status (DESIGN §6): 0 pass, 1 fail, 2 usage or
// configuration error, 3 rehearse could not run.
import { Command, CommanderError } from 'commander';
import { exitCodeFor, RehearseError } from '../errors.ts';
import { REHEARSE_VERSION } from '../version.ts';
import { runCommand, RUN_EXAMPLES } from './run-command.ts';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('rehearse')
    .description(
      'Rehearse a change\'s database migrations on a production-shaped dataset, on the real engine,\n' +
        'measure every step (time, locks, rewrites, rows, WAL) and gate the change on what would happen.',
    )
    .version(REHEARSE_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .addHelpText('after', `\nExamples:\n${RUN_EXAMPLES}\nDocs: README.md, docs/hazards/README.md`);

  let exitCode = 0;
  program
    .command('run')
    .description('rehearse the migrations above the dataset\'s version: change, rollback, reapply; report and gate')
    .option('-c, --config <file>', 'config file (default: rehearse.config.{ts,mts,js,mjs,yaml,yml} in the current directory)')
    .option('--migrations <dir>', 'migration directory, golang-migrate layout (<version>_<name>.up.sql / .down.sql)')
    .option('--engine <engine>', 'pglite (embedded PostgreSQL, default) | postgres | mysql (MySQL/MariaDB) | sqlite')
    .option('--url <url>', 'server on which scratch databases are created, e.g. postgres://postgres@127.0.0.1:5432/postgres or mysql://root@127.0.0.1:3306/')
    .option('--dataset <path>', 'a pg_dump plain-SQL dump (tracking table included) or a seed script')
    .option('--dataset-version <version>', 'the migration version a seed script applies at')
    .option('--base <rev>', 'git revision of the trunk (trunk/change split: not applied yet, see the note in the report)')
    .option('--previous-queries <file>', "queries of the previous app version (compatibility replay: not applied yet)")
    .option('--production-rows <list>', 'production row counts, table=N,… (e.g. patches=1.75M): durations, rows, WAL and lock holds are also predicted at that size, and checks gate on the prediction')
    .option('--scale', 'scale runs: rehearse the change again on 25 % and 50 % of the dataset (FK-consistent) and fit how each step grows with rows (super-linear); automatic when production is ≥ 10× the dataset')
    .option('--no-scale', 'no scale runs, even when production is much larger than the dataset')
    .option('--probes', 'traffic probes (the default on a server): sessions read and write the tables each step touches while it runs, measuring how long they are blocked')
    .option('--no-probes', 'no traffic probes: steps run alone and blocking is inferred from lock mode × hold time (e.g. to time them bare)')
    .option('--lock-queue [duration]', 'lock-queue rehearsal: before each step of the change, keep a transaction that read its tables open this long (default 5s), as a long report query would, and measure the queue that forms behind a DDL waiting for it')
    .option('--no-lock-queue', 'no lock-queue rehearsal, even if the config asks for one')
    .option('--json <file>', 'write the JSON report (schemaVersion 1) to this file')
    .option('--no-progress', 'no live progress display')
    .addHelpText('after', `\nExamples:\n${RUN_EXAMPLES}\nExit status: 0 pass, 1 fail (an error finding), 2 usage or configuration error, 3 rehearse could not run.`)
    .action(async (flags) => {
      exitCode = await runCommand(flags);
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
