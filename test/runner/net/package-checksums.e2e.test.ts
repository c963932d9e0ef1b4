import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseIndex } from '../../../src/runner/deb/packages-index';
import { fileDigests } from '../../../src/runner/net/file-digests';
import { compareFile, expectedFile, sameFile } from '../../../src/runner/net/package-checksums';

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

describe('compareFile', () => {
  test('GIVEN every listed checksum right THEN the checksums to publish: the listed ones, plus SHA256, in published order', () => {
    const computed = new Map([['SHA256', hash('sha256')], ['SHA1', hash('sha1')], ['MD5sum', hash('md5')]]);
    expect(compareFile(expectedFile(entry(`Size: 17\nSHA1: ${hash('sha1')}\nMD5sum: ${hash('md5')}`), 'x'), 17, computed))
      .toEqual({ published: new Map([['MD5sum', hash('md5')], ['SHA1', hash('sha1')], ['SHA256', hash('sha256')]]) });
  });

  test('GIVEN one listed checksum wrong beside a right SHA256, or another size THEN a problem naming it (apt checks every one it knows)', () => {
    const wrong = hash('md5', Buffer.from('other'));
    const computed = new Map([['MD5sum', hash('md5')], ['SHA256', hash('sha256')]]);
    expect(compareFile(expectedFile(entry(`Size: 17\nMD5sum: ${wrong}\nSHA256: ${hash('sha256')}`), 'x'), 17, computed))
      .toEqual({ problem: `MD5sum ${hash('md5')}, the signed Packages index lists ${wrong}` });
    expect(compareFile(expectedFile(entry(`Size: 16\nSHA256: ${hash('sha256')}`), 'x'), 17, computed)).toEqual({ problem: '17 bytes, the signed Packages index lists 16' });
    expect(compareFile(expectedFile(entry(`Size: 17\nSHA512: ${hash('sha512')}`), 'x'), 17, computed))
      .toEqual({ problem: `SHA512 (not computed), the signed Packages index lists ${hash('sha512')}` });
  });
});

describe('fileDigests', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-sums-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN files and the fields each needs THEN each gets exactly those, as coreutils\' md5sum, sha1sum, sha256sum and sha512sum compute them', async () => {
    const tools: Record<string, string> = { MD5sum: 'md5sum', SHA1: 'sha1sum', SHA256: 'sha256sum', SHA512: 'sha512sum' };
    const wanted = new Map<string, Set<string>>();
    for (let i = 0; i < 12; i++) {
      const file = path.join(dir, `p${i}_1.0+b1~x_all.deb`);
      fs.writeFileSync(file, crypto.randomBytes(1000 + i * 300_000));
      wanted.set(file, new Set(i % 2 ? ['SHA256'] : Object.keys(tools)));
    }
    const digests = await fileDigests(wanted);
    for (const [file, fields] of wanted) {
      const byTools = new Map([...fields].map(f => [f, spawnSync(tools[f], [file], { encoding: 'utf8' }).stdout.split(' ')[0]]));
      expect([file, digests.get(file)]).toEqual([file, byTools]);
    }
  });
});
