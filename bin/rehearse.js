#!/usr/bin/env node
// Entry point of the `rehearse` bin. rehearse ships TypeScript sources and runs them through tsx,
// so `npx rehearse` works right after `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
// `rehearse … | head` closes the pipe early: that ends the output, not rehearse with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
