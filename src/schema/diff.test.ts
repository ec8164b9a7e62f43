import { describe, expect, it } from 'vitest';
import { column, schema, tableSchema } from '../checks/test-fixtures.ts';
import { columnDefinition, diffSchemas, formatSchemaDiff, objectLabel, oneLine, textWithinTable } from './diff.ts';
import { EMPTY_SCHEMA, type DiffLabels } from './model.ts';

const DRIFT: DiffLabels = { expected: 'the migrations', actual: 'the dataset' };
const ROUND_TRIP: DiffLabels = { expected: 'after change', actual: 'after reapply' };

const tickets = tableSchema('support_tickets', {
  columns: [
    column('id', { type: 'bigint', notNull: true }),
    column('subject', { type: 'varchar(120)', notNull: true }),
    column('state', { default: "'open'::text" }),
  ],
  indexes: {
    support_tickets_pkey: 'CREATE UNIQUE INDEX support_tickets_pkey ON public.support_tickets USING btree (id)',
  },
  constraints: { support_tickets_pkey: 'PRIMARY KEY (id)' },
});

const withTickets = (t = tickets) => schema([t]);

describe('diffSchemas', () => {
  it('finds nothing between equal models, whatever the column order', () => {
    const reordered = { ...tickets, columns: [...tickets.columns].reverse() };
    expect(diffSchemas(withTickets(), withTickets(reordered), DRIFT)).toEqual([]);
    expect(diffSchemas(EMPTY_SCHEMA, EMPTY_SCHEMA, DRIFT)).toEqual([]);
  });

  it('names a column whose type differs, with both definitions', () => {
    const widened = { ...tickets, columns: tickets.columns.map((c) => (c.name === 'subject' ? { ...c, type: 'varchar(500)' } : c)) };
    expect(diffSchemas(withTickets(), withTickets(widened), DRIFT)).toEqual([
      {
        kind: 'column',
        table: 'support_tickets',
        name: 'subject',
        change: 'changed',
        attributes: ['type'],
        expected: 'varchar(120) NOT NULL',
        actual: 'varchar(500) NOT NULL',
        text: 'column support_tickets.subject is varchar(500) in the dataset, varchar(120) in the migrations',
      },
    ]);
  });

  it('words each column attribute, and all of them together when several differ', () => {
    const changed = tableSchema('support_tickets', {
      ...tickets,
      columns: [
        column('id', { type: 'bigint', notNull: false }),
        column('subject', { type: 'varchar(120)', notNull: true, collation: 'utf8mb4_bin' }),
        column('state', { default: null }),
      ],
    });
    const texts = diffSchemas(withTickets(), withTickets(changed), DRIFT).map((d) => [d.attributes, d.text]);
    expect(texts).toEqual([
      [['nullability'], 'column support_tickets.id is nullable in the dataset, NOT NULL in the migrations'],
      [['collation'], 'column support_tickets.subject has collation utf8mb4_bin in the dataset, the default collation in the migrations'],
      [['default'], "column support_tickets.state has no default in the dataset, default 'open'::text in the migrations"],
    ]);
    const several = tableSchema('support_tickets', { ...tickets, columns: [column('id', { type: 'integer' }), ...tickets.columns.slice(1)] });
    const [d] = diffSchemas(withTickets(), withTickets(several), DRIFT);
    expect(d).toMatchObject({ attributes: ['type', 'nullability'], expected: 'bigint NOT NULL', actual: 'integer' });
    expect(d?.text).toBe('column support_tickets.id is integer in the dataset, bigint NOT NULL in the migrations (type, nullability differ)');
  });

  it('a column definition reads type, NOT NULL, DEFAULT, COLLATE; a generated column shows its expression', () => {
    expect(columnDefinition(column('a', { type: 'varchar(10)', notNull: true, default: "''", collation: 'C' }))).toBe("varchar(10) NOT NULL DEFAULT '' COLLATE C");
    expect(columnDefinition(column('b', { type: 'integer', default: 'GENERATED ALWAYS AS ((a * 2)) STORED' }))).toBe('integer GENERATED ALWAYS AS ((a * 2)) STORED');
  });

  it('orders: tables by name; within a table the table, columns, indexes, constraints, triggers; then views, sequences, types, functions', () => {
    const expected = schema([tickets], {
      views: { open_tickets: 'SELECT 1' },
      sequences: ['support_tickets_id_seq'],
      types: { mood: "ENUM ('a')" },
      functions: { 'touch()': 'RETURNS trigger LANGUAGE plpgsql body md5 1' },
    });
    const actual = schema(
      [
        tableSchema('support_tickets', {
          ...tickets,
          columns: [...tickets.columns, column('priority', { type: 'integer' })],
          indexes: { ...tickets.indexes, support_tickets_state_idx: 'CREATE INDEX support_tickets_state_idx ON public.support_tickets USING btree (state)' },
          constraints: {},
          triggers: { touch: 'CREATE TRIGGER touch BEFORE UPDATE ON public.support_tickets FOR EACH ROW EXECUTE FUNCTION touch()' },
        }),
        tableSchema('audit_log'),
      ],
      { views: {}, sequences: [], types: { mood: "ENUM ('a', 'b')" }, functions: { 'touch()': 'RETURNS trigger LANGUAGE plpgsql body md5 2' } },
    );
    const diff = diffSchemas(expected, actual, DRIFT);
    expect(diff.map((d) => `${d.kind} ${d.table ?? '-'} ${d.name} ${d.change}`)).toEqual([
      'table audit_log audit_log extra',
      'column support_tickets priority extra',
      'index support_tickets support_tickets_state_idx extra',
      'constraint support_tickets support_tickets_pkey missing',
      'trigger support_tickets touch extra',
      'view - open_tickets missing',
      'sequence - support_tickets_id_seq missing',
      'type - mood changed',
      'function - touch() changed',
    ]);
    expect(diff.map((d) => d.text)).toEqual([
      'table audit_log is in the dataset only',
      'column support_tickets.priority is in the dataset only: integer',
      'index support_tickets_state_idx on support_tickets is in the dataset only: CREATE INDEX support_tickets_state_idx ON public.support_tickets USING btree (state)',
      'constraint support_tickets_pkey on support_tickets is missing from the dataset: PRIMARY KEY (id)',
      'trigger touch on support_tickets is in the dataset only: CREATE TRIGGER touch BEFORE UPDATE ON public.support_tickets FOR EACH ROW EXECUTE FUNCTION touch()',
      'view open_tickets is missing from the dataset: SELECT 1',
      'sequence support_tickets_id_seq is missing from the dataset',
      "type mood differs: ENUM ('a', 'b') in the dataset, ENUM ('a') in the migrations",
      'function touch() differs: RETURNS trigger LANGUAGE plpgsql body md5 2 in the dataset, RETURNS trigger LANGUAGE plpgsql body md5 1 in the migrations',
    ]);
    expect(diff[0]).toMatchObject({ actual: '(id bigint NOT NULL)' });
    expect(diff[0]).not.toHaveProperty('expected');
  });

  it('says an index is INVALID, a constraint NOT VALID, a trigger DISABLED, in so many words', () => {
    const def = tickets.indexes.support_tickets_pkey!;
    const trigger = 'CREATE TRIGGER touch BEFORE UPDATE ON public.support_tickets FOR EACH ROW EXECUTE FUNCTION touch()';
    const actual = tableSchema('support_tickets', {
      ...tickets,
      indexes: { support_tickets_pkey: `${def} (INVALID)` },
      constraints: { support_tickets_pkey: 'PRIMARY KEY (id)', positive: 'CHECK ((id > 0)) NOT VALID' },
      triggers: { touch: trigger },
    });
    const expected = tableSchema('support_tickets', { ...tickets, constraints: { ...tickets.constraints, positive: 'CHECK ((id > 0))' }, triggers: { touch: `${trigger} (DISABLED)` } });
    expect(diffSchemas(withTickets(expected), withTickets(actual), DRIFT).map((d) => d.text)).toEqual([
      'index support_tickets_pkey on support_tickets is INVALID in the dataset, valid in the migrations',
      'constraint positive on support_tickets is NOT VALID in the dataset, validated in the migrations',
      'trigger touch on support_tickets is enabled in the dataset, DISABLED in the migrations',
    ]);
  });

  it('keeps long definitions out of the line, and in expected/actual', () => {
    const long = (n: number) => ` SELECT ${Array.from({ length: 40 }, (_, i) => `c${i}`).join(',\n    ')}\n   FROM t${n};`;
    const [d] = diffSchemas(schema([], { views: { wide: long(1) } }), schema([], { views: { wide: long(2) } }), DRIFT);
    expect(d?.text).toBe('view wide has a different definition in the dataset than in the migrations');
    expect(d).toMatchObject({ expected: long(1), actual: long(2), attributes: ['definition'] });
    expect(oneLine(long(1), 30)).toBe('SELECT c0, c1, c2, c3, c4, c5…');
  });

  it('words a phrase of time as it is (after reapply)', () => {
    const gone = tableSchema('support_tickets', { ...tickets, columns: tickets.columns.slice(0, 2), indexes: {}, triggers: { t: 'CREATE TRIGGER t …' } });
    const narrowed = tableSchema('support_tickets', { ...gone, columns: [tickets.columns[0]!, { ...tickets.columns[1]!, type: 'varchar(60)' }] });
    expect(diffSchemas(withTickets(), withTickets(narrowed), ROUND_TRIP).map((d) => d.text)).toEqual([
      'column support_tickets.subject is varchar(60) after reapply, varchar(120) after change',
      "column support_tickets.state is missing after reapply: text DEFAULT 'open'::text",
      'index support_tickets_pkey on support_tickets is missing after reapply: CREATE UNIQUE INDEX support_tickets_pkey ON public.support_tickets USING btree (id)',
      'trigger t on support_tickets exists only after reapply: CREATE TRIGGER t …',
    ]);
    expect(diffSchemas(withTickets(), schema([]), ROUND_TRIP).map((d) => d.text)).toEqual(['table support_tickets is missing after reapply']);
  });

  it('leaves out the tables it is told to ignore', () => {
    const tracking = tableSchema('schema_migrations');
    expect(diffSchemas(withTickets(), schema([tickets, tracking]), DRIFT, { ignoreTables: (t) => t === 'schema_migrations' })).toEqual([]);
    expect(diffSchemas(withTickets(), schema([tickets, tracking]), DRIFT)).toHaveLength(1);
  });

  it('names objects within their table for a finding that is about the table', () => {
    const diff = diffSchemas(withTickets(), schema([tableSchema('support_tickets', { ...tickets, indexes: {} }), tableSchema('audit_log')]), DRIFT);
    expect(diff.map(textWithinTable)).toEqual([
      'it is in the dataset only',
      'index support_tickets_pkey is missing from the dataset: CREATE UNIQUE INDEX support_tickets_pkey ON public.support_tickets USING btree (id)',
    ]);
    expect(objectLabel({ kind: 'view', name: 'v' }, { withinTable: true })).toBe('view v');
  });
});

describe('formatSchemaDiff', () => {
  it('a line per object: - expected only, + actual only, ~ changed with both definitions under it', () => {
    const widened = tableSchema('support_tickets', {
      ...tickets,
      columns: tickets.columns.map((c) => (c.name === 'subject' ? { ...c, type: 'varchar(500)' } : c)),
      indexes: { ...tickets.indexes, support_tickets_state_idx: 'CREATE INDEX support_tickets_state_idx ON public.support_tickets USING btree (state)' },
      constraints: {},
    });
    const diff = diffSchemas(schema([tickets], { views: { open_tickets: ' SELECT id\n   FROM support_tickets;' } }), schema([widened]), DRIFT);
    expect(formatSchemaDiff(diff)).toBe(
      [
        '~ column support_tickets.subject (type)',
        '    - varchar(120) NOT NULL',
        '    + varchar(500) NOT NULL',
        '+ index support_tickets_state_idx on support_tickets:',
        '    CREATE INDEX support_tickets_state_idx ON public.support_tickets USING btree (state)',
        '- constraint support_tickets_pkey on support_tickets: PRIMARY KEY (id)',
        '- view open_tickets:',
        '    SELECT id',
        '       FROM support_tickets;',
      ].join('\n'),
    );
    expect(formatSchemaDiff([])).toBe('');
  });
});
