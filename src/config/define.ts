// Kept free of runtime imports: a rehearse.config.ts imports this, and loading the config
// should not load the engines.
import type { RehearseConfigInput } from './types.ts';

/**
 * Returns `config` unchanged; it exists so `export default defineConfig({ … })` in
 * rehearse.config.ts gets type checking and completion.
 */
export function defineConfig(config: RehearseConfigInput): RehearseConfigInput {
  return config;
}
