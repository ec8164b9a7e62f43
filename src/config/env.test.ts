import { describe, expect, it } from 'vitest';
import { interpolateEnv } from './env.ts';

describe('interpolateEnv', () => {
  const env = { PG_HOST: 'db.internal', PG_PASSWORD: 's3cr3t', EMPTY: '' };

  it('replaces references in nested strings and leaves keys and other values alone', () => {
    const input = {
      url: 'postgres://ci:${PG_PASSWORD}@${PG_HOST}:5432/postgres',
      limits: { rowsChanged: 5, migrations: { '${PG_HOST}': { walBytes: '${EMPTY}1GiB' } } },
      list: ['${PG_HOST}', true, null],
    };
    expect(interpolateEnv(input, env)).toEqual({
      value: {
        url: 'postgres://ci:s3cr3t@db.internal:5432/postgres',
        limits: { rowsChanged: 5, migrations: { '${PG_HOST}': { walBytes: '1GiB' } } },
        list: ['db.internal', true, null],
      },
      issues: [],
    });
  });

  it('reports each unset variable at its path and drops the string', () => {
    const { value, issues } = interpolateEnv({ url: '${NOPE}', dataset: { path: './${ALSO_NOPE}.sql' } }, env);
    expect(value).toEqual({ url: undefined, dataset: { path: undefined } });
    expect(issues).toEqual([
      { path: ['url'], message: 'environment variable NOPE is not set' },
      { path: ['dataset', 'path'], message: 'environment variable ALSO_NOPE is not set' },
    ]);
  });

  it('rejects references that are not variable names', () => {
    const { issues } = interpolateEnv({ url: '${PG HOST}' }, env);
    expect(issues).toEqual([{ path: ['url'], message: expect.stringContaining('${PG HOST} is not an environment variable reference') }]);
  });

  it('leaves a lone $ and unclosed braces as they are', () => {
    expect(interpolateEnv('pa$$word ${x', env).value).toBe('pa$$word ${x');
  });
});
