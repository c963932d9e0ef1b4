// Package lists are mostly queries already in normalized form: `nginx`, `libc6 (>= 2.36)`,
// `tool {arm64}`, `a (>= 1) | b`. One regex test recognises them without allocating, so
// checking lists of many thousands of queries stays cheap; anything else takes analyse().
// The fragments accept exactly what checkPackageName, checkVersion and checkArchitecture accept
// (see the test "canonical queries agree with the parser").
import { LINUX_ARCHITECTURES, PORT_PREFIXES } from './tables';

const NAME = '[a-z0-9][a-z0-9+.-]+';
const VERSION = '(?:\\d+:\\d(?:[A-Za-z0-9.+~:-]*[A-Za-z0-9.+~:])?|\\d(?:[A-Za-z0-9.+~-]*[A-Za-z0-9.+~])?)';
const ARCH = `(?:all|source|(?:(?:${PORT_PREFIXES.join('|')})-)?(?:${LINUX_ARCHITECTURES.join('|')}))`;
const TERM = `${NAME}(?: \\((?:>=|<=|=|>>|<<) ${VERSION}\\))?(?: \\{${ARCH}\\})?`;

/** A query of package terms joined by ` | ` or `, `, written exactly as `format` writes it. */
export const CANONICAL_QUERY = new RegExp(`^${TERM}(?:(?: \\| |, )${TERM})*$`);

/** The package name of a query that matches `CANONICAL_QUERY`; undefined for combinations. */
export function canonicalPackageName(query: string): string | undefined {
  const space = query.indexOf(' ');
  if (space < 0) return query;
  return query.includes(' | ') || query.includes(', ') ? undefined : query.slice(0, space);
}

// One canonical query and its newline, matched where the previous one ended.
const CANONICAL_LINE = new RegExp(`${CANONICAL_QUERY.source.slice(1, -1)}\\n`, 'y');

/**
 * The number of lines when `text` is nothing but canonical queries, each ending with a newline
 * (a tidy packages.txt); undefined otherwise. Scans without allocating per line.
 */
export function countCanonicalLines(text: string): number | undefined {
  let count = 0;
  CANONICAL_LINE.lastIndex = 0;
  while (CANONICAL_LINE.lastIndex < text.length) {
    if (!CANONICAL_LINE.test(text)) return undefined;
    count++;
  }
  return count > 0 ? count : undefined;
}
