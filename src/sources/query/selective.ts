// Whether a query selects few packages by what it tests: a source's queries are OR-ed into one
// filter, so a query without a condition on the package name (`Priority (optional)`,
// `$Architecture (all)`, `Name (~ [a-z0-9])`) mirrors most of the archive. The build checks the
// real count too (src/runner/query-check.ts); this is the synth-time half, by form.
import { Node } from './syntax';

/**
 * Field tests that select few packages in every archive (equality only), measured on Debian
 * bookworm main amd64 (63,440 packages): Priority required 33, important 32, standard 38;
 * Essential yes 23; Build-Essential yes 10; Protected yes 3. (`extra`, deprecated, has 225 there
 * and thousands in older archives; `optional` has 63,112.)
 */
export const SMALL_FIELD_TESTS: ReadonlyMap<string, readonly string[]> = new Map([
  ['Priority', ['required', 'important', 'standard']],
  ['Essential', ['yes']],
  ['Build-Essential', ['yes']],
  ['Protected', ['yes']],
]);

/** Fields whose value is a package name: an equality or a specific pattern on them selects. */
const NAME_FIELDS = new Set(['Name', '$Source', 'Provides']);

/** A name pattern must hold a literal run this long (`nginx*`, `^python3-`), or it matches almost anything. */
export const MIN_NAME_LITERAL = 3;

/** Why an alternative of a query selects no small set, and where; undefined when every alternative does. */
export interface Unselective {
  readonly node: Node;
  readonly reason: string;
}

/**
 * The first alternative of `node` that does not select a small set, or undefined. `matchesAll`
 * tells a term that matches every package (its negation matches none).
 */
export function unselective(node: Node, matchesAll: (n: Node) => boolean): Unselective | undefined {
  const recurse = (n: Node) => unselective(n, matchesAll);
  switch (node.kind) {
    case 'group':
      return recurse(node.operands![0]);
    case 'or':
      return node.operands!.map(recurse).find(u => u !== undefined);
    case 'and': {
      const all = node.operands!.map(recurse);
      return all.some(u => u === undefined) ? undefined : all[0];
    }
    case 'not': {
      let inner = node.operands![0];
      while (inner.kind === 'group') inner = inner.operands![0];
      // `!!x` is `x`; `!<everything>` is nothing, which selects
      if (inner.kind === 'not') return recurse(inner.operands![0]);
      return matchesAll(inner) ? undefined : { node, reason: 'is a negation, which alone matches every other package' };
    }
    case 'package':
    case 'reference':
      return undefined;
    case 'field':
      return fieldUnselective(node);
    default:
      return undefined;
  }
}

function fieldUnselective(node: Node): Unselective | undefined {
  const field = node.name!;
  const condition = node.condition;
  if (!condition) return { node, reason: `tests whether packages have '${field}', which nearly every package has` };
  const { operator, value } = condition;
  const equality = operator === '' || operator === '=';
  if (NAME_FIELDS.has(field)) {
    if (equality) return undefined;
    if ((operator === '%' || operator === '~') && patternLiteral(node) >= MIN_NAME_LITERAL) return undefined;
    const what = operator === '%' ? `pattern '${value}'` : operator === '~' ? `regular expression '${value}'` : `comparison '${operator} ${value}'`;
    return {
      node,
      reason: `matches almost every value of '${field}' (the ${what} has no literal part of ${MIN_NAME_LITERAL} or more characters, such as 'nginx*' or '^python3-')`,
    };
  }
  if (equality && SMALL_FIELD_TESTS.get(field)?.includes(value)) return undefined;
  return {
    node,
    reason: `has no condition on the package name: a test of '${field}' matches thousands of packages in a Debian or Ubuntu archive `
      + `(the field tests that select few everywhere: ${[...SMALL_FIELD_TESTS].flatMap(([f, vs]) => vs.map(v => `'${f} (${v})'`)).join(', ')}; `
      + "or add a name condition with ',', e.g. 'Section (python), Name (% python3-yaml*)')",
  };
}

/** The longest literal run that every match of a `%` glob or `~` regex must contain (0: none). */
export function patternLiteral(node: Node): number {
  const { operator, value } = node.condition!;
  return operator === '%' ? globLiteral(value) : regexLiteral(value);
}

function globLiteral(glob: string): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' || c === '?' || c === '[') {
      run = 0;
      if (c === '[') i = Math.max(i, glob.indexOf(']', i + 2));
      continue;
    }
    if (c === '\\') i++;
    best = Math.max(best, ++run);
  }
  return best;
}

/**
 * A conservative reading of a Go regular expression: the shortest, over its top-level
 * alternatives (`|`), of the longest run of plain characters not made optional by `?`, `*` or `{`.
 */
function regexLiteral(re: string): number {
  const alternatives = splitAlternatives(re.replace(/^\(\?[imsU]+\)/, ''));
  return Math.min(...alternatives.map(runOfLiterals));
}

function splitAlternatives(re: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < re.length; i++) {
    if (re[i] === '\\') {
      i++;
    } else if (re[i] === '|') {
      out.push(re.slice(start, i));
      start = i + 1;
    }
  }
  out.push(re.slice(start));
  return out;
}

function runOfLiterals(re: string): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    let literal: boolean;
    let width = 1;
    if (c === '\\') {
      // `\.` is a literal dot; `\d`, `\w`, `\s`, `\b`, ... are classes or assertions
      literal = i + 1 < re.length && !/[A-Za-z0-9]/.test(re[i + 1]);
      width = 2;
    } else if (c === '[') {
      const end = re.indexOf(']', i + 2);
      width = (end < 0 ? re.length : end + 1) - i;
      literal = false;
    } else {
      literal = /[A-Za-z0-9_+\-:/@=,<>'"!%&~ ]/.test(c);
    }
    const next = re[i + width];
    const optional = next === '?' || next === '*' || next === '{';
    if (literal && !optional) {
      best = Math.max(best, ++run);
    } else {
      run = 0;
    }
    i += width - 1;
  }
  return best;
}
