// The public API of the `rehearse` package: what a rehearse.config.ts or a script may import.
export { defineConfig } from './config/define.ts';
export type { ByteSize, Count, DatasetInput, Duration, LimitsInput, RehearseConfigInput } from './config/types.ts';
export { defineRules } from './datasets/anonymize/define.ts';
export type { FakeKind, RuleInput, RulesInput } from './datasets/anonymize/define.ts';
export type { DatasetManifest } from './datasets/dir/manifest.ts';
