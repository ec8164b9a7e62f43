// A capture worker thread's entry point: TypeScript is loaded through tsx here too (a worker has
// its own module loader), then capture-worker.ts does the work.
import { register } from 'tsx/esm/api';

register();
await import('./capture-worker.ts');
