// The "command" migration source: migrations applied by the project's own tool (Alembic, Django,
// Rails, Sqitch, nova-manage, or commands of one's own) as a child process, one step at a time, in
// the sandbox. docs/command-sources.md says what it does for users; the files here:
//   config.ts      the `command:` block checked and resolved (pure): resolveCommandSource
//   presets.ts     each tool's commands, what its versions are, how its output is read
//   template.ts    command templates split into arguments without a shell; placeholders per argument
//   connection.ts  the scratch database as each tool reads it: DATABASE_URL dialects, PG*, MYSQL_*
//   run.ts         listVersions, currentVersion, runCommandStep through the sandbox
export {
  COMMAND_SOURCE_KEYS,
  commandSourceProblems,
  DEFAULT_PYTHON,
  resolveCommandSource,
  type CommandSourceSpec,
  type CommandTemplate,
  type ResolvedCommandSource,
} from './config.ts';
export { CONNECTION_VARIABLES, databaseUrl, type CommandConnection, type CommandEngine, type UrlDialect } from './connection.ts';
export { PRESET_NAMES, PRESETS, type CommandKey, type CommandVersion, type PresetName } from './presets.ts';
export {
  commandEnvironment,
  currentVersion,
  listVersions,
  prepareCommandSandbox,
  runCommandStep,
  sideDatabases,
  type CommandRunOptions,
  type CommandSandbox,
  type CommandStep,
  type CommandStepResult,
} from './run.ts';
export { formatArgv, parseTemplate, TemplateError } from './template.ts';
