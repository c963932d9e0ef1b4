import { filterChunks } from '../../src/runner/aptly';

describe('filterChunks', () => {
  const queries = Array.from({ length: 5000 }, (_, i) => `package-${i}_1.${i % 97}-${i % 13}+deb12u${i % 7}_${i % 2 ? 'amd64' : 'all'}`);

  test('GIVEN many queries WHEN chunked THEN no chunk is above the byte limit, every query appears exactly once, in order', () => {
    for (const maxBytes of [200, 1024, 4096, 96 * 1024]) {
      const chunks = filterChunks(queries, maxBytes);
      for (const c of chunks) expect(Buffer.byteLength(c)).toBeLessThanOrEqual(maxBytes);
      expect(chunks.flatMap(c => c.split(' | '))).toEqual(queries);
      if (maxBytes < 96 * 1024) expect(chunks.length).toBeGreaterThan(1);
    }
  });

  test('chunks are filled: each one plus the next query would exceed the limit', () => {
    const chunks = filterChunks(queries, 1000);
    for (let i = 0; i + 1 < chunks.length; i++) {
      const next = chunks[i + 1].split(' | ')[0];
      expect(Buffer.byteLength(`${chunks[i]} | ${next}`)).toBeGreaterThan(1000);
    }
  });

  test('the default limit stays below the kernel\'s 128 KiB for one argument, counting bytes not characters', () => {
    const wide = Array.from({ length: 20000 }, (_, i) => `Description (~ 'ünïcödé-${i}')`);
    const chunks = filterChunks(wide);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(Buffer.byteLength(c)).toBeLessThan(128 * 1024);
    expect(chunks.flatMap(c => c.split(' | '))).toEqual(wide);
  });

  test('edge cases: no queries, one query, a query alone above the limit gets its own chunk', () => {
    expect(filterChunks([])).toEqual([]);
    expect(filterChunks(['nginx'])).toEqual(['nginx']);
    const long = 'x'.repeat(50);
    expect(filterChunks(['a', long, 'b'], 20)).toEqual(['a', long, 'b']);
    expect(filterChunks(['a', 'b', 'c'], 5)).toEqual(['a | b', 'c']);
  });
});
