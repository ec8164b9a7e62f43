// When two definitions that read differently say the same thing. PostgreSQL deparses an
// expression from its stored tree, and a dump restores that text, which parses into a slightly
// different tree: `varchar_col IN ('a', 'b')` comes back from pg_dump as
// `(col)::text = ANY (ARRAY[('a'::character varying)::text, …])` instead of
// `(col)::text = ANY ((ARRAY['a'::character varying, …])::text[])`. Comparing the text strictly
// would call every such CHECK constraint and default "drift" on every restored dump.
//
// So a definition is compared strictly first, then with explicit casts and parentheses removed.
// The cost: a drift that differs only in a cast (`x::int` vs `x::bigint` in a CHECK) or only in
// parentheses is not reported. Column types are compared on their own, never through this.

/** `::character varying(20)[]`, `::public.mood`, `::timestamp with time zone`, `::"Quoted"`. */
const CAST =
  /::(?:"[^"]+"|[a-z_][\w$]*)(?:\.(?:"[^"]+"|[a-z_][\w$]*))?(?:\s+(?:varying|precision|with(?:out)?\s+time\s+zone))*(?:\s*\(\s*\d+(?:\s*,\s*\d+)?\s*\))?(?:\[\])*/gi;

function canonical(definition: string): string {
  return definition.replace(CAST, '').replace(/[()\s]/g, '');
}

export function sameDefinition(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return false;
  return canonical(a) === canonical(b);
}
