import { describe, expect, it } from 'vitest';
import { redactDataValues, redactSecrets } from './redact.ts';

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

describe('redactDataValues (key values in every PostgreSQL detail)', () => {
  it('removes the values of a unique index that cannot be built', () => {
    expect(redactDataValues('Key (email)=(ann@example.com) is duplicated.')).toBe('Key (email)=(…) is duplicated.');
    expect(redactDataValues('Key (email, token)=(ann@example.com, t) x)) is duplicated.')).toBe('Key (email, token)=(…) is duplicated.');
  });
  it('removes the values of an expression index, whose columns hold parentheses', () => {
    expect(redactDataValues('Key (lower(email::text))=(ann@example.com) already exists.')).toBe('Key (lower(email::text))=(…) already exists.');
  });
  it('removes both keys of an exclusion conflict', () => {
    expect(redactDataValues('Key (room, during)=(1, [2024-01-01,2024-01-02)) conflicts with existing key (room, during)=(1, [2024-01-01,2024-01-03)).')).toBe(
      'Key (room, during)=(…) conflicts with existing key (room, during)=(…).',
    );
  });
  it("removes a partition key's row", () => {
    expect(redactDataValues('Partition key of the failing row contains (created_at) = (1999-01-01).')).toBe('Partition key of the failing row contains (…).');
  });
  it('masks credentials a server quotes back from the statement', () => {
    expect(redactDataValues("You have an error in your SQL syntax; check the manual near 'postgres://app:pw@db/x' at line 1")).toBe(
      "You have an error in your SQL syntax; check the manual near 'postgres://app:***@db/x' at line 1",
    );
  });
});

describe('redactSecrets', () => {
  it("masks a URL's password and keeps the rest of the URL", () => {
    expect(redactSecrets("SELECT 'postgres://app:S3cret@db.internal/prod' AS dsn")).toBe("SELECT 'postgres://app:***@db.internal/prod' AS dsn");
    expect(redactSecrets('mysql://root:p@ss:w0rd@127.0.0.1:3306/shop and https://example.com:8443/x')).toBe(
      'mysql://root:***@127.0.0.1:3306/shop and https://example.com:8443/x',
    );
    expect(redactSecrets('jdbc:postgresql://app:pw@db/x?sslmode=require')).toBe('jdbc:postgresql://app:***@db/x?sslmode=require');
  });
  it('masks a password a clipped summary cut short', () => {
    expect(redactSecrets("SELECT 'postgres://app:S3cr…")).toBe("SELECT 'postgres://app:***…");
  });
  it('masks Authorization headers and Bearer tokens', () => {
    expect(redactSecrets("SELECT 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIi.sig' AS h")).toBe("SELECT 'Authorization: Bearer <redacted>' AS h");
    expect(redactSecrets('authorization=Basic dXNlcjpwYXNz')).toBe('authorization=Basic <redacted>');
    expect(redactSecrets("curl -H 'Bearer abc.def-ghi_jkl=' …")).toBe("curl -H 'Bearer <redacted>' …");
    expect(redactSecrets("SELECT 'Authorization: Bearer eyJhbGciOi…")).toBe("SELECT 'Authorization: Bearer <redacted>…");
  });
  it('masks the values of password, secret, token and key pairs', () => {
    expect(redactSecrets("SELECT 'host=db user=app password=Kv55 sslmode=require'")).toBe("SELECT 'host=db user=app password=*** sslmode=require'");
    expect(redactSecrets('https://api.example.com/v1?api_key=abc123&page=2')).toBe('https://api.example.com/v1?api_key=***&page=2');
    expect(redactSecrets(`SELECT '{"client_secret": "s3", "name": "x"}'::jsonb`)).toBe(`SELECT '{"client_secret": "***", "name": "x"}'::jsonb`);
    expect(redactSecrets("UPDATE settings SET value = 'x' WHERE token = 'tok_1'")).toBe("UPDATE settings SET value = 'x' WHERE token = '***'");
    expect(redactSecrets('SELECT \'password=hunter2…')).toBe('SELECT \'password=***…');
  });
  it("masks SQL's own password clauses", () => {
    expect(redactSecrets("CREATE ROLE app LOGIN PASSWORD 'S3cret'")).toBe("CREATE ROLE app LOGIN PASSWORD '***'");
    expect(redactSecrets("ALTER USER 'app'@'%' IDENTIFIED BY 'S3cret'")).toBe("ALTER USER 'app'@'%' IDENTIFIED BY '***'");
  });
  it('leaves code that only names such columns alone', () => {
    for (const code of [
      'ALTER TABLE accounts ALTER COLUMN api_token TYPE integer USING api_token::integer',
      'UPDATE accounts SET token = md5(random()::text)',
      'ALTER TABLE users ADD COLUMN password_hash text',
      'CREATE SCHEMA billing AUTHORIZATION app',
      "Access denied for user 'root'@'localhost' (using password: YES)",
      'postgres://db.internal:5432/prod',
    ]) {
      expect(redactSecrets(code)).toBe(code);
    }
  });
});
