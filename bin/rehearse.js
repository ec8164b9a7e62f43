#!/usr/bin/env node
// Entry point of the `rehearse` bin. rehearse ships TypeScript sources and runs them through tsx,
// so `npx rehearse` works right after `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
