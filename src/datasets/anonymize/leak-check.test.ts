import { describe, expect, it } from 'vitest';
import { createLeakCheck, isTrivialSample } from './leak-check.ts';

describe('createLeakCheck', () => {
  it('finds a sample that survived as a whole value', () => {
    const check = createLeakCheck(['jane.roe@corp.example', 'Bob', 'Zebulon Quackenbush']);
    expect(check.scan('someone.else@example.com')).toBe(false);
    expect(check.scan('jane.roe@corp.example')).toBe(true);
    expect(check.scan(' Bob ')).toBe(true);
    expect(check.found()).toEqual(['jane.roe@corp.example', 'Bob']);
  });

  it('finds a sample of 6 characters or more inside a value, whatever its ASCII case', () => {
    const check = createLeakCheck(['jane.roe@corp.example', 'Zebulon Quackenbush']);
    expect(check.scan('Please write to JANE.ROE@Corp.Example before Friday.')).toBe(true);
    expect(check.scan('{"author": "zebulon quackenbush", "n": 3}')).toBe(true);
    expect(check.found()).toEqual(['jane.roe@corp.example', 'Zebulon Quackenbush']);
  });

  it('does not find short samples inside longer values (a 3-letter name inside a word)', () => {
    const check = createLeakCheck(['Bob', 'Anna']);
    expect(check.scan('Bobsleigh and Annals of history')).toBe(false);
    expect(check.found()).toEqual([]);
  });

  it('does not flag clean output', () => {
    const samples = Array.from({ length: 2000 }, (_, i) => `person${i}.${i * 7}@corp.example`);
    const check = createLeakCheck(samples);
    const clean = ['mia.becker.01d55f4f7ed835f9@example.com', 'Lorem ipsum dolor sit amet', '*************67', 'x', null, '', '42', 'person@corp', 'corp.example'];
    for (const v of clean) expect(check.scan(v)).toBe(false);
    expect(check.found()).toEqual([]);
  });

  it('finds overlapping and nested samples in one pass (Aho–Corasick fail and dictionary links)', () => {
    const check = createLeakCheck(['abcdefgh', 'cdefgh', 'xabcdef', 'defghijk']);
    expect(check.scan('xxabcdefghijk')).toBe(true);
    expect(check.found()).toEqual(['abcdefgh', 'cdefgh', 'xabcdef', 'defghijk']);
    const again = createLeakCheck(['aaaaab', 'aab']);
    expect(again.scan('aaaaaaab')).toBe(true);
    expect(again.found()).toEqual(['aaaaab']);
  });

  it('finds non-ASCII samples as they are', () => {
    const check = createLeakCheck(['Zoë Ångström', '東京都港区六本木']);
    expect(check.scan('met Zoë Ångström today')).toBe(true);
    expect(check.scan('住所: 東京都港区六本木 1-2-3')).toBe(true);
    expect(check.found()).toHaveLength(2);
  });

  it('leaves out trivial samples: short, without a letter, dates', () => {
    expect(isTrivialSample('ab')).toBe(true);
    expect(isTrivialSample('  ab  ')).toBe(true);
    expect(isTrivialSample('123456789')).toBe(true);
    expect(isTrivialSample('+49 170 1234567')).toBe(true);
    expect(isTrivialSample('203.0.113.7')).toBe(true);
    expect(isTrivialSample('1985-03-12')).toBe(true);
    expect(isTrivialSample('2024-01-31T10:20:30Z')).toBe(true);
    expect(isTrivialSample('Bob')).toBe(false);
    expect(isTrivialSample('2001:db8::1')).toBe(false);
    const check = createLeakCheck(['ab', '12345', '1985-03-12', '10.0.0.1', 'jane@corp.example']);
    expect(check.checked).toBe(1);
    expect(check.scan('born 1985-03-12 at 10.0.0.1, id 12345, ab')).toBe(false);
  });

  it('leaves out what the caller says the rules produce', () => {
    const check = createLeakCheck(['Jane Smith', 'redacted', 'Zebulon Quackenbush'], { ignore: (s) => s === 'Jane Smith' || s === 'redacted' });
    expect(check.checked).toBe(1);
    expect(check.scan('Jane Smith')).toBe(false);
    expect(check.scan('redacted')).toBe(false);
    expect(check.scan('Zebulon Quackenbush')).toBe(true);
  });

  it('works with no samples at all', () => {
    const check = createLeakCheck([]);
    expect(check.scan('anything')).toBe(false);
    expect(check.found()).toEqual([]);
  });

  it('scans hundreds of thousands of values a second (logged, not asserted)', () => {
    const samples = Array.from({ length: 10_000 }, (_, i) => (i % 2 ? `person${i}.name${i * 7}@corp.example` : `Given${i} Family${i * 3}`));
    const t0 = performance.now();
    const check = createLeakCheck(samples);
    const built = performance.now() - t0;
    const values = Array.from({ length: 300_000 }, (_, i) =>
      i % 3 === 0 ? `user.${i}.${(i * 2654435761) % 9973}@example.com` : i % 3 === 1 ? `Lorem ipsum dolor ${i} sit amet consectetur` : String(i),
    );
    const t1 = performance.now();
    let hits = 0;
    for (const v of values) if (check.scan(v)) hits++;
    const ms = performance.now() - t1;
    expect(hits).toBe(0);
    console.log(`leak check: ${samples.length} samples built in ${built.toFixed(0)} ms; ${values.length} values in ${ms.toFixed(0)} ms (${Math.round(values.length / (ms / 1000)).toLocaleString('en-US')} values/s)`);
  });
});
