// Command templates: a line such as `python3 -m alembic upgrade {version}` split into arguments
// WITHOUT a shell, its placeholders filled in per argument after splitting, so a version can never
// add, remove or reshape arguments. The rules (docs/command-sources.md):
//
// - blanks (space, tab, newline) separate arguments;
// - '…' keeps everything up to the next ' literally; "…" too, except that \" and \\ stand for " and \;
//   outside quotes a backslash keeps the next character literally (`\ ` is a space in an argument);
//   quoted and unquoted text next to each other make one argument (`--to='a b'` is `--to=a b`), and
//   `''` is an empty argument;
// - `{name}` is a placeholder (anywhere, quoted or not); `{{` is a literal `{`; any other brace is
//   literal (`{ |m| … }` and `#{m.version}` stay as they are);
// - there is no shell: `$VAR`, `~`, globs, pipes, `&&`, `;` and redirections mean nothing. So that
//   a template written for a shell fails at once rather than strangely, an unquoted `$`, a leading
//   unquoted `~` and an unquoted argument that is a shell operator are refused (quote them to pass
//   them literally).
//
// Expanding: an argument that is a placeholder alone becomes the placeholder's words — one
// argument usually, two for a Django migration (`inventory 0002_price`), none for a `{previous}`
// that has no value (Sqitch before its first change). A placeholder inside a longer argument is
// replaced by its text (`inventory.0002_price`); when it has no value, the whole argument is left out
// (Sqitch's `--to={previous}` before the first change).

/** One part of an argument: literal text, or a placeholder to fill in. */
export type TemplatePart = { text: string } | { placeholder: string };

/** A template split into arguments, each a list of parts. */
export interface ParsedTemplate {
  /** The template as written. */
  source: string;
  args: TemplatePart[][];
}

/** What a placeholder stands for: its words as arguments of their own, and its text inside a longer argument. */
export interface PlaceholderValue {
  /** The arguments a placeholder alone in an argument becomes (none: the argument is left out). */
  words: string[];
  /** What it becomes inside a longer argument; undefined: that argument is left out. */
  text: string | undefined;
}

const SHELL_OPERATORS = new Set(['|', '||', '&', '&&', ';', ';;', '>', '>>', '<', '<<', '2>', '2>>', '2>&1', '>&2', '&>', '(', ')']);

export class TemplateError extends Error {}

/** Splits `source` into arguments of literal text and placeholders; throws a TemplateError saying what is wrong. */
export function parseTemplate(source: string): ParsedTemplate {
  const args: TemplatePart[][] = [];
  /** The argument being read (undefined between arguments). */
  let parts: TemplatePart[] | undefined;
  let text = '';
  /** The argument's unquoted characters, to recognise a shell operator standing alone. */
  let unquoted = '';
  let quoted = false;
  /** '…', "…" or neither. */
  let quote: "'" | '"' | undefined;
  let quoteStart = 0;

  const add = (s: string, literal: boolean) => {
    parts ??= [];
    text += s;
    if (literal) quoted = true;
    else unquoted += s;
  };
  const endArgument = () => {
    if (parts === undefined) return;
    if (text !== '') parts.push({ text });
    if (!quoted && SHELL_OPERATORS.has(unquoted)) {
      throw new TemplateError(`\`${unquoted}\` would be passed to the program as an argument: commands run without a shell (quote it to mean it literally, or run \`sh -c '…'\` yourself)`);
    }
    args.push(parts.length === 0 ? [{ text: '' }] : parts);
    parts = undefined;
    text = '';
    unquoted = '';
    quoted = false;
  };

  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '{') {
      if (source[i + 1] === '{') {
        add('{', true);
        i += 2;
        continue;
      }
      const match = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(source.slice(i));
      if (match) {
        parts ??= [];
        if (text !== '') parts.push({ text });
        text = '';
        parts.push({ placeholder: match[1]! });
        quoted = true;
        i += match[0].length;
        continue;
      }
      add(c, quote !== undefined);
      i++;
    } else if (quote === "'") {
      if (c === "'") quote = undefined;
      else add(c, true);
      i++;
    } else if (quote === '"') {
      if (c === '"') {
        quote = undefined;
        i++;
      } else if (c === '\\' && (source[i + 1] === '"' || source[i + 1] === '\\')) {
        add(source[i + 1]!, true);
        i += 2;
      } else {
        add(c, true);
        i++;
      }
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      endArgument();
      i++;
    } else if (c === "'" || c === '"') {
      parts ??= [];
      quoted = true;
      quote = c;
      quoteStart = i;
      i++;
    } else if (c === '\\') {
      if (i + 1 >= source.length) throw new TemplateError('the command ends with a lone backslash');
      add(source[i + 1]!, true);
      i += 2;
    } else {
      if (c === '$') throw new TemplateError(`\`$\` at character ${i + 1}: commands run without a shell, so variables are not expanded (set them in \`env\`, or quote the \`$\` to pass it literally)`);
      if (c === '~' && parts === undefined) throw new TemplateError(`\`~\` at character ${i + 1}: commands run without a shell, so \`~\` is not the home directory (write the path, or quote it to pass it literally)`);
      add(c, false);
      i++;
    }
  }
  if (quote) throw new TemplateError(`unterminated ${quote} quote at character ${quoteStart + 1}`);
  endArgument();
  if (args.length === 0) throw new TemplateError('the command is empty');
  return { source, args };
}

/** The placeholders a template uses, in order of first use. */
export function placeholdersOf(template: ParsedTemplate): string[] {
  const names: string[] = [];
  for (const arg of template.args) {
    for (const part of arg) if ('placeholder' in part && !names.includes(part.placeholder)) names.push(part.placeholder);
  }
  return names;
}

/**
 * The argument vector: each argument's placeholders filled in from `values` (see the rules at the
 * top). Throws a TemplateError for a placeholder without a value, and when nothing is left of the
 * program name.
 */
export function expandTemplate(template: ParsedTemplate, values: Record<string, PlaceholderValue>): string[] {
  const expanded = template.args.map((arg) => expandArgument(arg, values));
  const program = expanded[0]!;
  if (program.length !== 1 || program[0] === '') throw new TemplateError(`\`${template.source}\` leaves no program to run: its first word must be one program name`);
  return expanded.flat();
}

/** One argument of a template as the arguments it becomes (none, one, or a placeholder's words). */
function expandArgument(arg: TemplatePart[], values: Record<string, PlaceholderValue>): string[] {
  const only = arg.length === 1 ? arg[0]! : undefined;
  if (only && 'placeholder' in only) return valueOf(values, only.placeholder).words;
  let text = '';
  for (const part of arg) {
    if ('text' in part) text += part.text;
    else {
      const value = valueOf(values, part.placeholder).text;
      if (value === undefined) return [];
      text += value;
    }
  }
  return [text];
}

function valueOf(values: Record<string, PlaceholderValue>, name: string): PlaceholderValue {
  const value = values[name];
  if (!value) throw new TemplateError(`unknown placeholder {${name}}`);
  return value;
}

/** A placeholder standing for one argument. */
export function single(text: string): PlaceholderValue {
  return { words: [text], text };
}

/** An argument vector as a template would write it, for messages. */
export function formatArgv(argv: readonly string[]): string {
  return argv
    .map((arg) => {
      if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
      if (!arg.includes("'")) return `'${arg}'`;
      return `"${arg.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
    })
    .join(' ');
}
