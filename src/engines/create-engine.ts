// Picks the engine for a target: `pglite` needs nothing, `postgres` needs the server URL.

import { UsageError } from '../errors.ts';
import type { Engine, EngineKind } from './engine.ts';
import { PgliteEngine } from './pglite/pglite-engine.ts';
import { PostgresServerEngine } from './postgres/server-engine.ts';

export interface EngineChoice {
  kind: EngineKind;
  /** Server on which scratch databases are created (`--url`); only the postgres engine uses one. */
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
    default: {
      const unknown: never = choice.kind;
      throw new UsageError('USAGE', `unknown engine "${String(unknown)}": expected pglite or postgres`);
    }
  }
}
