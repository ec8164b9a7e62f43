// The rails preset against Rails itself (Debian's ruby-railties and Active Record 6.1), on the
// fixture application test/fixtures/command/rails: three migrations, the last failing.
import { describeScenario, whyToolMissing } from './testing.ts';

describeScenario({
  preset: 'rails',
  fixture: 'rails',
  toolReason: whyToolMissing(['ruby', '-e', 'require "rails"; require "active_record"; require "pg"; require "mysql2"; require "sqlite3"'], 'ruby-railties ruby-activerecord ruby-pg ruby-mysql2 ruby-sqlite3'),
  versions: [
    { version: '20240101000001', name: 'CreateWidgets', previous: null },
    { version: '20240101000002', name: 'AddPriceToWidgets', previous: '20240101000001' },
    { version: '20240101000003', name: 'BackfillFromMissingTable', previous: '20240101000002' },
  ],
  table: 'widgets',
  firstUp: ['db:migrate:up', 'VERSION=20240101000001'],
  probes: true,
});
