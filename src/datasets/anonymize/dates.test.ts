import { describe, expect, it } from 'vitest';
import { civilFromDays, DateShifter, daysFromCivil } from './dates.ts';
import { KeyedHash } from './keyed.ts';

const key = Buffer.from('dates test key');
const shifter = (days: number, k = key) => new DateShifter(new KeyedHash(k, `fake:date_shift:${days}`), days);

function dayNumber(text: string): number {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  return daysFromCivil(y, m, d);
}

describe('civil day numbers', () => {
  it('count days from 1970-01-01 and come back, across leap years and centuries', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2000, 3, 1)).toBe(11017);
    expect(daysFromCivil(1969, 12, 31)).toBe(-1);
    for (let z = -800_000; z <= 800_000; z += 997) {
      const [y, m, d] = civilFromDays(z);
      expect(daysFromCivil(y, m, d)).toBe(z);
    }
    expect(civilFromDays(daysFromCivil(2024, 2, 29))).toEqual([2024, 2, 29]);
  });
});

describe('DateShifter', () => {
  it('keeps every format as written and moves only the date part', () => {
    const s = shifter(365);
    const cases: [string, RegExp][] = [
      ['2024-01-31', /^\d{4}-\d{2}-\d{2}$/],
      ['2024-01-31 10:20:30', /^\d{4}-\d{2}-\d{2} 10:20:30$/],
      ['2024-01-31 10:20:30.123+01', /^\d{4}-\d{2}-\d{2} 10:20:30\.123\+01$/],
      ['2024-01-31 10:20:30.123456+05:30', /^\d{4}-\d{2}-\d{2} 10:20:30\.123456\+05:30$/],
      ['2024-01-31T10:20:30Z', /^\d{4}-\d{2}-\d{2}T10:20:30Z$/],
      ['2024-01-31T10:20:30.000-08:00', /^\d{4}-\d{2}-\d{2}T10:20:30\.000-08:00$/],
      ['2024-01-31 10:20', /^\d{4}-\d{2}-\d{2} 10:20$/],
    ];
    for (const [input, shape] of cases) {
      const out = s.shift(input)!;
      expect(out, input).toMatch(shape);
      expect(Math.abs(dayNumber(out) - dayNumber(input)), input).toBeLessThanOrEqual(365);
    }
  });

  it('moves dates by at most the given days, to valid dates, and not all by the same amount', () => {
    for (const days of [1, 30, 365]) {
      const s = shifter(days);
      const shifts = new Set<number>();
      for (let z = daysFromCivil(1950, 1, 1); z < daysFromCivil(1950, 1, 1) + 2000; z++) {
        const [y, m, d] = civilFromDays(z);
        const input = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
        const out = s.shift(input)!;
        const [oy, om, od] = out.split('-').map(Number) as [number, number, number];
        expect(civilFromDays(daysFromCivil(oy, om, od))).toEqual([oy, om, od]);
        const shift = daysFromCivil(oy, om, od) - z;
        expect(Math.abs(shift)).toBeLessThanOrEqual(days);
        shifts.add(shift);
      }
      expect(shifts.size).toBeGreaterThan(Math.min(days, 10));
    }
  });

  it('never maps two dates to the same day (unique date columns stay unique)', () => {
    const s = shifter(365);
    const outs = new Set<string>();
    const start = daysFromCivil(1990, 1, 1);
    for (let z = start; z < start + 20 * 366; z++) {
      const [y, m, d] = civilFromDays(z);
      outs.add(s.shift(`${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')} 12:00:00`)!);
    }
    expect(outs.size).toBe(20 * 366);
  });

  it('is the same for the same key and date, and different under another key', () => {
    const a = shifter(365).shift('1985-03-12');
    expect(shifter(365).shift('1985-03-12')).toBe(a);
    const other = shifter(365, Buffer.from('another key'));
    const dates = Array.from({ length: 20 }, (_, i) => `1985-03-${String(i + 1).padStart(2, '0')}`);
    expect(dates.filter((d) => other.shift(d) === shifter(365).shift(d)).length).toBeLessThan(5);
  });

  it('handles BC dates and keeps infinities and MySQL zero dates', () => {
    const s = shifter(3650);
    expect(s.shift('0044-03-15 BC')).toMatch(/^\d{4}-\d{2}-\d{2}( BC)?$/);
    expect(s.shift('0001-01-01 10:00:00 BC')).toMatch(/^\d{4}-\d{2}-\d{2} 10:00:00( BC)?$/);
    for (const v of ['infinity', '-infinity', '0000-00-00', '0000-00-00 00:00:00', '2024-00-00']) expect(s.shift(v)).toBe(v);
  });

  it('gives undefined for what is not a date it can read', () => {
    const s = shifter(30);
    for (const v of ['31/01/2024', 'yesterday', '2024-13-01', '2023-02-29', '2024-01-31 at noon', '10:20:30']) expect(s.shift(v), v).toBeUndefined();
  });
});
