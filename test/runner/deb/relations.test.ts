import { Candidate, formatClause, formatRelation, parseRelations, satisfies } from '../../../src/runner/deb/relations';

const pkg = (name: string, version: string, architecture: string, provides = ''): Candidate =>
  ({ name, version, architecture, provides: parseRelations(provides).map(c => c[0]) });
const rel = (text: string) => parseRelations(text)[0][0];

describe('parseRelations', () => {
  test('GIVEN a Depends field WHEN parsed THEN each clause lists its alternatives in order', () => {
    expect(parseRelations('libc6 (>= 2.34), libssl3 (>= 3.0.0) | libssl1.1, debconf (>= 0.5) | debconf-2.0')).toEqual([
      [{ name: 'libc6', op: '>=', version: '2.34' }],
      [{ name: 'libssl3', op: '>=', version: '3.0.0' }, { name: 'libssl1.1' }],
      [{ name: 'debconf', op: '>=', version: '0.5' }, { name: 'debconf-2.0' }],
    ]);
  });

  test('architecture qualifiers, missing spaces, folded lines, restrictions and profiles', () => {
    expect(parseRelations('python3:any (>= 3.11~),\n perl:native, libfoo:amd64(<<2)')).toEqual([
      [{ name: 'python3', archQualifier: 'any', op: '>=', version: '3.11~' }],
      [{ name: 'perl', archQualifier: 'native' }],
      [{ name: 'libfoo', archQualifier: 'amd64', op: '<<', version: '2' }],
    ]);
    expect(parseRelations('debhelper-compat (= 13) [linux-any] <!nocheck> <!cross>')).toEqual([[{ name: 'debhelper-compat', op: '=', version: '13' }]]);
  });

  test('empty, undefined and garbage give no clauses', () => {
    expect(parseRelations(undefined)).toEqual([]);
    expect(parseRelations('')).toEqual([]);
    expect(parseRelations(' , ')).toEqual([]);
    expect(parseRelations('Not_A_Package')).toEqual([]);
  });

  test('formatRelation and formatClause write what apt shows', () => {
    expect(formatRelation(rel('python3:any (>=3.11)'))).toBe('python3:any (>= 3.11)');
    expect(formatClause(parseRelations('a (>= 1) | b | c:any')[0])).toBe('a (>= 1) | b | c:any');
  });
});

describe('satisfies', () => {
  test('GIVEN a versioned dependency THEN the real package must have a matching version', () => {
    expect(satisfies(pkg('libc6', '2.36-9+deb12u4', 'amd64'), rel('libc6 (>= 2.34)'), 'amd64')).toBe(true);
    expect(satisfies(pkg('libc6', '2.31-13', 'amd64'), rel('libc6 (>= 2.34)'), 'amd64')).toBe(false);
    expect(satisfies(pkg('libc6', '2.31-13', 'amd64'), rel('libc6'), 'amd64')).toBe(true);
    expect(satisfies(pkg('libc6', '2.36', 'amd64'), rel('libc6 (<< 2.36)'), 'amd64')).toBe(false);
  });

  test('an unversioned Provides satisfies only an unversioned dependency', () => {
    const mawk = pkg('mawk', '1.3.4', 'amd64', 'awk');
    expect(satisfies(mawk, rel('awk'), 'amd64')).toBe(true);
    expect(satisfies(mawk, rel('awk (>= 1)'), 'amd64')).toBe(false);
  });

  test('a versioned Provides satisfies versioned dependencies by the provided version', () => {
    const p = pkg('libssl3t64', '3.0.13-1', 'amd64', 'libssl3 (= 3.0.13-1)');
    expect(satisfies(p, rel('libssl3'), 'amd64')).toBe(true);
    expect(satisfies(p, rel('libssl3 (>= 3.0.0)'), 'amd64')).toBe(true);
    expect(satisfies(p, rel('libssl3 (>= 3.1)'), 'amd64')).toBe(false);
    expect(satisfies(p, rel('libssl3t64 (>= 3.0.13)'), 'amd64')).toBe(true);
  });

  test('architecture: only the client architecture or all, never a foreign one', () => {
    expect(satisfies(pkg('libx', '1', 'arm64'), rel('libx'), 'amd64')).toBe(false);
    expect(satisfies(pkg('libx', '1', 'amd64'), rel('libx'), 'amd64')).toBe(true);
    expect(satisfies(pkg('tzdata', '1', 'all'), rel('tzdata'), 'arm64')).toBe(true);
  });

  test('qualifiers: ":any" and ":native" are the client architecture; an explicit one must match', () => {
    const py = pkg('python3', '3.11.2-1', 'amd64');
    expect(satisfies(py, rel('python3:any (>= 3.11)'), 'amd64')).toBe(true);
    expect(satisfies(py, rel('python3:native'), 'amd64')).toBe(true);
    expect(satisfies(py, rel('python3:amd64'), 'amd64')).toBe(true);
    expect(satisfies(pkg('python3', '3.11.2-1', 'arm64'), rel('python3:amd64'), 'arm64')).toBe(false);
    expect(satisfies(pkg('python3', '3.11.2-1', 'arm64'), rel('python3:any'), 'arm64')).toBe(true);
  });
});
