import { expect, test } from 'vitest';
import { OutputTail } from './output-tail.ts';

test('keeps everything under the limit, unmarked', () => {
  const tail = new OutputTail(10);
  tail.push(Buffer.from('abc'));
  tail.push(Buffer.from('def'));
  expect(tail.text('stdout')).toEqual({ text: 'abcdef', droppedBytes: 0 });
});

test('keeps the last bytes over the limit and says how many were dropped', () => {
  const tail = new OutputTail(10);
  for (let i = 0; i < 100; i++) tail.push(Buffer.from(`${i % 10}`.repeat(7)));
  const { text, droppedBytes } = tail.text('stdout');
  expect(droppedBytes).toBe(690);
  expect(text).toBe('[rehearse: stdout truncated, the first 690 of 700 bytes were dropped]\n8889999999');
});

test('a cut never starts inside a UTF-8 character', () => {
  // a(1 byte) é(2) €(3) x(1)
  const tail = (limit: number) => {
    const t = new OutputTail(limit);
    t.push(Buffer.from('aé€x'));
    return t.read();
  };
  expect(tail(5)).toEqual({ text: '€x', droppedBytes: 3 }); // the cut falls after é's first byte
  expect(tail(3)).toEqual({ text: 'x', droppedBytes: 6 }); // the cut falls after €'s first byte
  expect(tail(4)).toEqual({ text: '€x', droppedBytes: 3 });
});
