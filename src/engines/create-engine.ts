// Picks the engine for a target: `pglite` and `sqlite` need nothing, `postgres` and `mysql` need the server URL.

import { UsageError } from '../errors.ts';
import type { Engine, EngineKind } from './engine.ts';
import { PgliteEngine } from './pglite/pglite-engine.ts';
import { MysqlServerEngine } from './mysql/server-engine.ts';
import { PostgresServerEngine } from './postgres/server-engine.ts';
import { SqliteEngine } from './sqlite/sqlite-engine.ts';

export interface EngineChoice {
  kind: EngineKind;
  /** Server on which scratch databases are created (`--url`): the postgres and mysql engines use one. */
  url?: string;
}

export function createEngine(choice: EngineChoice): Engine {
  switch (choice.kind) {
    case 'pglite':
      return new PgliteEngine();
    case 'postgres':
      if (!choice.url) {
        throw new UsageError(
          'USAGE',
          'the postgres engine needs a server to create scratch databases on: pass --url postgres://user:password@host:port/database ' +
            '(rehearse only writes to databases it creates there, named rehearse_…)',
        );
      }
      return new PostgresServerEngine(choice.url);
    case 'mysql':
      if (!choice.url) {
        throw new UsageError(
          'USAGE',
          'the mysql engine needs a server to create scratch databases on: pass --url mysql://user:password@host:3306/ ' +
            '(rehearse only writes to databases it creates there, named rehearse_…)',
        );
      }
      return new MysqlServerEngine(choice.url);
    case 'sqlite':
      // Scratch databases are files in a private temp directory: no server, no URL.
      return new SqliteEngine();
    default: {
      const unknown: never = choice.kind;
      throw new UsageError('USAGE', `unknown engine "${String(unknown)}": expected pglite, postgres, mysql or sqlite`);
    }
  }
}
