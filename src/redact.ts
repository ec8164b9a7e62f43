// Data values from the dataset never reach logs or reports (DESIGN §9). Database servers quote
// them in error texts; this removes them and keeps the identifiers that make an error readable.

/**
 * Replaces the data values a server quotes in an error message or detail with `…`:
 * `Failing row contains (…)`, `Key (email)=(…) already exists`, `invalid input syntax for type
 * integer: "…"`, `value "…"`. Identifiers (`column "x" of relation "y"`) stay: PostgreSQL and
 * MySQL put a value after a colon or after the word `value`/`entry`, an identifier after the
 * kind of object it names.
 */
export function redactDataValues(message: string): string {
  return message
    .replace(/(Failing row contains )\(.*\)/gs, '$1(…)')
    .replace(/(\bKey \([^)]*\))=\(.*?\)( already exists| is (?:still referenced|not present)| conflicts)/g, '$1=(…)$2')
    .replace(/\b(value|entry)(\s+)"(?:[^"]|"")*"/gi, '$1$2"…"')
    .replace(/\b(value|entry)(\s+)'(?:[^'\\]|\\.|'')*'/gi, "$1$2'…'")
    .replace(/:(\s*)"(?:[^"]|"")*"/g, ':$1"…"')
    .replace(/:(\s*)'(?:[^'\\]|\\.|'')*'/g, ":$1'…'");
}
