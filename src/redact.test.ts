import { describe, expect, it } from 'vitest';
import { redactDataValues } from './redact.ts';

describe('redactDataValues', () => {
  it('removes row contents and key values PostgreSQL puts in error details', () => {
    expect(redactDataValues('Failing row contains (1, alice@example.com, null).')).toBe('Failing row contains (…).');
    expect(redactDataValues('Key (email)=(alice@example.com) already exists.')).toBe('Key (email)=(…) already exists.');
    expect(redactDataValues('Key (customer_id)=(42) is not present in table "customers".')).toBe(
      'Key (customer_id)=(…) is not present in table "customers".',
    );
  });

  it('removes quoted values and keeps identifiers', () => {
    expect(redactDataValues('invalid input syntax for type integer: "12abc"')).toBe('invalid input syntax for type integer: "…"');
    expect(redactDataValues('column "fax" of relation "suppliers" contains null values')).toBe(
      'column "fax" of relation "suppliers" contains null values',
    );
    expect(redactDataValues("Duplicate entry 'bob' for key 'email'")).toBe("Duplicate entry '…' for key 'email'");
  });
});

describe('redactDataValues (server messages)', () => {
  it('removes values PostgreSQL quotes after a colon or the word value', () => {
    expect(redactDataValues('invalid input syntax for type integer: "n/a"')).toBe('invalid input syntax for type integer: "…"');
    expect(redactDataValues('value "99999999999" is out of range for type integer')).toBe('value "…" is out of range for type integer');
  });
  it("removes MySQL's quoted values", () => {
    expect(redactDataValues("Duplicate entry 'ann@example.com' for key 'email'")).toBe("Duplicate entry '…' for key 'email'");
    expect(redactDataValues("Incorrect integer value: 'abc' for column 'qty' at row 1")).toBe(
      "Incorrect integer value: '…' for column 'qty' at row 1",
    );
  });
  it('keeps identifiers', () => {
    const msg = 'column "billing_interval" of relation "subscriptions" contains null values';
    expect(redactDataValues(msg)).toBe(msg);
    expect(redactDataValues('duplicate key value violates unique constraint "cars_vin_key"')).toBe(
      'duplicate key value violates unique constraint "cars_vin_key"',
    );
  });
});
