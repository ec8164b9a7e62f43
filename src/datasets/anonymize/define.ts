// What an anonymization rules file may say, for `export default defineRules({ … })` in a
// rules.ts. Kept free of runtime imports: loading a rules file should not load anything else.
// The grammar (docs/anonymization.md) is one string per column, `kind[:argument]`; the object
// forms say the same with the argument as a value.

/** Every `fake:<kind>`. */
export const FAKE_KINDS = [
  'email',
  'name',
  'first_name',
  'last_name',
  'username',
  'phone',
  'address',
  'city',
  'postcode',
  'company',
  'ip',
  'text',
  'date_shift',
  'uuid',
] as const;

export type FakeKind = (typeof FAKE_KINDS)[number];

/**
 * What happens to one column:
 * - `keep`: the value stays as it is;
 * - `null` (or YAML `~`, TS `null`): every value becomes NULL;
 * - `constant:<value>`: every value (NULL too) becomes `<value>`, the rest of the string after the first colon;
 * - `hash`: the hex of an HMAC of the value (digits for numbers, a UUID for uuid columns);
 * - `mask` / `mask:<n>`: every character but the last n (default 2) becomes `*`;
 * - `fake:<kind>`: a made-up value of that kind; `fake:date_shift:<days>` moves dates by at most that many days (default 365).
 */
export type RuleInput =
  | 'keep'
  | 'null'
  | null
  | 'hash'
  | 'mask'
  | `mask:${number}`
  | `constant:${string}`
  | `fake:${FakeKind}`
  | `fake:date_shift:${number}`
  | { constant: string | number | boolean }
  | { mask: number }
  | { fake: FakeKind | `date_shift:${number}` };

export interface RulesInput {
  /** Table (`users`, or `schema.table` outside PostgreSQL's public schema) → column → rule. */
  tables?: Record<string, Record<string, RuleInput>>;
  /** `table.column` of columns that look personal but may stay as they are. */
  keep?: `${string}.${string}`[];
}

/** Returns `rules` unchanged; it exists so a rules.ts gets type checking and completion. */
export function defineRules(rules: RulesInput): RulesInput {
  return rules;
}
