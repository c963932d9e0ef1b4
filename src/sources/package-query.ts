/**
 * Parser and validator for aptly package queries
 * (https://www.aptly.info/doc/feature/query/), written against the grammar of
 * aptly 1.5.0 (`query/lex.go`, `query/syntax.go`):
 *
 *   query   := and ('|' and)*
 *   and     := not (',' not)*
 *   not     := '!' not | primary
 *   primary := '(' query ')' | term
 *   term    := word [condition] [arch]
 *   condition := '(' [op] value ')'     op: << <= = >= >> % ~
 *   arch    := '{' word '}'
 *
 * A word starting with '$' or an upper-case letter (and without '_') is a
 * field; any other word is a package name or a `name_version_arch` reference.
 *
 * Besides syntax errors, it rejects queries that aptly accepts but that match
 * nothing (or something else than intended) because of a common mistake, and
 * it returns a normalized text that aptly parses.
 */

import { PackageQueryProblem } from './package-query-problem';
import { analyse } from './query/analyse';

/**
 * One aptly package query, validated at synth time.
 *
 * @example
 * const query = PackageQuery.parse('libstdc++6 (>= 12)');
 * query.query; // 'libstdc++6 (>= 12)'
 * query.packageName; // 'libstdc++6'
 */
export class PackageQuery {
  /**
   * Parse and validate a query.
   *
   * Leading and trailing whitespace is ignored.
   *
   * @param query the aptly package query, e.g. `nginx (>= 1.18) {amd64}`
   * @throws Error `invalid package query "<text>": column <c>: <message>`
   * @example PackageQuery.parse('nginx (>=1.18)').query // 'nginx (>= 1.18)'
   */
  public static parse(query: string): PackageQuery {
    const result = analyse(query);
    if (result.problem) {
      throw new Error(`invalid package query ${JSON.stringify(query)}: column ${result.problem.column}: ${result.problem.message}`);
    }
    return new PackageQuery(result.text!, result.packageName, result.broad);
  }

  /**
   * Validate a query without throwing.
   *
   * @param query the aptly package query
   * @returns the first problem, or undefined when the query is valid
   * @example PackageQuery.check('libc6:amd64') // { column: 6, message: "use 'libc6 {amd64}'" }
   */
  public static check(query: string): PackageQueryProblem | undefined {
    return analyse(query).problem;
  }

  /**
   * Parse a query, or return undefined when it is invalid (use `check` for the reason).
   *
   * @example PackageQuery.tryParse('nginx (>= 1.22)')?.packageName // 'nginx'
   */
  public static tryParse(query: string): PackageQuery | undefined {
    const result = analyse(query);
    return result.problem ? undefined : new PackageQuery(result.text!, result.packageName, result.broad);
  }

  /** Normalized text, safe to pass to aptly. */
  public readonly query: string;

  /**
   * The package name when the whole query names one package (`pkg`,
   * `pkg (>= 1)`, `pkg {amd64}`, `pkg_1.0_amd64`), used to simulate
   * installing it.
   *
   * Undefined for field queries and for `|`, `,` and `!` combinations.
   */
  public readonly packageName?: string;

  /**
   * Set when the query alone matches (nearly) every package of an archive: a negation as the
   * whole query (`!python3`), a field pattern or regular expression that matches anything
   * (`Name (% *)`, `Section (~ .*)`), or a bare always-present field (`Name`). A source refuses
   * such a query unless `allowBroadQueries` is set, because its queries are OR-ed together.
   * `message` says why; `column` is where.
   * @default - the query selects packages
   * @example PackageQuery.parse('!python3').broad // { column: 1, message: 'is a negation, which alone matches every other package' }
   */
  public readonly broad?: PackageQueryProblem;

  private constructor(query: string, packageName?: string, broad?: PackageQueryProblem) {
    this.query = query;
    this.packageName = packageName;
    this.broad = broad;
  }

  /**
   * The normalized query text.
   * @example `${PackageQuery.parse('nginx')}` // 'nginx'
   */
  public toString(): string {
    return this.query;
  }
}
