// The django preset against Django itself (Debian's python3-django), on the fixture project
// test/fixtures/command/django: one app, three migrations, the last failing.
import { describeScenario, whyToolMissing } from './testing.ts';

describeScenario({
  preset: 'django',
  fixture: 'django',
  toolReason: whyToolMissing(['python3', '-c', 'import django, psycopg2, MySQLdb'], 'python3-django python3-psycopg2 python3-mysqldb'),
  versions: [
    { version: 'inventory.0001_initial', previous: null },
    { version: 'inventory.0002_item_price_cents', previous: 'inventory.0001_initial' },
    { version: 'inventory.0003_backfill_from_missing_table', previous: 'inventory.0002_item_price_cents' },
  ],
  table: 'inventory_item',
  firstUp: ['manage.py', 'migrate', '--noinput', 'inventory', '0001_initial'],
  probes: true,
});
