// A connection to a database rehearse did not create (a capture source): every transaction on
// it is read-only whatever a statement says, and connection failures never show the password.
import pg from 'pg';
import type { ServerUrl } from '../url.ts';
import { EnvironmentError } from '../../errors.ts';
import { driverReason, scrubbedCause } from './driver-errors.ts';
import { APPLICATION_NAME, CONNECT_TIMEOUT_MS } from './pg-session.ts';

export async function connectReadOnly(url: ServerUrl, options: { statementTimeoutMs?: number } = {}): Promise<pg.Client> {
  const settings = ['-c default_transaction_read_only=on', ...(options.statementTimeoutMs ? [`-c statement_timeout=${options.statementTimeoutMs}`] : [])];
  const client = new pg.Client({
    connectionString: url.href,
    application_name: APPLICATION_NAME,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    options: settings.join(' '),
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw new EnvironmentError('ENGINE_UNREACHABLE', `cannot connect to PostgreSQL at ${url.redacted}: ${driverReason(error, url)}`, {
      cause: scrubbedCause(error, url),
    });
  }
  return client;
}
