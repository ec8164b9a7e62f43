import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacSha256 } from './sha256.ts';

describe('HmacSha256', () => {
  it('gives the bytes node:crypto gives, for keys up to 64 bytes and messages of every block boundary, ASCII or not', () => {
    const messages = [
      '',
      'a',
      'x'.repeat(55), // the last length that fits one block with its padding
      'x'.repeat(56),
      'x'.repeat(63),
      'x'.repeat(64),
      'x'.repeat(119),
      'x'.repeat(120),
      'jane.doe@example.com',
      'Zoë Ångström — 東京 😀',
      '\u0000\u00ff\u0100',
      '\ud800 lone surrogate',
      'é'.repeat(200),
    ];
    for (const length of [0, 1, 16, 32, 63, 64]) {
      const key = randomBytes(length);
      const hmac = new HmacSha256(key);
      for (const message of messages) {
        expect(hmac.digest(message).toString('hex'), `key ${length} bytes, message ${JSON.stringify(message.slice(0, 20))}`).toBe(
          createHmac('sha256', key).update(message).digest('hex'),
        );
      }
    }
  });

  it('agrees with node:crypto on random messages of random lengths, the same object reused', () => {
    const key = randomBytes(32);
    const hmac = new HmacSha256(key);
    for (let i = 0; i < 500; i++) {
      const message = randomBytes(i % 300).toString('latin1');
      expect(hmac.digest(message).equals(createHmac('sha256', key).update(message).digest())).toBe(true);
    }
  });

  it('refuses keys longer than a block rather than computing something else', () => {
    expect(() => new HmacSha256(randomBytes(65))).toThrow(/longer than 64 bytes/);
  });
});
