import { describe, expect, it } from 'vitest';
import { sameDefinition } from './equivalent.ts';

describe('sameDefinition', () => {
  it('sees through how PostgreSQL deparses an IN list on varchar after a dump and restore', () => {
    expect(
      sameDefinition(
        "CHECK (((state)::text = ANY ((ARRAY['pending'::character varying, 'fail'::character varying])::text[])))",
        "CHECK (((state)::text = ANY (ARRAY[('pending'::character varying)::text, ('fail'::character varying)::text])))",
      ),
    ).toBe(true);
    expect(sameDefinition("'open'::ticket_state", "'open'::public.ticket_state")).toBe(true);
    expect(sameDefinition("now()", "now()")).toBe(true);
  });

  it('still tells different definitions apart', () => {
    expect(sameDefinition("CHECK (((state)::text = ANY ((ARRAY['pending'::character varying])::text[])))", "CHECK (((state)::text = ANY ((ARRAY['failed'::character varying])::text[])))")).toBe(false);
    expect(sameDefinition('CREATE INDEX i ON public.t USING btree (a)', 'CREATE INDEX i ON public.t USING btree (a, b)')).toBe(false);
    expect(sameDefinition('CREATE INDEX i ON public.t USING btree (a)', 'CREATE UNIQUE INDEX i ON public.t USING btree (a)')).toBe(false);
    expect(sameDefinition(null, "'x'::text")).toBe(false);
    expect(sameDefinition(undefined, 'CHECK (a > 0)')).toBe(false);
  });
});
