// fake:date_shift: moves the date part of a date or timestamp by at most `days` days and keeps
// everything else as written (time of day, fraction, zone, ` BC`), so `2024-01-31 10:20:30.123+01`
// stays in that format.
//
// A per-value random shift would not be a bijection (two dates could land on the same day), so
// the shift is a keyed permutation within blocks: days are numbered from 1970-01-01, cut into
// blocks of `days + 1` consecutive days, and each block's days are shuffled (Fisher–Yates seeded
// by an HMAC of the block number). A date moves to another day of its own block — at most `days`
// away — and two different dates never meet: unique columns stay unique, and the same date
// always gives the same output.
import { KeyedHash, Sfc32, shuffled } from './keyed.ts';

const DATE = /^(\d{4,5})-(\d{2})-(\d{2})(.*)$/s;
// What may follow the date: a time (T or space), a fraction, a zone (Z, ±hh, ±hh:mm, ±hh:mm:ss), ` BC`.
const REST = /^(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?: ?(?:Z|[+-]\d{2}(?::?\d{2}){0,2}))?( BC)?$/;
/** Kept as they are: PostgreSQL's infinities, MySQL's zero dates. */
const SPECIAL = /^(?:[+-]?infinity|0000-00-00.*)$/is;
const BLOCK_MEMO = 4096;

export class DateShifter {
  private readonly width: number;
  private readonly blocks = new Map<number, Int32Array>();

  constructor(
    private readonly hash: KeyedHash,
    days: number,
  ) {
    this.width = days + 1;
  }

  /** The shifted text, or undefined when `value` is not a date this rule understands. */
  shift(value: string): string | undefined {
    if (SPECIAL.test(value)) return value;
    const m = DATE.exec(value);
    if (!m) return undefined;
    const [, yearText, monthText, dayText, rest] = m as unknown as [string, string, string, string, string];
    const r = REST.exec(rest);
    if (!r) return undefined;
    const bc = r[1] !== undefined;
    const year = bc ? 1 - Number(yearText) : Number(yearText);
    const month = Number(monthText);
    const day = Number(dayText);
    if (month === 0 || day === 0) return value; // MySQL's partial zero dates: no date to move
    if (month > 12 || day > daysInMonth(year, month)) return undefined;
    const [y, mo, d] = civilFromDays(this.move(daysFromCivil(year, month, day)));
    const shiftedBc = y <= 0;
    const restWithoutBc = bc ? rest.slice(0, -3) : rest;
    return `${pad(shiftedBc ? 1 - y : y, 4)}-${pad(mo, 2)}-${pad(d, 2)}${restWithoutBc}${shiftedBc ? ' BC' : ''}`;
  }

  private move(dayNumber: number): number {
    const block = Math.floor(dayNumber / this.width);
    const offset = dayNumber - block * this.width;
    let table = this.blocks.get(block);
    if (table === undefined) {
      table = shuffled(this.width, new Sfc32(this.hash.digest(`block\u0000${block}`)));
      if (this.blocks.size >= BLOCK_MEMO) this.blocks.clear();
      this.blocks.set(block, table);
    }
    return block * this.width + table[offset]!;
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
}

/** Days since 1970-01-01 in the proleptic Gregorian calendar (year 0 is 1 BC). H. Hinnant's algorithm. */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}
