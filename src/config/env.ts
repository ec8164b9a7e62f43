// `${NAME}` in config strings is replaced with the environment variable NAME, so a committed
// config can point at a CI server (`url: ${DATABASE_URL}`) without committing its password.
// An unset variable is an error rather than an empty string: `postgres://@/` would fail later
// and far less clearly. A variable set to the empty string is used as it is.

export interface PathIssue {
  path: (string | number)[];
  message: string;
}

const REFERENCE = /\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces references in every string value of `value` (keys are left alone). Strings with a
 * problem come back as undefined with an issue each, so validation does not also report the
 * unreplaced `${…}` text as a bad value.
 */
export function interpolateEnv(
  value: unknown,
  env: Record<string, string | undefined>,
): { value: unknown; issues: PathIssue[] } {
  const issues: PathIssue[] = [];
  const visit = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') return interpolateString(node, env, (message) => issues.push({ path, message }));
    if (Array.isArray(node)) return node.map((item, i) => visit(item, [...path, i]));
    if (isPlainObject(node)) {
      return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, visit(item, [...path, key])]));
    }
    return node;
  };
  return { value: visit(value, []), issues };
}

function interpolateString(text: string, env: Record<string, string | undefined>, report: (message: string) => void): string | undefined {
  let ok = true;
  const result = text.replace(REFERENCE, (reference, name: string) => {
    if (!NAME.test(name)) {
      ok = false;
      report(`${reference} is not an environment variable reference; expected \${NAME} with NAME made of letters, digits and _`);
    } else if (env[name] === undefined) {
      ok = false;
      report(`environment variable ${name} is not set`);
    }
    return env[name] ?? '';
  });
  return ok ? result : undefined;
}

// Only data as YAML or a config object literal produces it; class instances (a URL object, a
// Date) are passed through untouched for validation to judge.
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
