// Checks of names, versions, architectures, fields, globs and regular expressions in queries.
import { Condition } from './syntax';
import { ARCHITECTURE_ALIASES, ENUM_FIELDS, KNOWN_FIELDS, LINUX_ARCHITECTURES, PORT_PREFIXES, REGEXP_LETTER_ESCAPES, SPECIAL_FIELDS, UNQUERYABLE_FIELDS } from './tables';
import { Kind, Problem, Token } from './tokens';

export function checkFieldValue(field: string, condition: Condition): void {
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

export function checkOperator(op: Token, next: Token): void {
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
export function checkConditionValue(condition: Condition, check: (value: string, column: number) => void): void {
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

export function checkFieldName(field: string, column: number): void {
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
export function checkPackageName(name: string, column: number, field?: string): void {
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
export function checkVersion(version: string, column: number): void {
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

export function checkArchitecture(arch: string, column: number): void {
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
export function checkGlob(glob: string, column: (offset: number) => number): void {
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
 * JavaScript translation, which agrees with RE2 on common syntax. Returns that translation.
 */
export function checkRegexp(regexp: string, column: (offset: number) => number): string {
  let js = '';
  let inClass = false;
  for (let i = 0; i < regexp.length; i++) {
    const char = regexp[i];
    let step: Translated;
    if (char === '\\') {
      step = translateEscape(regexp, i, column);
    } else if (inClass) {
      inClass = char !== ']';
      step = translateInClass(regexp, i);
    } else if (char === '[') {
      inClass = true;
      step = translateClassStart(regexp, i);
    } else if (char === '(' && regexp[i + 1] === '?') {
      step = translateGroup(regexp, i, column);
    } else {
      step = { js: char, last: i };
    }
    js += step.js;
    i = step.last;
  }
  try {
    new RegExp(js);
  } catch (error) {
    const reason = (error as Error).message.split(': ').pop()!.toLowerCase();
    throw new Problem(column(0), `invalid regular expression: ${reason}`);
  }
  return js;
}

/** The JavaScript for a piece of an RE2 expression, and the offset of its last character. */
interface Translated {
  readonly js: string;
  readonly last: number;
}

/** A backslash escape at `i`. */
function translateEscape(regexp: string, i: number, column: (offset: number) => number): Translated {
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
    return { js: literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&'), last: end < 0 ? regexp.length : end + 1 };
  }
  return { js: next === 'z' ? '$' : next === 'A' ? '^' : next === 'C' ? '.' : '\\' + next, last: i + 1 };
}

/** A character inside a bracket expression; a class such as `[:alpha:]` stands for one letter. */
function translateInClass(regexp: string, i: number): Translated {
  if (regexp[i] === '[' && regexp[i + 1] === ':') {
    const end = regexp.indexOf(':]', i + 2);
    if (end > 0) return { js: 'a', last: end + 1 };
  }
  return { js: regexp[i], last: i };
}

/** The opening of a bracket expression: `[`, `[^`, and a leading `]` that is literal. */
function translateClassStart(regexp: string, i: number): Translated {
  let js = '[';
  if (regexp[i + 1] === '^') {
    js += '^';
    i++;
  }
  if (regexp[i + 1] === ']') {
    js += '\\]';
    i++;
  }
  return { js, last: i };
}

/** A group with `(?`: flags and non-capturing groups, named groups; no lookaround. */
function translateGroup(regexp: string, i: number, column: (offset: number) => number): Translated {
  const rest = regexp.slice(i);
  if (/^\(\?<?[=!]/.test(rest)) {
    throw new Problem(column(i), 'aptly (go regexp) does not support lookahead or lookbehind');
  }
  const flags = /^\(\?[imsU-]*([:)])/.exec(rest);
  if (flags) return { js: flags[1] === ':' ? '(?:' : '', last: i + flags[0].length - 1 };
  if (rest.startsWith('(?P<')) return { js: '(?<', last: i + 3 };
  return { js: '(', last: i };
}
