// The sqitch preset against Sqitch itself (Debian's sqitch with its DBD drivers and the psql,
// mysql and sqlite3 clients it runs), on the fixture project test/fixtures/command/sqitch: three
// changes, the last failing. Its SQL cannot open a socket, so it has no network probe.
import { describeScenario, whyToolMissing } from './testing.ts';

describeScenario({
  preset: 'sqitch',
  fixture: 'sqitch',
  toolReason:
    whyToolMissing(['sqitch', '--version'], 'sqitch') ??
    whyToolMissing(['perl', '-MDBD::Pg', '-MDBD::mysql', '-MDBD::SQLite', '-e', '1'], 'libdbd-pg-perl libdbd-mysql-perl libdbd-sqlite3-perl') ??
    whyToolMissing(['sh', '-c', 'command -v psql && command -v mysql && command -v sqlite3'], 'postgresql-client mariadb-client sqlite3'),
  versions: [
    { version: 'widgets', name: 'Create widgets', previous: null },
    { version: 'widget_price', name: 'Add widget price', previous: 'widgets' },
    { version: 'backfill_price', name: 'Backfill from a table that does not exist', previous: 'widget_price' },
  ],
  table: 'widgets',
  // On MySQL the registry is a database beside the scratch one (see the preset).
  firstUp: (database, engine) => (engine === 'mysql' ? ['deploy', '--registry', `${database}_sqitch`, '--to', 'widgets'] : ['deploy', '--to', 'widgets']),
  probes: false,
});
