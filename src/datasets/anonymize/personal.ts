// Which columns look like personal data, by the words of their name and their type. Names are
// cut into words (snake_case, camelCase, kebab-case, digits), so `email` matches `user_email`
// and `contactEmail` but not `emails_sent_count`'s metadata nor `tokenizer_config`'s "token".
//
// A match is dropped when the name goes on to describe something *about* the data rather than the
// data itself (`email_verified_at`, `phone_type`, `name_length`, `address_id`), when the type
// cannot hold it (a boolean `has_email`, an integer `token_count`), and, for `name`, when a word
// before it says what kind of name (`file_name`, `host_name`, `table_name`; `first_name` and
// `display_name` stay personal).
import { columnType, type TypeFamily } from './types.ts';

interface Category {
  /** What the column would hold, as the reason says it. */
  what: string;
  /** Single words that match. */
  words: string[];
  /** Word sequences that match (`['first', 'name']`). */
  phrases?: string[][];
  /** Type families that can hold it: a boolean is never an email. */
  families: readonly TypeFamily[];
}

const TEXTY: readonly TypeFamily[] = ['text', 'json', 'binary', 'array'];

const CATEGORIES: Category[] = [
  {
    what: 'an email address',
    words: ['email', 'emails', 'mail', 'emailaddress'],
    phrases: [['e', 'mail'], ['email', 'address'], ['mail', 'address']],
    families: TEXTY,
  },
  {
    what: "a person's name",
    words: ['name', 'names', 'firstname', 'lastname', 'fullname', 'surname', 'forename', 'nickname', 'displayname', 'username', 'login', 'maidenname', 'givenname', 'familyname', 'middlename'],
    families: TEXTY,
  },
  {
    what: 'a phone number',
    words: ['phone', 'phones', 'telephone', 'mobile', 'tel', 'fax', 'cellphone', 'msisdn', 'phonenumber'],
    phrases: [['cell', 'phone']],
    families: [...TEXTY, 'integer', 'decimal'],
  },
  {
    what: 'a postal address',
    words: ['address', 'addresses', 'street', 'city', 'zip', 'zipcode', 'postcode', 'postal', 'postalcode', 'addr'],
    families: [...TEXTY, 'integer'],
  },
  {
    what: 'a location',
    words: ['latitude', 'longitude', 'lat', 'lng', 'lon', 'geolocation', 'coordinates'],
    families: [...TEXTY, 'decimal', 'other'],
  },
  {
    what: 'an IP or device address',
    words: ['ip', 'ips', 'ipaddress', 'ipv4', 'ipv6', 'ipaddr', 'macaddr'],
    phrases: [['ip', 'address'], ['ip', 'addr'], ['remote', 'addr'], ['remote', 'address'], ['remote', 'host'], ['user', 'agent'], ['mac', 'address']],
    families: [...TEXTY, 'inet', 'integer'],
  },
  {
    what: 'a secret',
    words: ['token', 'tokens', 'secret', 'secrets', 'password', 'passwd', 'pwd', 'passphrase', 'apikey', 'otp', 'totp', 'credentials', 'credential'],
    phrases: [['api', 'key'], ['private', 'key'], ['secret', 'key'], ['access', 'key'], ['signing', 'key'], ['encryption', 'key'], ['recovery', 'code'], ['recovery', 'codes']],
    families: [...TEXTY, 'uuid'],
  },
  {
    what: 'an identity or payment number',
    words: ['ssn', 'iban', 'card', 'passport', 'cvv', 'cvc', 'bsn', 'creditcard', 'ccnumber'],
    phrases: [['social', 'security'], ['national', 'id'], ['tax', 'id'], ['tax', 'number'], ['account', 'number'], ['driver', 'license'], ['drivers', 'license'], ['licence', 'number'], ['license', 'number'], ['cc', 'number']],
    families: [...TEXTY, 'integer', 'decimal'],
  },
  {
    what: 'a birth date',
    words: ['birth', 'birthday', 'birthdate', 'dob', 'born', 'birthplace'],
    families: [...TEXTY, 'date', 'timestamp', 'integer'],
  },
  {
    what: 'a personal attribute',
    words: ['gender', 'sex', 'ethnicity', 'religion', 'nationality'],
    families: TEXTY,
  },
];

/** Last words that make the column about the data rather than the data (`email_verified_at`). */
const ABOUT = new Set([
  'at', 'on', 'count', 'counts', 'cnt', 'verified', 'confirmed', 'enabled', 'disabled', 'required', 'type', 'types', 'kind', 'status', 'state',
  'format', 'length', 'len', 'size', 'version', 'changed', 'updated', 'created', 'sent', 'expires', 'expiry', 'expired', 'attempts', 'attempt', 'policy',
  'template', 'provider', 'scope', 'scopes', 'strength', 'algorithm', 'algo', 'visible', 'visibility', 'mode', 'style', 'config', 'settings', 'setting',
  'preference', 'preferences', 'frequency', 'domain', 'id', 'ids', 'uuid', 'fk', 'ref', 'index', 'idx', 'key', 'column', 'field', 'label', 'allowed', 'valid',
  'validated', 'public', 'opt', 'optin', 'optout', 'consent', 'bounced', 'bounce', 'language', 'lang', 'locale', 'country', 'timezone', 'tz', 'source',
  'method', 'pattern', 'regex', 'rule', 'rules', 'lock', 'locked', 'reset', 'hint', 'prompt', 'mask', 'masked', 'flag', 'flags', 'unsubscribed', 'unsubscribe',
  'server', 'port', 'file', 'brand', 'network', 'issuer',
]);

/** Words before `name` that make it the name of a thing (`file_name`, `tableName`). */
const THING_NAMES = new Set([
  'file', 'files', 'host', 'domain', 'table', 'column', 'schema', 'class', 'type', 'model', 'product', 'project', 'app', 'application', 'service', 'event',
  'branch', 'tag', 'field', 'queue', 'job', 'task', 'bucket', 'index', 'brand', 'category', 'group', 'role', 'team', 'org', 'organization', 'organisation',
  'company', 'business', 'store', 'shop', 'site', 'website', 'package', 'module', 'function', 'method', 'variable', 'var', 'attribute', 'attr', 'param',
  'parameter', 'plan', 'feature', 'flag', 'setting', 'config', 'key', 'image', 'container', 'cluster', 'node', 'db', 'database', 'repo', 'repository',
  'bank', 'country', 'region', 'state', 'locale', 'language', 'currency', 'workspace', 'channel', 'folder', 'dir', 'directory', 'path', 'route', 'resource',
  'entity', 'object', 'record', 'report', 'metric', 'template', 'theme', 'font', 'color', 'colour', 'unit', 'step', 'stage', 'pipeline', 'workflow', 'env',
  'environment', 'namespace', 'cookie', 'header', 'sheet', 'tab', 'menu', 'page', 'section', 'layer', 'browser', 'os', 'platform',
  'constraint', 'trigger', 'view', 'sequence', 'migration', 'script', 'command', 'action', 'permission', 'scope', 'provider', 'plugin', 'extension', 'library',
  'server', 'machine', 'instance', 'volume', 'disk', 'network', 'topic', 'stream', 'list', 'collection', 'dataset', 'asset', 'media', 'doc',
  'document', 'item', 'sku', 'variant', 'option', 'city', 'street', 'zone', 'campaign', 'segment', 'game', 'level', 'course', 'lesson', 'room', 'venue',
]);

/** The words of a column name: `contactEmail2` → contact, email, 2. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-zA-Z])(\d)/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/**
 * Why `column` looks like personal data (`an email address: "email" in its name`), or
 * undefined. `table` is not used to decide (the same column name means the same thing in every
 * table); it is there for callers that show the result.
 */
export function looksPersonal(table: string, column: string, type: string): string | undefined {
  void table;
  const words = nameWords(column);
  const family = columnType(type).family;
  // The match nearest the end wins (English compounds end in their head noun: `last_login_ip`
  // is an IP), and among those the longest (`email_address` is an email, not a postal address).
  let best: { category: Category; start: number; end: number } | undefined;
  for (const category of CATEGORIES) {
    if (!category.families.includes(family)) continue;
    const match = findMatch(words, category);
    if (match === undefined) continue;
    const [start, end] = match;
    // Words after the match that say what is *about* it: email_verified_at, phone_type.
    if (end < words.length && ABOUT.has(words[words.length - 1]!)) continue;
    if (!best || end > best.end || (end === best.end && start < best.start)) best = { category, start, end };
  }
  if (!best) return undefined;
  return `${best.category.what}: ${JSON.stringify(words.slice(best.start, best.end).join('_'))} in its name`;
}

/** [start, end) of the last word or phrase of `category` in `words` (the longest where several end there). */
function findMatch(words: string[], category: Category): [number, number] | undefined {
  let found: [number, number] | undefined;
  const better = (start: number, end: number) => !found || end > found[1] || (end === found[1] && start < found[0]);
  for (let i = 0; i < words.length; i++) {
    for (const phrase of category.phrases ?? []) {
      if (phrase.every((p, k) => words[i + k] === p) && better(i, i + phrase.length)) found = [i, i + phrase.length];
    }
    const word = words[i]!;
    if (!category.words.includes(word)) continue;
    // `name` after a word that names a thing: file_name, host_name (first_name stays personal).
    if ((word === 'name' || word === 'names') && i > 0 && THING_NAMES.has(words[i - 1]!)) continue;
    if (better(i, i + 1)) found = [i, i + 1];
  }
  return found;
}
