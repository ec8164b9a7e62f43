// Data values from the dataset never reach logs or reports (DESIGN §9). Database servers quote
// them in error texts; this removes them and keeps the identifiers that make an error readable.
// Credentials never reach them either: a migration's statement is shown as written (it is the
// user's code), but a password, token or key in it is masked, and so is one a server quotes back.

/** A `Key (…)=` column list: names, or expressions with parentheses inside (`lower(email)`). */
const KEY_COLUMNS = String.raw`\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)`;
/** What PostgreSQL writes after a key's values (`already exists`, `is duplicated`, …), or the end of its sentence. */
const AFTER_KEY_VALUES = String.raw`(?=\s+(?:already exists|is duplicated|is still referenced|is not present|conflicts with)|\.?\s*$)`;
const KEY_VALUES = new RegExp(String.raw`(\b[Kk]ey ${KEY_COLUMNS})=\(.*?\)${AFTER_KEY_VALUES}`, 'gm');

/**
 * Replaces the data values a server quotes in an error message or detail with `…`:
 * `Failing row contains (…)`, `Key (email)=(…) already exists`, `Key (email)=(…) is duplicated`,
 * `invalid input syntax for type integer: "…"`, `value "…"`. Identifiers (`column "x" of
 * relation "y"`) stay: PostgreSQL and MySQL put a value after a colon or after the word
 * `value`/`entry`, an identifier after the kind of object it names. A server text can also quote
 * the statement (MySQL's `near '…'`): credentials in it are masked (`redactSecrets`).
 */
export function redactDataValues(message: string): string {
  return redactSecrets(
    message
      .replace(/([Ff]ailing row contains )\(.*\)/gs, '$1(…)')
      .replace(KEY_VALUES, '$1=(…)')
      .replace(/\b(value|entry)(\s+)"(?:[^"]|"")*"/gi, '$1$2"…"')
      .replace(/\b(value|entry)(\s+)'(?:[^'\\]|\\.|'')*'/gi, "$1$2'…'")
      .replace(/:(\s*)"(?:[^"]|"")*"/g, ':$1"…"')
      .replace(/:(\s*)'(?:[^'\\]|\\.|'')*'/g, ":$1'…'"),
  );
}

/** Where a secret written inline ends: blanks, quotes, and the `…` of a clipped summary. */
const END = String.raw`\s'"\`…`;
/** `postgres://app:secret@db`: the userinfo's password, up to the last `@` of the word. */
const URL_PASSWORD = new RegExp(String.raw`(\b[a-z][a-z0-9+.-]*://[^${END}:@/?#]*:)[^${END}]*@`, 'gi');
/** The same URL clipped inside its password (`postgres://app:secr…`), as a summary may be. */
const CLIPPED_URL_PASSWORD = new RegExp(String.raw`(\b[a-z][a-z0-9+.-]*://[^${END}:@/?#]*:)[^${END}@/]*(?=…)`, 'gi');
/** `Authorization: Bearer eyJ…`, `Authorization: Basic dXNl…`: the credentials after the scheme. */
const AUTHORIZATION = new RegExp(String.raw`(\bAuthorization\s*[:=]\s*(?:(?:Bearer|Basic|Token|Digest)\s+)?)[^${END},;]+`, 'gi');
/** A bare `Bearer eyJ…` token. */
const BEARER = /\b(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/g;
/** Keys whose value is a secret: `password`, `sslpassword`, `pwd`, `client_secret`, `api_token`, `apiKey`, `access_key`, … */
const SECRET_KEY = String.raw`[A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)`;
/**
 * `password=x` (a conninfo, a query string), `"token": "x"`, `secret = 'x'`: a quoted value after
 * any separator, an unquoted one only where the separator has no blanks around it (so code like
 * `token = md5(…)` or a cast `api_token::integer` is left alone).
 */
const KEY_VALUE = new RegExp(
  String.raw`(\b${SECRET_KEY}["']?)(?:(\s*(?:=|:(?!:))\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.|'')*')|(=|:(?!:))([^${END}&;,)]+))`,
  'gi',
);
/** SQL's `PASSWORD 'x'` (CREATE/ALTER ROLE) and MySQL's `IDENTIFIED BY 'x'`. */
const SQL_PASSWORD = /\b(PASSWORD|IDENTIFIED\s+BY)(\s+)'(?:[^'\\]|\\.|'')*'/gi;

/**
 * Masks credentials in text shown as it was written (a statement's summary, a server message
 * quoting one): a URL's password (`postgres://app:***@db/prod`), what follows
 * `Authorization:` and `Bearer` (`Bearer <redacted>`), the value of a password, secret, token or
 * key pair (`password=***`, `"api_key": "***"`), and SQL's `PASSWORD '***'`. The rest of the text
 * stays: it is the user's own code.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(URL_PASSWORD, '$1***@')
    .replace(CLIPPED_URL_PASSWORD, '$1***')
    .replace(AUTHORIZATION, '$1<redacted>')
    .replace(BEARER, '$1<redacted>')
    .replace(KEY_VALUE, (_, key: string, blankSeparator?: string, quoted?: string, separator?: string) =>
      quoted !== undefined ? `${key}${blankSeparator}${quoted[0]}***${quoted[0]}` : `${key}${separator}***`,
    )
    .replace(SQL_PASSWORD, "$1$2'***'");
}
