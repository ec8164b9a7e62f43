// How each preset reads its tool's output, on output the real tools printed (Alembic 1.8,
// Django 3.2, Rails 6.1, Sqitch 1.3); the suites beside this one run the tools themselves.
import { describe, expect, test } from 'vitest';
import { GENERIC, OutputError, PRESETS, type CommandOutput } from './presets.ts';

const out = (stdout: string, exitCode = 0, stderr = ''): CommandOutput => ({ exitCode, stdout, stderr });

describe('alembic', () => {
  const alembic = PRESETS.alembic;

  test('history, newest first, becomes the versions oldest first with their messages', () => {
    const history = out(
      'b2c3d4e5f6a7 -> c3d4e5f6a7b8 (head), backfill from a table that does not exist\n' +
        'a1b2c3d4e5f6 -> b2c3d4e5f6a7, add widget price\n' +
        '<base> -> a1b2c3d4e5f6, create widgets\n',
    );
    expect(alembic.parseList(history)).toEqual([
      { version: 'a1b2c3d4e5f6', name: 'create widgets', previous: null },
      { version: 'b2c3d4e5f6a7', name: 'add widget price', previous: 'a1b2c3d4e5f6' },
      { version: 'c3d4e5f6a7b8', name: 'backfill from a table that does not exist', previous: 'b2c3d4e5f6a7' },
    ]);
    expect(alembic.parseList(out(''))).toEqual([]);
  });

  test('branches and merges are refused', () => {
    const branched = out(
      'b2c3d4e5f6a7, d1 -> m1 (head) (mergepoint), merge them\n' +
        'a1b2c3d4e5f6 -> b2c3d4e5f6a7, add widget price\n' +
        'a1b2c3d4e5f6 -> d1, branch one\n' +
        '<base> -> a1b2c3d4e5f6 (branchpoint), create widgets\n',
    );
    expect(() => alembic.parseList(branched)).toThrow('the revisions are not one line (<base> -> a1b2c3d4e5f6 (branchpoint))');
    expect(() => alembic.parseList(out('Traceback (most recent call last):\n  oops\n'))).toThrow(OutputError);
  });

  test('current: the revision, none, or several heads refused', () => {
    expect(alembic.parseCurrent(out('b2c3d4e5f6a7 (head)\n'))).toBe('b2c3d4e5f6a7');
    expect(alembic.parseCurrent(out('a1b2c3d4e5f6\n'))).toBe('a1b2c3d4e5f6');
    expect(alembic.parseCurrent(out(''))).toBeNull();
    expect(() => alembic.parseCurrent(out('d1\nb2c3d4e5f6a7\n'))).toThrow('the database is at several revisions (d1, b2c3d4e5f6a7)');
  });

  test('{previous} before the first revision is base', () => {
    expect(alembic.previousValue('a1', null, undefined)).toEqual({ words: ['base'], text: 'base' });
    expect(alembic.previousValue('b2', 'a1', undefined)).toEqual({ words: ['a1'], text: 'a1' });
  });
});

describe('django', () => {
  const django = PRESETS.django;
  const plan = out(
    '[X]  contenttypes.0001_initial\n' +
      '[X]  auth.0001_initial\n' +
      '[X]  inventory.0001_initial\n' +
      '[ ]  contenttypes.0002_remove_content_type_name\n' +
      '[ ]  inventory.0002_item_price_cents\n',
  );

  test('the plan is the project’s order; {previous} is the same app’s migration before', () => {
    expect(django.parseList(plan)).toEqual([
      { version: 'contenttypes.0001_initial', previous: null },
      { version: 'auth.0001_initial', previous: null },
      { version: 'inventory.0001_initial', previous: null },
      { version: 'contenttypes.0002_remove_content_type_name', previous: 'contenttypes.0001_initial' },
      { version: 'inventory.0002_item_price_cents', previous: 'inventory.0001_initial' },
    ]);
    expect(django.parseCurrent(plan)).toBe('inventory.0001_initial');
    expect(django.parseCurrent(out('[ ]  inventory.0001_initial\n'))).toBeNull();
    expect(django.parseList(out('[ ]  inventory.0002_x ... (inventory.0001_initial)\n'))).toEqual([{ version: 'inventory.0002_x', previous: null }]);
  });

  test('{version} is `app migration` for `migrate app migration`; {previous} the app’s previous or zero', () => {
    expect(django.versionValue('inventory.0002_item_price_cents')).toEqual({ words: ['inventory', '0002_item_price_cents'], text: 'inventory.0002_item_price_cents' });
    expect(django.previousValue('inventory.0002_x', 'inventory.0001_initial', undefined).words).toEqual(['inventory', '0001_initial']);
    expect(django.previousValue('inventory.0001_initial', null, undefined).words).toEqual(['inventory', 'zero']);
    expect(() => django.previousValue('inventory.0002_x', 'auth.0001_initial', undefined)).toThrow('must be a migration of the app inventory');
    expect(() => django.versionValue('0002_x')).toThrow('app_label.migration_name');
  });
});

describe('rails', () => {
  const rails = PRESETS.rails;
  test('the migration context’s versions; db:version, 0 meaning none', () => {
    expect(rails.parseList(out('20240101000001 CreateWidgets\n20240101000002 AddPriceToWidgets\n'))).toEqual([
      { version: '20240101000001', name: 'CreateWidgets', previous: null },
      { version: '20240101000002', name: 'AddPriceToWidgets', previous: '20240101000001' },
    ]);
    expect(rails.parseCurrent(out('Current version: 20240101000002\n'))).toBe('20240101000002');
    expect(rails.parseCurrent(out('Current version: 0\n'))).toBeNull();
    expect(() => rails.parseCurrent(out('something else\n'))).toThrow('no `Current version: <n>` line');
    expect(rails.previousValue('20240101000001', null, undefined).words).toEqual(['0']);
  });
});

describe('sqitch', () => {
  const sqitch = PRESETS.sqitch;
  test('plan order and notes; status, `No changes deployed` (exit status 1) meaning none', () => {
    expect(sqitch.parseList(out('widgets Create widgets\nwidget_price Add widget price\n'))).toEqual([
      { version: 'widgets', name: 'Create widgets', previous: null },
      { version: 'widget_price', name: 'Add widget price', previous: 'widgets' },
    ]);
    const status = '# On database db:sqlite:/tmp/t.db\n# Project:  shop\n# Change:   6599e5001a1d\n# Name:     widget_price\n# Deployed: 2026-11-21 14:57:17 +0000\n';
    expect(sqitch.parseCurrent(out(status))).toBe('widget_price');
    const none = out('# On database db:sqlite:/tmp/t.db\nNo changes deployed\n', 1);
    expect(sqitch.currentMayFail!(none)).toBe(true);
    expect(sqitch.parseCurrent(none)).toBeNull();
    expect(sqitch.currentMayFail!(out('', 2, 'cannot connect'))).toBe(false);
    expect(() => sqitch.parseList(out('widgets\nwidgets\n'))).toThrow('version widgets is listed twice');
  });

  test('undoing the first change leaves out its --to={previous} argument (revert everything)', () => {
    expect(sqitch.previousValue('widgets', null, undefined)).toEqual({ words: [], text: undefined });
  });
});

describe('commands of one’s own', () => {
  test('one version per line, oldest first, a name after it; current is the last line', () => {
    expect(GENERIC.parseList(out('001 create users\n\n002\n'))).toEqual([
      { version: '001', name: 'create users', previous: null },
      { version: '002', previous: '001' },
    ]);
    expect(GENERIC.parseCurrent(out('checking...\n002\n'))).toBe('002');
    expect(GENERIC.parseCurrent(out('\n'))).toBeNull();
    expect(() => GENERIC.previousValue('001', null, undefined)).toThrow('{previous} has no value for 001');
    expect(GENERIC.previousValue('001', null, '0').words).toEqual(['0']);
  });
});
