// fake:text: free text becomes filler with the same number of words, each filler word no longer
// than the word it replaces (so the text never grows), whitespace and a word's trailing
// punctuation and capital kept. On JSON columns, every string *value* is filled that way and
// the rest (keys, numbers, booleans, nulls, layout) is kept, so the result is still valid JSON.
import type { Sfc32 } from './keyed.ts';
import { FILLER_WORDS } from './vocabulary.ts';

const LONGEST = Math.max(...FILLER_WORDS.map((w) => w.length));
/** FITTING[n]: the filler words of at most n characters. */
const FITTING: string[][] = Array.from({ length: LONGEST + 1 }, (_, n) => FILLER_WORDS.filter((w) => w.length <= n));
const TRAILING_PUNCTUATION = /[.,;:!?]$/;
const CAPITAL = /^\p{Lu}/u;
const SURROGATE = /[\uD800-\uDFFF]/;

export function fillText(text: string, random: Sfc32): string {
  return text.replace(/\S+/g, (word) => fillerFor(word, random));
}

function fillerFor(word: string, random: Sfc32): string {
  // Characters, not UTF-16 units: a column limit counts characters.
  let length = SURROGATE.test(word) ? Array.from(word).length : word.length;
  let punctuation = '';
  if (length >= 2 && TRAILING_PUNCTUATION.test(word)) {
    punctuation = word[word.length - 1]!;
    length -= 1;
  }
  const choices = FITTING[Math.min(length, LONGEST)]!;
  let filler = choices[random.below(choices.length)]!;
  if (CAPITAL.test(word)) filler = filler[0]!.toUpperCase() + filler.slice(1);
  return filler + punctuation;
}

/**
 * `text` as JSON with every string value (not object keys) filled. Throws SyntaxError when
 * `text` is not JSON. The text outside string values is kept as written.
 */
export function fillJson(text: string, random: Sfc32): string {
  JSON.parse(text);
  let out = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('"', i);
    if (open === -1) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, open);
    let close = open + 1;
    while (text[close] !== '"') close += text[close] === '\\' ? 2 : 1;
    const literal = text.slice(open, close + 1);
    let next = close + 1;
    while (next < text.length && ' \t\n\r'.includes(text[next]!)) next++;
    out += text[next] === ':' ? literal : JSON.stringify(fillText(JSON.parse(literal) as string, random));
    i = close + 1;
  }
  return out;
}
