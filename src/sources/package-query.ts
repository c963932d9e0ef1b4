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

/** Where a problem is, within one query string (1-based column). */
export interface PackageQueryProblem {
  /** 1-based column in the original text. */
  readonly column: number;
  /** Lower-case, no trailing period: what is wrong and what to do. */
  readonly message: string;
}

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
   */
  public static parse(query: string): PackageQuery {
    const result = analyse(query);
    if (result.problem) {
      throw new Error(`invalid package query ${JSON.stringify(query)}: column ${result.problem.column}: ${result.problem.message}`);
    }
    return new PackageQuery(result.text!, result.packageName);
  }

  /**
   * Validate a query without throwing.
   *
   * @param query the aptly package query
   * @returns the first problem, or undefined when the query is valid
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
    return result.problem ? undefined : new PackageQuery(result.text!, result.packageName);
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

  private constructor(query: string, packageName?: string) {
    this.query = query;
    this.packageName = packageName;
  }

  /** The normalized query text. */
  public toString(): string {
    return this.query;
  }
}

// ---------------------------------------------------------------------------
// tables

/** aptly's special fields (case-sensitive). */
const SPECIAL_FIELDS = ['$Source', '$SourceVersion', '$Architecture', '$Version', '$PackageType'];

/** Control fields found in Packages and Sources indices, plus aptly's `Name`. */
const KNOWN_FIELDS = [
  'Name', 'Source', 'Version', 'Architecture', 'Maintainer', 'Original-Maintainer', 'Uploaders',
  'Installed-Size', 'Section', 'Priority', 'Essential', 'Protected', 'Important', 'Build-Essential',
  'Multi-Arch', 'Depends', 'Pre-Depends', 'Recommends', 'Suggests', 'Enhances', 'Breaks', 'Conflicts',
  'Replaces', 'Provides', 'Built-Using', 'Static-Built-Using', 'Built-For-Profiles', 'Homepage',
  'Description', 'Description-md5', 'Tag', 'Task', 'Origin', 'Bugs', 'Supported', 'Phased-Update-Percentage',
  'Ruby-Versions', 'Python-Version', 'Python-Egg-Name', 'Go-Import-Path', 'Lua-Versions', 'Modaliases',
  'Gstreamer-Version', 'Gstreamer-Elements', 'Gstreamer-Decoders', 'Gstreamer-Encoders',
  'Gstreamer-Uri-Sources', 'Gstreamer-Uri-Sinks', 'Postgresql-Catversion', 'Kernel-Version',
  'Installer-Menu-Item', 'Subarchitecture', 'Build-Ids', 'Auto-Built-Package', 'Cnf-Extra-Commands',
  'Cnf-Visible-Pkgname', 'Cnf-Priority-Bonus', 'Cnf-Ignore-Commands', 'Efi-Vendor',
  'Binary', 'Format', 'Standards-Version', 'Build-Depends', 'Build-Depends-Indep', 'Build-Depends-Arch',
  'Build-Conflicts', 'Build-Conflicts-Indep', 'Build-Conflicts-Arch', 'Testsuite', 'Testsuite-Triggers',
  'Package-List', 'Dgit', 'Rules-Requires-Root', 'Vcs-Browser', 'Vcs-Git', 'Vcs-Svn', 'Vcs-Bzr', 'Vcs-Hg',
  'Vcs-Darcs', 'Vcs-Cvs', 'Vcs-Arch', 'Vcs-Mtn',
];

/** Fields aptly keeps out of the package stanza: queries on them never match. */
const UNQUERYABLE_FIELDS: Record<string, string> = {
  Package: "aptly cannot query the 'Package' field: use 'Name' instead",
  Filename: "aptly cannot query the 'Filename' field",
  Size: "aptly cannot query the 'Size' field",
  MD5sum: "aptly cannot query the 'MD5sum' field",
  SHA1: "aptly cannot query the 'SHA1' field",
  SHA256: "aptly cannot query the 'SHA256' field",
  SHA512: "aptly cannot query the 'SHA512' field",
};

/** Fields whose values come from a fixed, lower-case set. */
const ENUM_FIELDS: Record<string, string[]> = {
  'Priority': ['required', 'important', 'standard', 'optional', 'extra'],
  'Multi-Arch': ['same', 'foreign', 'allowed', 'no'],
  'Essential': ['yes', 'no'],
  'Protected': ['yes', 'no'],
  '$PackageType': ['deb', 'udeb', 'source'],
};

/** dpkg's architecture names for Linux (`dpkg-architecture -L`). */
const LINUX_ARCHITECTURES = [
  'alpha', 'amd64', 'arc', 'arm', 'arm64', 'arm64ilp32', 'armeb', 'armel', 'armhf', 'avr32', 'hppa', 'i386',
  'ia64', 'loong64', 'm32r', 'm68k', 'mips', 'mips64', 'mips64el', 'mips64r6', 'mips64r6el', 'mipsel',
  'mipsn32', 'mipsn32el', 'mipsn32r6', 'mipsn32r6el', 'mipsr6', 'mipsr6el', 'nios2', 'or1k', 'powerpc',
  'powerpcel', 'powerpcspe', 'ppc64', 'ppc64el', 'riscv64', 's390', 's390x', 'sh3', 'sh3eb', 'sh4', 'sh4eb',
  'sparc', 'sparc64', 'tilegx', 'x32',
];

/** dpkg's prefixes for non-Linux ports, e.g. `hurd-i386`, `kfreebsd-amd64`. */
const PORT_PREFIXES = [
  'aix', 'darwin', 'dragonflybsd', 'freebsd', 'hurd', 'kfreebsd', 'knetbsd', 'kopensolaris', 'mint',
  'musl-linux', 'netbsd', 'openbsd', 'solaris', 'uclibc-linux', 'uclinux',
];

/** Names from other ecosystems for Debian architectures. */
const ARCHITECTURE_ALIASES: Record<string, string> = {
  'x86_64': 'amd64',
  'x86-64': 'amd64',
  'x64': 'amd64',
  'aarch64': 'arm64',
  'armv8': 'arm64',
  'arm64v8': 'arm64',
  'i486': 'i386',
  'i586': 'i386',
  'i686': 'i386',
  'x86': 'i386',
  'armv7': 'armhf',
  'armv7l': 'armhf',
  'armv7hl': 'armhf',
  'armhfp': 'armhf',
  'arm32v7': 'armhf',
  'armv5': 'armel',
  'armv5tel': 'armel',
  'ppc64le': 'ppc64el',
  'powerpc64le': 'ppc64el',
  'riscv': 'riscv64',
  'loongarch64': 'loong64',
  'noarch': 'all',
  'src': 'source',
};

/** Operators that order values. */
const ORDER_OPERATORS = ['<<', '<=', '>=', '>>'];

/** Escapes Go's regexp accepts after a backslash (letters only; punctuation is always fine). */
const REGEXP_LETTER_ESCAPES = 'abfnrtvxpPdDsSwWBAzQEC';

// ---------------------------------------------------------------------------
// tokenizer

enum Kind {
  Word,
  LeftParen,
  RightParen,
  LeftCurly,
  RightCurly,
  Or,
  And,
  Not,
  Operator,
  End,
}

interface Token {
  readonly kind: Kind;
  /** The text as written (with quotes, for a quoted word). */
  readonly text: string;
  /** The decoded value of a word. */
  readonly value: string;
  /** 1-based column in the original query. */
  readonly column: number;
  readonly quoted: boolean;
}

/** A problem found while analysing; thrown internally, returned by `check`. */
class Problem {
  constructor(public readonly column: number, public readonly message: string) {}
}

const PUNCTUATION: Record<string, Kind> = {
  '(': Kind.LeftParen,
  ')': Kind.RightParen,
  '{': Kind.LeftCurly,
  '}': Kind.RightCurly,
  '|': Kind.Or,
  ',': Kind.And,
  '!': Kind.Not,
};

const PUNCTUATION_CHARS = Object.keys(PUNCTUATION).join('');

const SPACE = /\s/;
// A word runs to whitespace or punctuation; a backslash protects the next character.
const WORD = /(?:\\[\s\S]|\\$|[^\s(){}|,!\\])+/y;

function isSpace(char: string): boolean {
  return SPACE.test(char);
}

/**
 * Splits like aptly's lexer, with two differences that only make more
 * queries parse: '(' ends a word (aptly keeps it: `foo(>=1)` is an error
 * there), and outside quotes a backslash protects the next character.
 */
function tokenize(input: string, start: number, end: number): Token[] {
  const tokens: Token[] = [];
  const line = input.slice(0, end);
  let i = start;
  const token = (kind: Kind, from: number, to: number, value?: string, quoted = false) => {
    const text = input.slice(from, to);
    tokens.push({ kind, text, value: value ?? text, column: from + 1, quoted });
  };
  while (i < end) {
    const char = input[i];
    if (isSpace(char)) {
      i++;
    } else if (PUNCTUATION_CHARS.includes(char)) {
      token(PUNCTUATION[char], i, i + 1);
      i++;
    } else if (char === '<' || char === '>') {
      const length = input[i + 1] === char || input[i + 1] === '=' ? 2 : 1;
      token(Kind.Operator, i, i + length);
      i += length;
    } else if (char === '=' || char === '%' || char === '~') {
      token(Kind.Operator, i, i + 1);
      i++;
    } else if (char === '"' || char === "'") {
      let value = '';
      let j = i + 1;
      while (j < end && input[j] !== char) {
        if (input[j] === '\\' && j + 1 < end) {
          j++;
        }
        value += input[j];
        j++;
      }
      if (j >= end) {
        throw new Problem(i + 1, `unterminated quote: add the closing ${char}`);
      }
      token(Kind.Word, i, j + 1, value, true);
      i = j + 1;
    } else {
      WORD.lastIndex = i;
      WORD.test(line);
      const j = WORD.lastIndex;
      token(Kind.Word, i, j);
      i = j;
    }
  }
  tokens.push({ kind: Kind.End, text: '', value: '', column: end + 1, quoted: false });
  return tokens;
}

// ---------------------------------------------------------------------------
// syntax tree

interface Condition {
  /** The operator as written, '' when omitted (which means '='). */
  readonly operator: string;
  /** The decoded value. */
  readonly value: string;
  /** The value's token, for columns. */
  readonly token: Token;
}

interface Node {
  readonly kind: 'or' | 'and' | 'not' | 'group' | 'package' | 'reference' | 'field';
  /** Operands of 'or', 'and'; the single operand of 'not' and 'group'. */
  readonly operands?: Node[];
  /** Package, reference or field name, as written. */
  readonly name?: string;
  /** For a reference: the package name part. */
  readonly packageName?: string;
  readonly condition?: Condition;
  readonly architecture?: string;
}

function format(node: Node): string {
  switch (node.kind) {
    case 'or':
      return node.operands!.map(format).join(' | ');
    case 'and':
      return node.operands!.map(format).join(', ');
    case 'not':
      return `!${format(node.operands![0])}`;
    case 'group':
      return `(${format(node.operands![0])})`;
    default:
      return formatTerm(node);
  }
}

function formatTerm(node: Node): string {
  let text = node.name!;
  if (node.condition) {
    const { operator, value } = node.condition;
    text += operator ? ` (${operator} ${quote(value)})` : ` (${quote(value)})`;
  }
  if (node.architecture) {
    text += ` {${node.architecture}}`;
  }
  return text;
}

/** Quotes a value the way aptly does when it must (spaces, punctuation, leading operator or quote). */
function quote(value: string): string {
  if (!/[\s()|,!{}]|^["'<>=%~]/.test(value)) {
    return value;
  }
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function packageNameOf(node: Node): string | undefined {
  switch (node.kind) {
    case 'group':
      return packageNameOf(node.operands![0]);
    case 'package':
      return node.name;
    case 'reference':
      return node.packageName;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------
// parser

interface Analysis {
  readonly text?: string;
  readonly packageName?: string;
  readonly problem?: PackageQueryProblem;
}

// Most queries are a bare name or `name (op version)`: these patterns accept exactly what the
// parser accepts for those forms (checkPackageName, checkVersion) and normalize the same way,
// so large package lists skip the tokenizer (see test "fast path agrees with the parser").
const BARE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const NAME_VERSION_ARCH = /^([a-z0-9][a-z0-9+.-]+)(?: \((>=|<=|=|>>|<<) ?(\d+:\d(?:[A-Za-z0-9.+~:-]*[A-Za-z0-9.+~:])?|\d(?:[A-Za-z0-9.+~-]*[A-Za-z0-9.+~])?)\))?(?: \{([a-z0-9-]+)\})?$/;

function analyse(input: string): Analysis {
  if (BARE_NAME.test(input)) return { text: input, packageName: input };
  const m = NAME_VERSION_ARCH.exec(input);
  if (m && (m[2] || m[4]) && (!m[4] || isKnownArchitecture(m[4]))) {
    const version = m[2] ? ` (${m[2]} ${m[3]})` : '';
    const arch = m[4] ? ` {${m[4]}}` : '';
    return { text: `${m[1]}${version}${arch}`, packageName: m[1] };
  }
  return analyseSlowly(input);
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
function analyseSlowly(input: string): Analysis {
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
    return { text: format(tree), packageName: packageNameOf(tree) };
  } catch (error) {
    if (error instanceof Problem) {
      return { problem: { column: error.column, message: error.message } };
    }
    throw error;
  }
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  public parse(): Node {
    const tree = this.parseOr();
    const next = this.peek();
    if (next.kind === Kind.RightParen) {
      throw new Problem(next.column, "unmatched ')': remove it or add a '(' before it");
    }
    return tree;
  }

  private peek(): Token {
    return this.tokens[this.position];
  }

  private next(): Token {
    return this.tokens[this.position++];
  }

  private parseOr(after?: Token): Node {
    const operands = [this.parseAnd(after)];
    while (this.peek().kind === Kind.Or) {
      operands.push(this.parseAnd(this.next()));
    }
    return operands.length === 1 ? operands[0] : { kind: 'or', operands };
  }

  private parseAnd(after?: Token): Node {
    const operands = [this.parseNot(after)];
    while (this.peek().kind === Kind.And) {
      operands.push(this.parseNot(this.next()));
    }
    return operands.length === 1 ? operands[0] : { kind: 'and', operands };
  }

  private parseNot(after?: Token): Node {
    if (this.peek().kind === Kind.Not) {
      const not = this.next();
      return { kind: 'not', operands: [this.parseNot(not)] };
    }
    return this.parsePrimary(after);
  }

  /** `after` is the token before this operand ('(', '|', ',', '!'), for messages. */
  private parsePrimary(after?: Token): Node {
    const token = this.peek();
    if (token.kind === Kind.Word) {
      return this.parseTerm();
    }
    if (token.kind === Kind.LeftParen) {
      this.next();
      if (this.peek().kind === Kind.RightParen) {
        throw new Problem(token.column, "empty parentheses: put a query between '(' and ')'");
      }
      const inner = this.parseOr(token);
      const close = this.peek();
      if (close.kind !== Kind.RightParen) {
        throw new Problem(token.column, "unclosed '(': add a ')'");
      }
      this.next();
      const group: Node = { kind: 'group', operands: [inner] };
      this.checkFollower(group);
      return group;
    }
    throw this.missingOperand(token, after);
  }

  private missingOperand(token: Token, after?: Token): Problem {
    const between = after && after.kind !== Kind.LeftParen ? after : undefined;
    switch (token.kind) {
      case Kind.End:
        return between
          ? new Problem(between.column, `nothing after '${between.text}': add a query or remove the '${between.text}'`)
          : new Problem(token.column, 'empty query: name a package, e.g. nginx');
      case Kind.RightParen:
        return between
          ? new Problem(token.column, `nothing between '${between.text}' and ')'`)
          : new Problem(token.column, "unmatched ')': remove it or add a '(' before it");
      case Kind.Or:
      case Kind.And:
        return between
          ? new Problem(token.column, `nothing between '${between.text}' and '${token.text}'`)
          : new Problem(token.column, `nothing before '${token.text}': add a query or remove the '${token.text}'`);
      case Kind.LeftCurly:
        return new Problem(token.column, "architecture filter without a package: write 'name {arch}'");
      case Kind.RightCurly:
        return new Problem(token.column, "unmatched '}'");
      default:
        return new Problem(token.column, `'${token.text}' without a package: write 'name (${token.text} version)'`);
    }
  }

  private parseTerm(): Node {
    const word = this.next();
    if (word.quoted) {
      throw new Problem(word.column, `remove the quotes around ${word.text}`);
    }
    const name = word.value;
    const node = name.startsWith('$') || (/^\p{Lu}/u.test(name) && !name.includes('_'))
      ? this.parseFieldTerm(word)
      : this.parsePackageTerm(word);
    this.checkFollower(node);
    return node;
  }

  private parseFieldTerm(word: Token): Node {
    const field = word.value;
    checkFieldName(field, word.column);
    let condition: Condition | undefined;
    if (this.peek().kind === Kind.LeftParen) {
      condition = this.parseCondition();
      if (field === 'Version' && ORDER_OPERATORS.includes(condition.operator)) {
        throw new Problem(word.column, `'Version' compares text, not versions: use '$Version (${condition.operator} ${condition.value})'`);
      }
      checkFieldValue(field, condition);
    }
    return { kind: 'field', name: field, condition };
  }

  private parsePackageTerm(word: Token): Node {
    const name = word.value;
    const underscore = name.indexOf('_');
    if (underscore >= 0) {
      return this.parseReference(word);
    }
    checkPackageName(name, word.column);
    let condition: Condition | undefined;
    let architecture: string | undefined;
    if (this.peek().kind === Kind.LeftParen) {
      condition = this.parseCondition();
      checkConditionValue(condition, checkVersion);
    }
    if (this.peek().kind === Kind.LeftCurly) {
      architecture = this.parseArchitecture();
    }
    return { kind: 'package', name, condition, architecture };
  }

  private parseReference(word: Token): Node {
    const name = word.value;
    const first = name.indexOf('_');
    const last = name.lastIndexOf('_');
    if (first === last) {
      const pkg = name.slice(0, first);
      throw new Problem(word.column + first,
        `package references are 'name_version_arch': add the architecture (e.g. '${name}_amd64') or use '${pkg} (= ${name.slice(first + 1)})'`);
    }
    const pkg = name.slice(0, first);
    const version = name.slice(first + 1, last);
    const arch = name.slice(last + 1);
    checkPackageName(pkg, word.column);
    if (!version) {
      throw new Problem(word.column + first + 1, "missing version in 'name_version_arch'");
    }
    checkVersion(version, word.column + first + 1);
    if (!arch) {
      throw new Problem(word.column + last + 1, "missing architecture in 'name_version_arch'");
    }
    checkArchitecture(arch, word.column + last + 1);
    const next = this.peek();
    if (next.kind === Kind.LeftParen) {
      throw new Problem(next.column, `a package reference cannot have a condition: use '${pkg} (= ${version})' or '${name}'`);
    }
    if (next.kind === Kind.LeftCurly) {
      throw new Problem(next.column, 'a package reference already names its architecture: remove the \'{...}\'');
    }
    return { kind: 'reference', name, packageName: pkg };
  }

  /** condition := '(' [op] value ')' */
  private parseCondition(): Condition {
    const open = this.next();
    let operator = '';
    if (this.peek().kind === Kind.Operator) {
      const op = this.next();
      operator = op.text;
      checkOperator(op, this.peek());
    } else if (this.peek().kind === Kind.Not) {
      throw new Problem(this.peek().column, "aptly has no '!=': negate the whole query instead, e.g. '!nginx (= 1.0)'");
    }
    const value = this.peek();
    if (value.kind === Kind.End) {
      throw new Problem(open.column, "unclosed '(': add a ')'");
    }
    if (value.kind === Kind.RightParen) {
      throw new Problem(value.column, operator
        ? `missing value after '${operator}'`
        : "missing value between '(' and ')': write e.g. '(>= 1.0)'");
    }
    if (value.kind !== Kind.Word) {
      throw new Problem(value.column, `expected a value, found '${value.text}': quote values that start with '${value.text}'`);
    }
    this.next();
    if (value.value === '') {
      throw new Problem(value.column, "empty value: use '!Field' to match packages without a field");
    }
    const close = this.peek();
    if (close.kind === Kind.End) {
      throw new Problem(open.column, "unclosed '(': add a ')'");
    }
    if (close.kind !== Kind.RightParen) {
      throw new Problem(close.column, close.kind === Kind.Word || close.kind === Kind.Operator
        ? "expected ')' after the value: quote values that contain spaces"
        : `expected ')' after the value: quote values that contain '${close.text}'`);
    }
    this.next();
    return { operator, value: value.value, token: value };
  }

  /** arch := '{' word '}' */
  private parseArchitecture(): string {
    const open = this.next();
    const word = this.peek();
    if (word.kind === Kind.RightCurly) {
      throw new Problem(word.column, "missing architecture between '{' and '}'");
    }
    if (word.kind === Kind.End) {
      throw new Problem(open.column, "unclosed '{': add a '}'");
    }
    if (word.kind !== Kind.Word) {
      throw new Problem(word.column, `expected an architecture, found '${word.text}'`);
    }
    if (word.quoted) {
      throw new Problem(word.column, `remove the quotes around ${word.text}`);
    }
    this.next();
    checkArchitecture(word.value, word.column);
    const close = this.peek();
    if (close.kind === Kind.End) {
      throw new Problem(open.column, "unclosed '{': add a '}'");
    }
    if (close.kind !== Kind.RightCurly) {
      throw new Problem(close.column, "one architecture per filter: write 'name {amd64} | name {arm64}'");
    }
    this.next();
    return word.value;
  }

  /** After a term or group only '|', ',', ')' or the end may follow. */
  private checkFollower(node: Node): void {
    const token = this.peek();
    const column = token.column;
    switch (token.kind) {
      case Kind.Or:
      case Kind.And:
      case Kind.RightParen:
      case Kind.End:
        return;
      case Kind.Operator:
        if (node.kind === 'package' && !node.condition && !node.architecture) {
          const value = this.tokens[this.position + 1];
          const version = value.kind === Kind.Word ? value.value : 'version';
          throw new Problem(column, `put the version condition in parentheses: '${node.name} (${token.text} ${version})'`);
        }
        break;
      case Kind.LeftParen:
        if (node.kind === 'package' && node.architecture && !node.condition) {
          throw new Problem(column, `put the version condition before the architecture: '${node.name} (...) {${node.architecture}}'`);
        }
        if ((node.kind === 'package' || node.kind === 'field') && node.condition) {
          throw new Problem(column, `only one condition per query: combine them with ',', e.g. '${node.name} (>= 1), ${node.name} (<< 2)'`);
        }
        break;
      case Kind.LeftCurly:
        if (node.kind === 'field') {
          throw new Problem(column, "architecture filters only apply to package names: add ', $Architecture (amd64)' instead");
        }
        if (node.kind === 'package') {
          throw new Problem(column, "only one architecture filter per package: write 'name {amd64} | name {arm64}'");
        }
        throw new Problem(column, 'architecture filters only apply to package names');
      case Kind.RightCurly:
        throw new Problem(column, "unmatched '}'");
      default:
        break;
    }
    throw new Problem(column, `missing ',' or '|' before '${token.text}'`);
  }
}

// ---------------------------------------------------------------------------
// checks

function checkFieldValue(field: string, condition: Condition): void {
  if (field === '$Version' || field === '$SourceVersion') {
    checkConditionValue(condition, checkVersion);
  } else if (field === '$Architecture') {
    checkConditionValue(condition, checkArchitecture);
  } else if (field === '$Source' || field === 'Name') {
    checkConditionValue(condition, (value, column) => checkPackageName(value, column, field));
  } else {
    const allowed = ENUM_FIELDS[field];
    if (allowed && (condition.operator === '' || condition.operator === '=')) {
      checkConditionValue(condition, (value, column) => {
        if (!allowed.includes(value)) {
          throw new Problem(column, `'${field}' is one of ${allowed.join(', ')}`);
        }
      });
    } else {
      checkConditionValue(condition, () => undefined);
    }
  }
}

function checkOperator(op: Token, next: Token): void {
  const adjacent = next.column === op.column + op.text.length;
  if (op.text === '=' && adjacent && next.kind === Kind.Operator && (next.text === '>' || next.text === '<')) {
    throw new Problem(op.column, `'=${next.text}' is not an operator: use '${next.text}='`);
  }
  if (op.text === '=' && adjacent && next.kind === Kind.Operator && next.text === '=') {
    throw new Problem(op.column, "'==' is not an operator: use '='");
  }
  if (op.text === '>' || op.text === '<') {
    throw new Problem(op.column,
      `'${op.text}' means '${op.text}=' in aptly: write '${op.text}=' or '${op.text}${op.text}' (strictly ${op.text === '>' ? 'greater' : 'less'})`);
  }
}

/**
 * Checks the value of a condition: '%' takes a glob, '~' a regular
 * expression, other operators what `check` accepts.
 */
function checkConditionValue(condition: Condition, check: (value: string, column: number) => void): void {
  const { operator, value, token } = condition;
  // columns inside a quoted value are approximate when it has escapes
  const start = token.quoted ? token.column + 1 : token.column;
  const column = (offset: number) => start + offset;
  if (operator === '%') {
    checkGlob(value, column);
  } else if (operator === '~') {
    checkRegexp(value, column);
  } else {
    check(value, start);
  }
}

function checkFieldName(field: string, column: number): void {
  if (field.startsWith('$')) {
    if (SPECIAL_FIELDS.includes(field)) {
      return;
    }
    const match = SPECIAL_FIELDS.find(f => f.toLowerCase() === field.toLowerCase());
    throw new Problem(column, match
      ? `special fields are case-sensitive: use '${match}'`
      : `unknown special field '${field}': use ${SPECIAL_FIELDS.join(', ')}`);
  }
  if (field in UNQUERYABLE_FIELDS) {
    throw new Problem(column, UNQUERYABLE_FIELDS[field]);
  }
  if (KNOWN_FIELDS.includes(field)) {
    return;
  }
  const match = [...KNOWN_FIELDS, ...Object.keys(UNQUERYABLE_FIELDS)].find(f => f.toLowerCase() === field.toLowerCase());
  if (match) {
    throw new Problem(column, `field names are case-sensitive: use '${match}'`);
  }
  const lower = field.toLowerCase();
  if (/^[a-z0-9][a-z0-9+.-]+$/.test(lower)) {
    throw new Problem(column, `package names are lower-case: use '${lower}' (a capitalised word is a field name in aptly)`);
  }
  throw new Problem(column, `unknown field '${field}'`);
}

/**
 * Debian package names: lower-case letters, digits, '+', '-', '.', at least
 * two characters, starting with a letter or digit.
 *
 * @param field the field whose value this is (`Name`, `$Source`), for hints
 */
function checkPackageName(name: string, column: number, field?: string): void {
  if (name.startsWith('@')) {
    throw new Problem(column, 'aptly does not read filter files; list one query per line');
  }
  const equals = name.indexOf('=');
  if (equals > 0 && !field) {
    throw new Problem(column + equals, `use '${name.slice(0, equals)} (= ${name.slice(equals + 1)})'`);
  }
  const colon = name.indexOf(':');
  if (colon > 0 && !field) {
    throw new Problem(column + colon, `use '${name.slice(0, colon)} {${name.slice(colon + 1)}}'`);
  }
  const glob = name.search(/[*?[\]]/);
  if (glob >= 0) {
    throw new Problem(column + glob, `use '${field ?? 'Name'} (% ${name})' to match names by pattern`);
  }
  const upper = name.search(/[A-Z]/);
  if (upper >= 0) {
    throw new Problem(column + upper, `package names are lower-case: use '${name.toLowerCase()}'`);
  }
  const invalid = name.search(/[^a-z0-9+.-]/);
  if (invalid >= 0) {
    throw new Problem(column + invalid, `invalid character '${name[invalid]}' in package name`);
  }
  if (!/^[a-z0-9]/.test(name)) {
    throw new Problem(column, 'package names start with a letter or digit');
  }
  if (name.length < 2) {
    throw new Problem(column, 'package names are at least 2 characters long');
  }
}

/** Debian versions: `[epoch:]upstream[-revision]`, upstream starting with a digit. */
function checkVersion(version: string, column: number): void {
  const colon = version.indexOf(':');
  if (colon >= 0 && !/^\d+$/.test(version.slice(0, colon))) {
    throw new Problem(column, "the epoch before ':' must be a number");
  }
  const upstream = colon + 1;
  if (!/^\d/.test(version.slice(upstream))) {
    throw new Problem(column + upstream, 'versions start with a digit');
  }
  const invalid = version.slice(upstream).search(/[^A-Za-z0-9.+~:-]/);
  if (invalid >= 0) {
    throw new Problem(column + upstream + invalid, `invalid character '${version[upstream + invalid]}' in version`);
  }
  if (version.endsWith('-')) {
    throw new Problem(column + version.length - 1, "a version cannot end with '-'");
  }
}

function checkArchitecture(arch: string, column: number): void {
  if (arch === 'all' || arch === 'source' || LINUX_ARCHITECTURES.includes(arch)) {
    return;
  }
  const port = PORT_PREFIXES.find(prefix => arch.startsWith(`${prefix}-`));
  if (port && LINUX_ARCHITECTURES.includes(arch.slice(port.length + 1))) {
    return;
  }
  if (arch === 'any') {
    throw new Problem(column, "aptly compares 'any' literally, so it only matches 'all' packages: leave out the architecture");
  }
  if (/(^|-)any($|-)/.test(arch)) {
    throw new Problem(column, `aptly does not expand architecture wildcards like '${arch}': name one architecture`);
  }
  const alias = ARCHITECTURE_ALIASES[arch.toLowerCase()];
  if (alias) {
    throw new Problem(column, `unknown architecture '${arch}': use '${alias}'`);
  }
  if (arch !== arch.toLowerCase()) {
    throw new Problem(column, `architecture names are lower-case: use '${arch.toLowerCase()}'`);
  }
  throw new Problem(column, `unknown architecture '${arch}': use a Debian architecture such as amd64 or arm64`);
}

/** Go's `filepath.Match` rejects malformed classes; aptly then silently matches nothing. */
function checkGlob(glob: string, column: (offset: number) => number): void {
  let i = 0;
  const bad = (offset: number, message: string) => new Problem(column(offset), `${message} in pattern '${glob}'`);
  const classChar = (j: number, start: number): number => {
    if (j >= glob.length) {
      throw bad(start, "unclosed '['");
    }
    if (glob[j] === '-' || glob[j] === ']') {
      throw bad(j, `misplaced '${glob[j]}'`);
    }
    if (glob[j] === '\\') {
      j++;
      if (j >= glob.length) {
        throw bad(start, "unclosed '['");
      }
    }
    return j + 1;
  };
  while (i < glob.length) {
    if (glob[i] === '\\') {
      if (i + 1 >= glob.length) {
        throw bad(i, 'trailing backslash');
      }
      i += 2;
    } else if (glob[i] === '[') {
      const start = i;
      let j = i + 1;
      if (glob[j] === '^') {
        j++;
      }
      let ranges = 0;
      while (!(glob[j] === ']' && ranges > 0)) {
        j = classChar(j, start);
        if (glob[j] === '-') {
          j = classChar(j + 1, start);
        }
        ranges++;
      }
      i = j + 1;
    } else {
      i++;
    }
  }
}

/**
 * aptly compiles '~' values with Go's regexp (RE2): no lookaround, no
 * backreferences, no unknown escapes. The rest is checked by compiling a
 * JavaScript translation, which agrees with RE2 on common syntax.
 */
function checkRegexp(regexp: string, column: (offset: number) => number): void {
  let js = '';
  let inClass = false;
  for (let i = 0; i < regexp.length; i++) {
    const char = regexp[i];
    if (char === '\\') {
      const next = regexp[i + 1];
      if (next === undefined) {
        throw new Problem(column(i), 'invalid regular expression: trailing backslash');
      }
      if (/[1-9]/.test(next)) {
        throw new Problem(column(i), `aptly (go regexp) does not support backreferences like '\\${next}'`);
      }
      if (/[A-Za-z]/.test(next) && !REGEXP_LETTER_ESCAPES.includes(next)) {
        throw new Problem(column(i), `invalid escape '\\${next}' in regular expression`);
      }
      if (next === 'Q') {
        const end = regexp.indexOf('\\E', i + 2);
        const literal = regexp.slice(i + 2, end < 0 ? undefined : end);
        js += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? regexp.length : end + 1;
        continue;
      }
      js += next === 'z' ? '$' : next === 'A' ? '^' : next === 'C' ? '.' : char + next;
      i++;
    } else if (inClass) {
      if (char === ']') {
        inClass = false;
      } else if (char === '[' && regexp[i + 1] === ':') {
        const end = regexp.indexOf(':]', i + 2);
        if (end > 0) {
          js += 'a';
          i = end + 1;
          continue;
        }
      }
      js += char;
    } else if (char === '[') {
      inClass = true;
      js += char;
      if (regexp[i + 1] === '^') {
        js += '^';
        i++;
      }
      if (regexp[i + 1] === ']') {
        js += '\\]';
        i++;
      }
    } else if (char === '(' && regexp[i + 1] === '?') {
      const rest = regexp.slice(i);
      if (/^\(\?<?[=!]/.test(rest)) {
        throw new Problem(column(i), 'aptly (go regexp) does not support lookahead or lookbehind');
      }
      const flags = /^\(\?[imsU-]*([:)])/.exec(rest);
      if (flags) {
        js += flags[1] === ':' ? '(?:' : '';
        i += flags[0].length - 1;
      } else if (rest.startsWith('(?P<')) {
        js += '(?<';
        i += 3;
      } else {
        js += char;
      }
    } else {
      js += char;
    }
  }
  try {
    new RegExp(js);
  } catch (error) {
    const reason = (error as Error).message.split(': ').pop()!.toLowerCase();
    throw new Problem(column(0), `invalid regular expression: ${reason}`);
  }
}
