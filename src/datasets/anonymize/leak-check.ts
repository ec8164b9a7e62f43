// The leak check: after anonymization, no sampled personal value from the source may appear in
// the output — neither as a whole value (a denormalized copy in a column without a rule) nor
// inside one (an email quoted in free text or JSON). Every output value of every table goes
// through `scan`, so it is one pass of an Aho–Corasick automaton over the value, whatever the
// number of samples: O(length of the value) per value.
//
// Matching ignores ASCII case (`Jane.Doe@Example.com` in the output is still the sample
// `jane.doe@example.com`). Samples of 6 characters or more match anywhere in a value; shorter
// ones only as the whole (trimmed) value: a 3-letter name would otherwise match inside most
// words of free text.
//
// Samples that prove nothing are left out (see docs/anonymization.md):
// - shorter than 3 characters after trimming: too common to mean anything;
// - without a letter (numbers, dates, times, IPv4 addresses, phone numbers) and anything that
//   starts like a date: the rules that anonymize them (hash on numbers, fake:date_shift,
//   fake:ip, fake:phone) are keyed permutations *within* the same dense space, so an output
//   equals some other row's source value by chance — in a large table, almost surely;
// - what the caller's `ignore` says the rules themselves produce (plan.producedByRules:
//   constants, the words fake names and addresses are made of).

export interface LeakCheck {
  /** Whether `value` (one output value) holds a sample; records which. */
  scan(value: string | null): boolean;
  /** The samples found so far (for the caller to count and attribute: never print them). */
  found(): string[];
  /** How many samples are checked (the others were left out as trivial or producible). */
  readonly checked: number;
}

export interface LeakCheckOptions {
  /** Samples the rules may output themselves (AnonymizationPlan.producedByRules). */
  ignore?: (sample: string) => boolean;
}

/** Samples shorter than this (trimmed) are not checked. */
export const MIN_SAMPLE_LENGTH = 3;
/** Samples at least this long are also found inside longer values. */
export const MIN_SUBSTRING_LENGTH = 6;

const LETTER = /\p{L}/u;
const DATE_START = /^[+-]?\d{4,5}-\d{2}-\d{2}/;

/** Whether a sample proves nothing when found (module comment). */
export function isTrivialSample(sample: string): boolean {
  const s = sample.trim();
  return s.length < MIN_SAMPLE_LENGTH || !LETTER.test(s) || DATE_START.test(s);
}

/** ASCII letters to lower case, everything else as it is: the same folding for samples and values. */
function fold(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code;
}

function foldString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += String.fromCharCode(fold(s.charCodeAt(i)));
  return out;
}

export function createLeakCheck(samples: readonly string[], options: LeakCheckOptions = {}): LeakCheck {
  const wholes = new Map<string, number>(); // short samples, folded and trimmed → index
  const long: { text: string; index: number }[] = [];
  const seen = new Set<string>();
  samples.forEach((sample, index) => {
    if (isTrivialSample(sample) || options.ignore?.(sample)) return;
    const folded = foldString(sample.trim());
    if (seen.has(folded)) return;
    seen.add(folded);
    if (folded.length >= MIN_SUBSTRING_LENGTH) long.push({ text: folded, index });
    else wholes.set(folded, index);
  });
  const automaton = new Automaton(long);
  const maxWhole = Math.max(0, ...[...wholes.keys()].map((k) => k.length));
  const foundIndexes = new Set<number>();

  return {
    checked: seen.size,
    scan(value) {
      if (value === null || value.length === 0) return false;
      let hit = false;
      if (wholes.size > 0 && value.length <= maxWhole + 16) {
        const index = wholes.get(foldString(value.trim()));
        if (index !== undefined) {
          foundIndexes.add(index);
          hit = true;
        }
      }
      return automaton.scan(value, foundIndexes) || hit;
    },
    found: () => [...foundIndexes].sort((a, b) => a - b).map((i) => samples[i]!),
  };
}

/**
 * Aho–Corasick over the characters that occur in the patterns (each gets a class number; any
 * other character sends the automaton back to the root at once). The root's transitions are a
 * dense array; the others live in one Map keyed by node × alphabet size + class.
 */
class Automaton {
  private readonly classOf = new Uint32Array(65536);
  private readonly alphabet: number;
  private readonly rootNext: Int32Array;
  private readonly next = new Map<number, number>();
  private readonly fail: Int32Array;
  /** The pattern ending at a node (sample index), or -1. */
  private readonly output: Int32Array;
  /** The nearest node along the fail links with an output, or 0. */
  private readonly dictionary: Int32Array;

  constructor(patterns: { text: string; index: number }[]) {
    let classes = 0;
    for (const { text } of patterns) {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (this.classOf[c] === 0) this.classOf[c] = ++classes;
      }
    }
    this.alphabet = classes + 1;
    this.rootNext = new Int32Array(this.alphabet);
    const children: number[][] = [[]];
    const output: number[] = [-1];
    for (const { text, index } of patterns) {
      let node = 0;
      for (let i = 0; i < text.length; i++) {
        const cls = this.classOf[text.charCodeAt(i)]!;
        let child = this.step(node, cls);
        if (child === 0) {
          child = children.length;
          children.push([]);
          output.push(-1);
          children[node]!.push(cls);
          if (node === 0) this.rootNext[cls] = child;
          else this.next.set(node * this.alphabet + cls, child);
        }
        node = child;
      }
      if (output[node] === -1) output[node] = index;
    }
    const size = children.length;
    this.fail = new Int32Array(size);
    this.output = Int32Array.from(output);
    this.dictionary = new Int32Array(size);
    // Breadth first: a node's fail link is found from its parent's, which is shallower.
    const queue: number[] = [];
    for (const cls of children[0]!) queue.push(this.rootNext[cls]!);
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head]!;
      for (const cls of children[node]!) {
        const child = this.step(node, cls);
        let f = this.fail[node]!;
        let target = this.step(f, cls);
        while (target === 0 && f !== 0) {
          f = this.fail[f]!;
          target = this.step(f, cls);
        }
        this.fail[child] = target;
        this.dictionary[child] = this.output[target]! >= 0 ? target : this.dictionary[target]!;
        queue.push(child);
      }
    }
  }

  /** The child of `node` by `cls`, or 0 (the root is never a child). */
  private step(node: number, cls: number): number {
    return node === 0 ? this.rootNext[cls]! : (this.next.get(node * this.alphabet + cls) ?? 0);
  }

  /** Whether `value` contains a pattern; adds every pattern found to `found`. */
  scan(value: string, found: Set<number>): boolean {
    if (this.alphabet === 1) return false;
    const { classOf, rootNext, next, fail, output, dictionary, alphabet } = this;
    let hit = false;
    let node = 0;
    for (let i = 0; i < value.length; i++) {
      const cls = classOf[fold(value.charCodeAt(i))]!;
      if (cls === 0) {
        node = 0;
        continue;
      }
      for (;;) {
        if (node === 0) {
          node = rootNext[cls]!;
          break;
        }
        const child = next.get(node * alphabet + cls);
        if (child !== undefined) {
          node = child;
          break;
        }
        node = fail[node]!;
      }
      if (node === 0) continue;
      let t = output[node]! >= 0 ? node : dictionary[node]!;
      while (t !== 0) {
        found.add(output[t]!);
        hit = true;
        t = dictionary[t]!;
      }
    }
    return hit;
  }
}
