// Queries that alone match (nearly) every package of an archive. A source's queries are OR-ed
// into one aptly filter, so one such line mirrors the whole archive: a mistake unless allowed.
import { checkRegexp } from './checks';
import { unselective } from './selective';
import { Node } from './syntax';

/** Why a query is broad, and the 1-based column to point at (undefined: the whole query). */
export interface Broadness {
  readonly column?: number;
  readonly reason: string;
}

/** Fields every binary package has: a bare field term tests presence and matches them all. */
const ALWAYS_PRESENT = new Set(['Name', 'Version', 'Architecture', '$Version', '$Architecture', '$Source', '$SourceVersion', '$PackageType']);

/** Field values of every shape (names, versions, architectures, priorities, people, text). */
const SAMPLES = [
  'a', 'zz', '0', 'Z', '1.2-3', '2:1.0~rc1+dfsg-1ubuntu0.1', 'libc6', 'g++-12', 'amd64', 'all', 'optional',
  'Debian Maintainers <maint@debian.example>', 'text with spaces', '_',
];

/**
 * How the query matches nearly everything, or undefined when it selects: it matches (nearly)
 * every package outright, or some alternative of it has no condition that keeps it small.
 */
export function broadness(node: Node): Broadness | undefined {
  const outright = matchesNearlyAll(node);
  if (outright) return outright;
  const found = unselective(node, n => matchesNearlyAll(n) !== undefined);
  return found && { column: found.node.condition?.token.column, reason: found.reason };
}

/** How the query matches (nearly) every package by its form alone, or undefined. */
function matchesNearlyAll(node: Node): Broadness | undefined {
  switch (node.kind) {
    case 'group':
      return matchesNearlyAll(node.operands![0]);
    case 'not':
      // The negation of a selection is everything else; the negation of everything is nothing.
      return matchesNearlyAll(node.operands![0]) ? undefined : { reason: 'is a negation, which alone matches every other package' };
    case 'or':
      return node.operands!.map(matchesNearlyAll).find(b => b !== undefined);
    case 'and': {
      const all = node.operands!.map(matchesNearlyAll);
      return all.every(b => b !== undefined) ? all[0] : undefined;
    }
    case 'field':
      return fieldBroadness(node);
    default:
      return undefined;
  }
}

function fieldBroadness(node: Node): Broadness | undefined {
  const field = node.name!;
  const condition = node.condition;
  if (!condition) {
    return ALWAYS_PRESENT.has(field) ? { reason: `tests whether packages have '${field}', which every package has` } : undefined;
  }
  const { operator, value, token } = condition;
  let pattern: RegExp | undefined;
  if (operator === '%') pattern = new RegExp(`^(?:${globToRegExp(value)})$`);
  else if (operator === '~') pattern = new RegExp(checkRegexp(value, () => token.column));
  if (!pattern || !SAMPLES.every(sample => pattern!.test(sample))) return undefined;
  const what = operator === '%' ? `pattern '${value}'` : `regular expression '${value}'`;
  return { column: token.column, reason: `matches every value of '${field}' (the ${what} matches anything)` };
}

/** Go's filepath.Match syntax (checked already by checkGlob) as a JavaScript regex body. */
function globToRegExp(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (char === '*') {
      out += '[^/]*';
    } else if (char === '?') {
      out += '[^/]';
    } else if (char === '\\') {
      out += escape(glob[++i]);
    } else if (char === '[') {
      const end = closingBracket(glob, i);
      const body = glob.slice(i + 1, end);
      out += `[${body.startsWith('^') ? '^' + body.slice(1) : body}]`;
      i = end;
    } else {
      out += escape(char);
    }
  }
  return out;
}

function closingBracket(glob: string, open: number): number {
  for (let j = open + 2; j < glob.length; j++) {
    if (glob[j] === '\\') j++;
    else if (glob[j] === ']') return j;
  }
  return glob.length - 1;
}

function escape(char: string): string {
  return char.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/**
 * The problem with a broad query in a source's list: why it would mirror the whole archive, how
 * to write what was probably meant, and how to allow it.
 */
export function broadQueryMessage(query: string, reason: string): string {
  return `query "${query.trim()}" ${reason}; the queries of a source are OR-ed together, so this one alone would mirror (nearly) the whole archive: `
    + "to exclude packages, combine conditions in one query with ',' (e.g. 'Priority (required), !python3'), "
    + 'or set allowBroadQueries on the source if you really mean the whole archive';
}
