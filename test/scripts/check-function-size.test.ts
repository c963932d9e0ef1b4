import { oversized } from '../../scripts/check-function-size';

test('a function over 40 lines or with more than 4 parameters is reported by name; others are not', () => {
  const body = Array.from({ length: 40 }, (_, i) => `  const v${i} = ${i};`).join('\n');
  const text = [
    'export function small(a: number, b: number) { return a + b; }',
    `export function long() {\n${body}\n}`,
    'export const wide = (a: number, b: number, c: number, d: number, e: number) => a + b + c + d + e;',
    'class K { method(a: number, b: number, c: number, d: number) { return a + b + c + d; } }',
  ].join('\n');
  expect(oversized('src/runner/x.ts', text)).toEqual([
    expect.stringMatching(/x\.ts:2 long: 42 lines$/),
    expect.stringMatching(/x\.ts:44 wide: 5 parameters$/),
  ]);
});
