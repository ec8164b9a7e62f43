// rehearse's own version, read once from package.json (reports and dataset manifests carry it).
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const REHEARSE_VERSION: string = pkg.version;
