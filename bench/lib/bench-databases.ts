// The databases a benchmark creates: named <prefix><pid>_<n>_<purpose>, dropped at the end, and
// those of an earlier run whose process is gone (a crash, a kill -9) dropped at the next start.
import { isAlive } from './child-processes.ts';
import { log } from './output.ts';

export abstract class BenchDatabases {
  readonly created = new Set<string>();
  private counter = 0;

  constructor(readonly prefix: string) {}

  /** The server's databases whose name starts with the prefix. */
  protected abstract listPrefixed(): Promise<string[]>;
  abstract drop(name: string): Promise<void>;

  name(purpose: string): string {
    return `${this.prefix}${process.pid}_${++this.counter}_${purpose}`;
  }

  /** Drops the databases of earlier bench runs whose process is gone (a crash, a kill -9), and says which. */
  async dropLeftovers(): Promise<string[]> {
    const owner = new RegExp(`^${this.prefix}(\\d+)_`);
    const dropped: string[] = [];
    for (const name of await this.listPrefixed()) {
      const pid = Number(owner.exec(name)?.[1]);
      if (!pid || pid === process.pid || isAlive(pid)) continue;
      await this.drop(name).catch(() => undefined);
      dropped.push(name);
    }
    if (dropped.length) log(`dropped ${dropped.length} database(s) left by an earlier bench run: ${dropped.join(', ')}`);
    return dropped;
  }

  async dropAll(): Promise<void> {
    for (const name of [...this.created]) await this.drop(name).catch(() => undefined);
  }
}
