// Entry point of query analysis: a regex fast path for the common forms, else the parser.
import { PackageQueryProblem } from '../package-query-problem';
import { broadness } from './broad';
import { canonicalPackageName, CANONICAL_QUERY } from './canonical';
import { checkArchitecture } from './checks';
import { Parser } from './parser';
import { format, packageNameOf } from './syntax';
import { Problem, tokenize } from './tokens';

export interface Analysis {
  readonly text?: string;
  readonly packageName?: string;
  readonly problem?: PackageQueryProblem;
  /** Set when the (valid) query alone matches nearly every package: why, and where. */
  readonly broad?: PackageQueryProblem;
}

// `name (op version) {arch}` written without the space after the operator still skips the
// tokenizer; the pattern accepts exactly what the parser accepts
// for that form and normalizes the same way (see test "fast path agrees with the parser").
const NAME_VERSION_ARCH = /^([a-z0-9][a-z0-9+.-]+)(?: \((>=|<=|=|>>|<<) ?(\d+:\d(?:[A-Za-z0-9.+~:-]*[A-Za-z0-9.+~:])?|\d(?:[A-Za-z0-9.+~-]*[A-Za-z0-9.+~])?)\))?(?: \{([a-z0-9-]+)\})?$/;

export function analyse(input: string): Analysis {
  if (CANONICAL_QUERY.test(input)) return { text: input, packageName: canonicalPackageName(input) };
  const m = NAME_VERSION_ARCH.exec(input);
  if (m && (m[2] || m[4]) && (!m[4] || isKnownArchitecture(m[4]))) {
    const version = m[2] ? ` (${m[2]} ${m[3]})` : '';
    const arch = m[4] ? ` {${m[4]}}` : '';
    return { text: `${m[1]}${version}${arch}`, packageName: m[1] };
  }
  return analyseSlowly(input);
}

/** The package a (valid) query names, as `PackageQuery.packageName`; cheap for canonical queries. */
export function requestedPackageName(query: string): string | undefined {
  return CANONICAL_QUERY.test(query) ? canonicalPackageName(query) : analyse(query).packageName;
}

function isKnownArchitecture(arch: string): boolean {
  try {
    checkArchitecture(arch, 1);
    return true;
  } catch {
    return false;
  }
}

/** The full tokenizer and parser (a leading space is enough to take this path). */
export function analyseSlowly(input: string): Analysis {
  try {
    const start = input.length - input.trimStart().length;
    const end = input.trimEnd().length;
    if (start >= end) {
      throw new Problem(1, 'empty query: name a package, e.g. nginx');
    }
    const newline = input.slice(start, end).search(/[\r\n]/);
    if (newline >= 0) {
      throw new Problem(start + newline + 1, 'a query is a single line: put each query in its own list entry');
    }
    const tree = new Parser(tokenize(input, start, end)).parse();
    const broad = broadness(tree);
    return {
      text: format(tree),
      packageName: packageNameOf(tree),
      broad: broad && { column: broad.column ?? start + 1, message: broad.reason },
    };
  } catch (error) {
    if (error instanceof Problem) {
      return { problem: { column: error.column, message: error.message } };
    }
    throw error;
  }
}
