import { IndexEntry, parseIndex } from '../../../src/runner/deb/packages-index';
import { publishedPoolPath } from '../../../src/runner/published/pool-layout';

function entry(fields: string, component = 'main'): IndexEntry {
  return parseIndex(`Package: pkg\nVersion: 1.0-1\nArchitecture: amd64\n${fields}`, 0, component)[0];
}

describe('publishedPoolPath: aptly\'s pool layout (deb/package.go PoolDirectory)', () => {
  test('GIVEN no Source THEN the package name, under its first letter, in the published component', () => {
    expect(publishedPoolPath(entry('Filename: pool/main/p/pkg/pkg_1.0-1_amd64.deb'), 'x')).toBe('pool/main/p/pkg/pkg_1.0-1_amd64.deb');
    expect(publishedPoolPath(entry('Filename: pool/main/p/pkg/pkg_1.0-1_amd64.deb', 'contrib'), 'x')).toBe('pool/contrib/p/pkg/pkg_1.0-1_amd64.deb');
  });

  test('GIVEN a Source with its version THEN the source name without it; lib sources under their first four characters', () => {
    expect(publishedPoolPath(entry('Source: other (2.0-1)\nFilename: pool/main/o/other/pkg_1.0-1_amd64.deb'), 'x')).toBe('pool/main/o/other/pkg_1.0-1_amd64.deb');
    expect(publishedPoolPath(entry('Source: libfoo\nFilename: x/pkg_1.0-1_amd64.deb'), 'x')).toBe('pool/main/libf/libfoo/pkg_1.0-1_amd64.deb');
    // aptly 1.5.0 crashes on "lib"; the runner files it like any lib source.
    expect(publishedPoolPath(entry('Source: lib\nFilename: x/pkg_1.0-1_amd64.deb'), 'x')).toBe('pool/main/lib/lib/pkg_1.0-1_amd64.deb');
  });

  test('GIVEN a flat repository\'s Filename (./file or a bare name) THEN only its base name is kept', () => {
    expect(publishedPoolPath(entry('Filename: ./pkg_1.0-1_amd64.deb'), 'x')).toBe('pool/main/p/pkg/pkg_1.0-1_amd64.deb');
    expect(publishedPoolPath(entry('Filename: pkg_1.0-1_amd64.deb'), 'x')).toBe('pool/main/p/pkg/pkg_1.0-1_amd64.deb');
  });

  test('GIVEN a source name that cannot be a directory, or no usable Filename THEN a BuildError names the source and package', () => {
    expect(() => publishedPoolPath(entry('Source: x\nFilename: a.deb'), 'debian/bookworm')).toThrow(/^debian\/bookworm: pkg 1\.0-1 \(amd64\) names the source package "x"/);
    expect(() => publishedPoolPath(entry('Source: ../etc\nFilename: a.deb'), 'debian/bookworm')).toThrow(/names the source package "\.\.\/etc", which cannot be a pool directory/);
    expect(() => publishedPoolPath(entry(''), 'debian/bookworm')).toThrow(/pkg 1\.0-1 \(amd64\) has no usable Filename/);
    expect(() => publishedPoolPath(entry('Filename: pool/main/p/..'), 'debian/bookworm')).toThrow(/upstream's Filename "pool\/main\/p\/\.\." names no package file$/);
    expect(() => publishedPoolPath(entry('Filename: pool/../../etc/x.deb'), 'debian/bookworm')).toThrow(/^debian\/bookworm: pkg 1\.0-1 \(amd64\): upstream's Filename "pool\/\.\.\/\.\.\/etc\/x\.deb" points outside the repository$/);
  });
});
