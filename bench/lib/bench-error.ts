/**
 * A failure to run a benchmark (a bad option, a missing client, a migration that failed): printed
 * as `bench: <message>` without a stack, exit status 1. Anything else is a bug and keeps its stack.
 */
export class BenchError extends Error {}
