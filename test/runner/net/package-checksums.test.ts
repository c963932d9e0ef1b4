import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseIndex } from '../../../src/runner/deb/packages-index';
import { checkFile, expectedFile, sameFile } from '../../../src/runner/net/package-checksums';

const DATA = Buffer.from('the real package\n');
const hash = (algo: string, data: Buffer = DATA) => crypto.createHash(algo).update(data).digest('hex');
const entry = (fields: string) => parseIndex(`Package: pkg\nVersion: 1\nArchitecture: all\nFilename: pool/p/pkg_1_all.deb\n${fields}`, 0, 'main')[0];

describe('expectedFile', () => {
  test('GIVEN a stanza THEN its Size and every checksum it lists, lower-case, whatever case the field name has', () => {
    const e = expectedFile(entry(`Size: 17\nMD5Sum: ${hash('md5').toUpperCase()}\nSHA256: ${hash('sha256')}`), 'x');
    expect(e).toEqual({ size: 17, digests: new Map([['MD5sum', hash('md5')], ['SHA256', hash('sha256')]]) });
  });

  test('GIVEN a stanza apt and the build could read differently, or that cannot be checked THEN a BuildError naming the package and what is wrong', () => {
    const sha = `SHA256: ${hash('sha256')}`;
    expect(() => expectedFile(entry(`Size: 17\n${sha}\nVersion: 2`), 'debian/bookworm')).toThrow(/^debian\/bookworm: pkg 1 \(all\): upstream's Packages index gives its Version field twice/);
    expect(() => expectedFile(entry(`Size: 17\n${sha}\nsha256: ${hash('sha256')}`), 'd')).toThrow(/gives its sha256 field twice/);
    expect(() => expectedFile(entry(`Size: 17\n${sha}\nfilename: ../x.deb`), 'd')).toThrow(/gives its filename field twice/);
    expect(() => expectedFile(entry(sha), 'd')).toThrow(/^d: pkg 1 \(all\) has no valid Size in upstream's Packages index \(""\)/);
    expect(() => expectedFile(entry(`Size: 1e3\n${sha}`), 'd')).toThrow(/has no valid Size .*\("1e3"\)/);
    expect(() => expectedFile(entry(`Size: 17\nSHA256: ${hash('sha256').slice(1)}\nMD5sum: ${hash('md5')}`), 'd')).toThrow(/lists a malformed SHA256 \("[0-9a-f]{63}"\)/);
    expect(() => expectedFile(entry('Size: 17'), 'd')).toThrow(/^d: pkg 1 \(all\) has no checksum in upstream's Packages index/);
  });

  test('sameFile: the same size and no checksum both list that differs', () => {
    const a = expectedFile(entry(`Size: 17\nMD5sum: ${hash('md5')}\nSHA256: ${hash('sha256')}`), 'x');
    expect(sameFile(a, expectedFile(entry(`Size: 17\nSHA256: ${hash('sha256')}`), 'x'))).toBe(true);
    expect(sameFile(a, expectedFile(entry(`Size: 18\nSHA256: ${hash('sha256')}`), 'x'))).toBe(false);
    expect(sameFile(a, expectedFile(entry(`Size: 17\nMD5sum: ${hash('md5', Buffer.from('x'))}`), 'x'))).toBe(false);
  });
});

describe('checkFile', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-sums-'));
    file = path.join(dir, 'pkg.deb');
    fs.writeFileSync(file, DATA);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN every listed checksum right THEN the checksums to publish: the listed ones, plus SHA256', async () => {
    expect(await checkFile(file, expectedFile(entry(`Size: 17\nMD5sum: ${hash('md5')}\nSHA1: ${hash('sha1')}`), 'x')))
      .toEqual({ published: new Map([['MD5sum', hash('md5')], ['SHA1', hash('sha1')], ['SHA256', hash('sha256')]]) });
  });

  test('GIVEN one listed checksum wrong beside a right SHA256 THEN a problem naming it (apt checks every one it knows)', async () => {
    const wrong = hash('md5', Buffer.from('other'));
    expect(await checkFile(file, expectedFile(entry(`Size: 17\nMD5sum: ${wrong}\nSHA256: ${hash('sha256')}`), 'x')))
      .toEqual({ problem: `MD5sum ${hash('md5')}, the signed Packages index lists ${wrong}` });
    expect(await checkFile(file, expectedFile(entry(`Size: 16\nSHA256: ${hash('sha256')}`), 'x'))).toEqual({ problem: '17 bytes, the signed Packages index lists 16' });
  });
});
