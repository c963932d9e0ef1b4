// Evaluates aptly package queries (the parser in src/sources/query) on upstream entries, with
// aptly 1.5's semantics (deb/query.go, deb/package.go): a name matches the package or, without a
// version, a package that Provides it; fields compare as Debian versions.
import { compareVersions } from './debian-version';
import { IndexEntry, stanzaField } from './packages-index';
import { Parser } from '../../sources/query/parser';
import { Node } from '../../sources/query/syntax';
import { tokenize } from '../../sources/query/tokens';

export type Matcher = (e: IndexEntry) => boolean;

export interface CompiledQuery {
  readonly matches: Matcher;
  /** Set when only packages of this name (or providing it) can match: look them up instead of scanning. */
  readonly name?: string;
}

/** A matcher for one (already validated) query line. */
export function compileQuery(query: string): CompiledQuery {
  let tree = new Parser(tokenize(query, 0, query.length)).parse();
  while (tree.kind === 'group') tree = tree.operands![0];
  const name = tree.kind === 'package' ? tree.name : tree.kind === 'reference' ? splitReference(tree.name!)[0] : undefined;
  return { matches: compile(tree), name };
}

function compile(node: Node): Matcher {
  switch (node.kind) {
    case 'or': {
      const ops = node.operands!.map(compile);
      return e => ops.some(m => m(e));
    }
    case 'and': {
      const ops = node.operands!.map(compile);
      return e => ops.every(m => m(e));
    }
    case 'not': {
      const op = compile(node.operands![0]);
      return e => !op(e);
    }
    case 'group':
      return compile(node.operands![0]);
    case 'reference': {
      const [name, version, arch] = splitReference(node.name!);
      return e => e.name === name && e.version === version && e.architecture === arch;
    }
    case 'package':
      return packageMatcher(node);
    default:
      return fieldMatcher(node);
  }
}

function splitReference(ref: string): [string, string, string] {
  const first = ref.indexOf('_');
  const last = ref.lastIndexOf('_');
  return [ref.slice(0, first), ref.slice(first + 1, last), ref.slice(last + 1)];
}

function matchesArchitecture(e: IndexEntry, arch: string): boolean {
  return (e.architecture === 'all' && arch !== 'source') || e.architecture === arch;
}

function packageMatcher(node: Node): Matcher {
  const name = node.name!;
  const arch = node.architecture;
  const cond = node.condition;
  const op = cond ? cond.operator || '=' : '';
  const test = op ? valueTest(op, cond!.value) : undefined;
  return e => {
    if (arch && !matchesArchitecture(e, arch)) return false;
    // aptly 1.5 keeps Provides entries as written: `virt (= 1)` is not the name `virt`.
    if (!test) return e.name === name || e.provides.some(p => p.name === name && !p.op);
    return e.name === name && test(e.version);
  };
}

function fieldMatcher(node: Node): Matcher {
  const fieldName = node.name!;
  const cond = node.condition;
  if (!cond) return e => (fieldValue(e, fieldName) ?? '') !== '';
  const op = cond.operator || '=';
  const test = valueTest(op, cond.value);
  if (fieldName === '$Architecture' && op === '=') return e => matchesArchitecture(e, cond.value);
  return e => test(fieldValue(e, fieldName) ?? '');
}

function fieldValue(e: IndexEntry, name: string): string | undefined {
  switch (name) {
    case 'Name': return e.name;
    case 'Version': case '$Version': return e.version;
    case 'Architecture': case '$Architecture': return e.architecture;
    case '$PackageType': return 'deb';
    case '$Source': {
      const source = stanzaField(e, 'Source');
      return source ? source.replace(/\s*\(.*$/, '').trim() : e.name;
    }
    case '$SourceVersion': {
      const m = /\(([^)]*)\)/.exec(stanzaField(e, 'Source') ?? '');
      return m ? m[1].trim() : e.version;
    }
    case 'Provides': {
      // aptly joins the entries as written (versions kept), trimmed, with ', '
      const provides = stanzaField(e, 'Provides');
      return provides === undefined ? undefined : provides.split(',').map(p => p.trim()).join(', ');
    }
    default: return stanzaField(e, name);
  }
}

function valueTest(op: string, value: string): (v: string) => boolean {
  switch (op) {
    case '=': return v => compareVersions(v, value) === 0;
    case '>=': return v => compareVersions(v, value) >= 0;
    case '<=': return v => compareVersions(v, value) <= 0;
    case '>>': return v => compareVersions(v, value) > 0;
    case '<<': return v => compareVersions(v, value) < 0;
    case '%': {
      const re = globToRegExp(value);
      return v => re.test(v);
    }
    case '~': {
      const re = goRegExp(value);
      return v => re.test(v);
    }
    default: return () => false;
  }
}

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/** A Go (RE2) regular expression as a RegExp: leading flags (but U), `(?P<name>`, `\A`, `\z` and `[[:alpha:]]` classes translated. */
export function goRegExp(re: string): RegExp {
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(re);
  if (lead) {
    flags = [...new Set(lead[1].replace(/U/g, ''))].join('');
    re = re.slice(lead[0].length);
  }
  const js = re.replace(/\\.|\(\?P<|\[:(\^?)([a-z]+):\]/g, (m, neg: string | undefined, cls: string | undefined) => {
    if (m === '\\A') return '(?<![\\s\\S])';
    if (m === '\\z') return '$(?![\\s\\S])';
    if (m === '(?P<') return '(?<';
    if (cls !== undefined && POSIX_CLASSES[cls] && !neg) return POSIX_CLASSES[cls];
    return m;
  });
  return new RegExp(js, flags);
}

/** Go's filepath.Match as a RegExp ('*' and '?' do not cross '/'). */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {re += '[^/]*';} else if (c === '?') {re += '[^/]';} else if (c === '\\' && i + 1 < glob.length) {re += escape(glob[++i]);} else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) return /$^/;
      re += `[${glob.slice(i + 1, end).replace(/^\^/, '^').replace(/\\/g, '\\\\')}]`;
      i = end;
    } else {re += escape(c);}
  }
  return new RegExp(`^${re}$`);
}

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
