import { parseIndex } from '../../../src/runner/deb/packages-index';
import { packagesText, publishedStanza } from '../../../src/runner/published/packages-file';

const UPSTREAM = `Package: b
Version: 1.0
Architecture: amd64
Depends: a
Filename: pool/main/b/b/b_1.0_amd64.deb
SHA256: 00
Description: bee
 more about bee

Package: a
Version: 1.0
Architecture: all
Filename: pool/main/a/a/a_1.0_all.deb

Package: b
Version: 2.0
Architecture: arm64
Filename: pool/main/b/b/b_2.0_arm64.deb

Package: b
Version: 2.0
Architecture: amd64
Filename: pool/main/b/b/b_2.0_amd64.deb
`;

const SUMS = new Map([['SHA256', '00'.repeat(32)]]);
const published = parseIndex(UPSTREAM, 0, 'main').map(entry => ({ entry, poolPath: `pool/main/x/${entry.key.replace(/ /g, '_')}.deb`, checksums: SUMS }));

describe('packagesText', () => {
  test('GIVEN packages of several architectures THEN one architecture\'s index has its own and the arch:all ones, by name, newest version first', () => {
    const keys = (text: string) => [...text.matchAll(/^Package: (.*)\nVersion: (.*)\nArchitecture: (.*)$/gm)].map(m => `${m[1]} ${m[2]} ${m[3]}`);
    expect(keys(packagesText(published, 'amd64'))).toEqual(['a 1.0 all', 'b 2.0 amd64', 'b 1.0 amd64']);
    expect(keys(packagesText(published, 'arm64'))).toEqual(['a 1.0 all', 'b 2.0 arm64']);
    expect(packagesText(published, 'i386')).toBe(packagesText(published.filter(p => p.entry.architecture === 'all'), 'i386'));
  });

  test('GIVEN a stanza THEN its Filename and its checksums are the published ones, where upstream had them; every stanza ends with a blank line', () => {
    const b1 = published.find(p => p.entry.key === 'b 1.0 amd64')!;
    expect(publishedStanza(b1)).toBe(b1.entry.stanza.replace('Filename: pool/main/b/b/b_1.0_amd64.deb', 'Filename: pool/main/x/b_1.0_amd64.deb')
      .replace('SHA256: 00', `SHA256: ${'00'.repeat(32)}`));
    expect(publishedStanza(b1)).toMatch(/Description: bee\n more about bee$/);
    const text = packagesText(published, 'amd64');
    expect(text.endsWith('\n\n')).toBe(true);
    expect(text.split('\n\n').filter(Boolean)).toHaveLength(3);
  });

  test('GIVEN upstream\'s checksums (any case, a continuation line, CRLF) THEN the checked ones in their place; none THEN after the Filename', () => {
    const [entry] = parseIndex('Package: x\r\nVersion: 1\r\nArchitecture: all\r\nFilename: pool/x_1_all.deb\r\nSize: 3\r\nMD5Sum: AB\r\n more\r\nSHA256: CD\r\nDescription: x\r\n', 0, 'main');
    const checksums = new Map([['MD5sum', 'ab'], ['SHA256', 'cd']]);
    expect(publishedStanza({ entry, poolPath: 'pool/main/x/x/x_1_all.deb', checksums }))
      .toBe('Package: x\nVersion: 1\nArchitecture: all\nFilename: pool/main/x/x/x_1_all.deb\nSize: 3\nMD5sum: ab\nSHA256: cd\nDescription: x');
    const [bare] = parseIndex('Package: x\nVersion: 1\nArchitecture: all\nFilename: pool/x_1_all.deb\nSize: 3\n', 0, 'main');
    expect(publishedStanza({ entry: bare, poolPath: 'pool/main/x/x/x_1_all.deb', checksums: SUMS }))
      .toBe(`Package: x\nVersion: 1\nArchitecture: all\nFilename: pool/main/x/x/x_1_all.deb\nSHA256: ${'00'.repeat(32)}\nSize: 3`);
  });
});
