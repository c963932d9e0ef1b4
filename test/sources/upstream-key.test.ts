import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { MirrorSource, ReleaseSigning, SourceConfigMaps, UpstreamKey } from '../../src';
import { buildJson } from '../../src/build-job/build-config';
import { chimeraKey } from '../support/hostile-keys';
import { GeneratedKey, generateSigningKey } from '../support/signing-key';
import { errorOf, writeTree } from '../support/tree';

// Upstream keys that come without a web server: a key file next to source.txt, an inline YAML
// key, and the construct's UpstreamKey factories; each checked with openpgp at synth time.
let a: GeneratedKey;
let b: GeneratedKey;
/** A binary keyring of both keys, as Debian ships debian-archive-keyring.gpg. */
let keyring: Buffer;

beforeAll(async () => {
  [a, b] = await Promise.all([generateSigningKey({ userId: 'Key A <a@archive.example>' }), generateSigningKey({ userId: 'Key B <b@archive.example>' })]);
  keyring = Buffer.concat([dearmor(a.publicKey), dearmor(b.publicKey)]);
}, 60_000);

/** The binary packets of an armored block (what `gpg --dearmor` writes). */
function dearmor(armored: string): Buffer {
  const body = armored.split(/\r?\n\r?\n/)[1].split('-----END')[0];
  return Buffer.from(body.split('\n').filter(l => !l.startsWith('=')).join(''), 'base64');
}

const URL = 'http://debian.mirror.example/debian';
const PROPS = { prefix: 'debian', name: 'bookworm', url: URL, distribution: 'bookworm', components: ['main'], packages: ['nginx'] };

function tree(files: Record<string, string | Buffer>): string {
  const dir = writeTree(Object.fromEntries(Object.entries(files).filter(([, v]) => typeof v === 'string')) as Record<string, string>);
  for (const [rel, v] of Object.entries(files)) if (Buffer.isBuffer(v)) fs.writeFileSync(path.join(dir, rel), v);
  return dir;
}

function source(extra: Record<string, string | Buffer>, line = `${URL} bookworm main contrib\n`): Record<string, string | Buffer> {
  return { 'debian/bookworm/source.txt': line, 'debian/bookworm/packages.txt': 'nginx\n', ...extra };
}

describe('directory format: key.asc or key.gpg next to source.txt', () => {
  test('GIVEN a binary keyring key.gpg and a line without key_url THEN the source takes it, and ships it as binaryData', () => {
    const [s] = MirrorSource.fromDirectory(tree(source({ 'debian/bookworm/key.gpg': keyring })));
    expect(s.keyUrl).toBeUndefined();
    expect(s.key.fileName).toBe('key.gpg');
    expect(s.components).toEqual(['main', 'contrib']);
    expect(s.sourceTxt).toBe(`${URL} bookworm main contrib\n`);
    const chart = Testing.chart();
    const maps = new SourceConfigMaps(chart, 'm', { sources: [s], namePrefix: 'mirror' });
    const [cm] = Testing.synth(chart);
    expect(Buffer.from(cm.binaryData['debian_bookworm_key.gpg'], 'base64').equals(keyring)).toBe(true);
    expect(cm.data['debian_bookworm_key.gpg']).toBeUndefined();
    expect(maps.volumeProjections()[0].configMap!.items!.map(i => i.path)).toContain('debian/bookworm/key.gpg');
    const json = JSON.parse(buildJson(buildOptions([s])));
    expect(json.sources[0]).toMatchObject({ keyUrl: null, keyFile: 'key.gpg' });
  });

  test('GIVEN an armored key.asc THEN it is shipped as data, and a flat line "url ./" works', () => {
    const [s] = MirrorSource.fromDirectory(tree(source({ 'debian/bookworm/key.asc': a.publicKey }, `${URL} ./\n`)));
    expect(s.key.fileName).toBe('key.asc');
    expect(s.flat).toBe(true);
    const chart = Testing.chart();
    new SourceConfigMaps(chart, 'm', { sources: [s], namePrefix: 'mirror' });
    expect(Testing.synth(chart)[0].data['debian_bookworm_key.asc']).toBe(a.publicKey);
  });

  test.each<[string, () => Record<string, string | Buffer>, RegExp]>([
    ['both key files', () => source({ 'debian/bookworm/key.asc': a.publicKey, 'debian/bookworm/key.gpg': keyring }),
      /debian\/bookworm: both key\.asc and key\.gpg: a source has one upstream key file; remove one of them/],
    ['key_url besides', () => source({ 'debian/bookworm/key.asc': a.publicKey }, `${URL} https://debian.mirror.example/key.asc bookworm main\n`),
      /source\.txt:1:\d+: key_url https:\/\/debian\.mirror\.example\/key\.asc and key\.asc both give the upstream key: remove key_url from source\.txt/],
    ['not a key', () => source({ 'debian/bookworm/key.gpg': Buffer.from('hello, not a key\n') }),
      /debian\/bookworm\/key\.gpg: key\.gpg is not an OpenPGP public key file \(.*\): give the upstream's armored/],
    ['an empty file', () => source({ 'debian/bookworm/key.asc': '' }), /debian\/bookworm\/key\.asc: key\.asc is empty/],
    ['a private key', () => source({ 'debian/bookworm/key.asc': a.privateKey }),
      /debian\/bookworm\/key\.asc: key\.asc holds secret key material: give only the public key/],
    ['armored text in key.gpg', () => source({ 'debian/bookworm/key.gpg': a.publicKey }), /debian\/bookworm\/key\.gpg: key\.gpg is armored text: rename it to key\.asc/],
    ['a line with key_url\'s place left out but too short', () => source({ 'debian/bookworm/key.asc': a.publicKey }, `${URL} bookworm\n`),
      /source\.txt:1: missing component: expected "url dist component \[component\.\.\.\]" \(the key is key\.asc\)/],
  ])('GIVEN %s THEN a clear error naming the file', (_name, files, expected) => {
    const msg = errorOf(() => MirrorSource.fromDirectory(tree(files())));
    expect(msg).toMatch(expected);
    expect(msg).not.toMatch(/\n\s+at /);
    expect(msg).not.toContain('PRIVATE KEY BLOCK');
  });

  test('GIVEN a source directory given as the prefix level (sources/<name>/source.txt) THEN the error says where to move it', () => {
    const dir = tree({ 'bookworm/source.txt': `${URL} https://debian.mirror.example/key.asc bookworm main\n`, 'bookworm/packages.txt': 'nginx\n' });
    const msg = errorOf(() => MirrorSource.fromDirectory(dir));
    expect(msg).toContain(`${dir}/bookworm/source.txt: stray file: a prefix directory holds only <name>/ source directories (source.txt belongs in a source directory: move it to \`<prefix>/<name>/\``);
    expect(msg).toContain(`${dir}/bookworm/packages.txt: stray file`);
  });
});

describe('YAML format: key inline', () => {
  const doc = (key: string) => `name: vendor\nurl: http://vendor.mirror.example/apt\n${key}components: [main]\nsubrepos:\n  - distribution: stable\n    packages:\n      - name: tool\n`;
  const indent = (text: string) => text.trim().split('\n').map(l => `  ${l}`).join('\n') + '\n';

  function load(text: string): MirrorSource[] {
    const dir = writeTree({ 'sources.yaml': text });
    return MirrorSource.fromYamlFile(`${dir}/sources.yaml`);
  }

  test('GIVEN key: | with two armored keys THEN the source takes them', () => {
    const [s] = load(doc(`key: |\n${indent(a.publicKey + b.publicKey)}`));
    expect(s.keyUrl).toBeUndefined();
    expect(s.key.fileName).toBe('key.asc');
    expect(s.sourceTxt).toBe('http://vendor.mirror.example/apt stable main\n');
    // both armored blocks count (openpgp alone would read the first only; gpg reads all)
    expect(s.key.fingerprints).toEqual([a.fingerprint, b.fingerprint]);
  });

  test('GIVEN key and key_url THEN an error at the key line', () => {
    const msg = errorOf(() => load(doc(`key_url: https://vendor.mirror.example/key.asc\nkey: |\n${indent(a.publicKey)}`)));
    expect(msg).toMatch(/sources\.yaml:4:\d+: both "key" and "key_url" are given: keep one/);
  });

  test('GIVEN a key that is no armored key THEN an error at its line; neither THEN missing key_url', () => {
    expect(errorOf(() => load(doc('key: hello\n')))).toMatch(/sources\.yaml:3:\d+: "key": upstream key text is not armored OpenPGP/);
    expect(errorOf(() => load(doc('key: |\n' + indent(a.privateKey))))).toMatch(/sources\.yaml:3:\d+: "key": upstream key text holds secret key material/);
    expect(errorOf(() => load(doc('')))).toMatch(/missing "key_url"/);
  });
});

describe('construct: UpstreamKey', () => {
  test('GIVEN key from a binary keyring file THEN keyUrl is undefined and a spread copy keeps the key only', () => {
    const file = path.join(tree({ 'k/': '' }), 'k', 'debian-archive-keyring.gpg');
    fs.writeFileSync(file, keyring);
    const s = new MirrorSource({ ...PROPS, key: UpstreamKey.fromFile(file) });
    expect(s.keyUrl).toBeUndefined();
    expect(s.key.fileName).toBe('key.gpg');
    const copy = new MirrorSource({ ...s, name: 'copy' });
    expect(copy.key).toBe(s.key);
  });

  test('GIVEN keyUrl THEN key is UpstreamKey.fromUrl, and a spread copy keeps keyUrl only', () => {
    const s = new MirrorSource({ ...PROPS, keyUrl: 'https://debian.mirror.example/key.asc' });
    expect(s.key.url).toBe('https://debian.mirror.example/key.asc');
    expect(s.key.fileName).toBeUndefined();
    expect(new MirrorSource({ ...s, name: 'copy' }).keyUrl).toBe(s.keyUrl);
  });

  test('GIVEN both keyUrl and key, or neither THEN a clear error', () => {
    expect(errorOf(() => new MirrorSource({ ...PROPS, keyUrl: 'https://debian.mirror.example/key.asc', key: UpstreamKey.fromArmored(a.publicKey) })))
      .toMatch(/keyUrl: both keyUrl and key are given: give exactly one/);
    expect(errorOf(() => new MirrorSource(PROPS))).toMatch(/keyUrl: no upstream key: give keyUrl or key/);
  });

  test('GIVEN a bad key THEN the factory says what is wrong with which file', () => {
    expect(errorOf(() => UpstreamKey.fromFile('/nonexistent/key.gpg'))).toBe('cannot read upstream key file /nonexistent/key.gpg: ENOENT');
    expect(errorOf(() => UpstreamKey.fromArmored('hello'))).toMatch(/^upstream key text is not armored OpenPGP/);
    expect(errorOf(() => UpstreamKey.fromArmored(a.privateKey))).toMatch(/^upstream key text holds secret key material/);
    const huge = path.join(tree({ 'huge.gpg': 'x'.repeat(600 * 1024) }), 'huge.gpg');
    expect(errorOf(() => UpstreamKey.fromFile(huge))).toBe(`upstream key file ${huge} is 600 KiB, over the 512 KiB an upstream key file can take in a ConfigMap: is it the right file? keep only the archive's keys`);
    const junk = path.join(tree({ 'junk.gpg': 'junk' }), 'junk.gpg');
    expect(errorOf(() => UpstreamKey.fromFile(junk))).toMatch(new RegExp(`^upstream key file ${junk} is not an OpenPGP public key file`));
    expect(errorOf(() => UpstreamKey.fromUrl('file:///usr/share/keyrings/debian-archive-keyring.gpg'))).toMatch(/must use http or https/);
    expect(errorOf(() => UpstreamKey.fromConfigMap(kplus.ConfigMap.fromConfigMapName(Testing.chart(), 'c', 'keys'), 'a/b'))).toMatch(/not a valid ConfigMap\/Secret key/);
  });

  test('GIVEN a pin and a key known at synth time THEN the pin must name a primary key of the file, or synth fails as the build would', async () => {
    const key = UpstreamKey._fromBytes(keyring, 'upstream key file keys.gpg');
    expect(key.fingerprints).toEqual([a.fingerprint, b.fingerprint]);
    const spaced = b.fingerprint.replace(/(.{4})/g, '$1 ').trim().toLowerCase();
    expect(new MirrorSource({ ...PROPS, key, keyFingerprints: [spaced] }).keyFingerprints).toEqual([b.fingerprint]);
    expect(errorOf(() => new MirrorSource({ ...PROPS, key: UpstreamKey.fromArmored(a.publicKey), keyFingerprints: [b.fingerprint] })))
      .toContain(`keyFingerprints[0]: pinned key ${b.fingerprint} is not in upstream key text, which holds ${a.fingerprint}: correct the pin or the key file`);
    const chimera = await chimeraKey(a);
    expect(errorOf(() => new MirrorSource({ ...PROPS, key: UpstreamKey.fromArmored(chimera.publicKey), keyFingerprints: [a.fingerprint] })))
      .toContain(`keyFingerprints[0]: pinned key ${a.fingerprint} is only a subkey of ${chimera.fingerprint} in upstream key text: the pin must name a primary key`);
    const mixed = UpstreamKey.fromArmored(a.publicKey + chimera.publicKey);
    expect(errorOf(() => new MirrorSource({ ...PROPS, key: mixed, keyFingerprints: [a.fingerprint] })))
      .toContain(`pinned key ${a.fingerprint} is also a subkey of ${chimera.fingerprint} in upstream key text: the key file mixes keys`);
    // a key the build reads (URL, ConfigMap, Secret) is checked there, not at synth
    expect(UpstreamKey.fromUrl('https://debian.mirror.example/key.asc').fingerprints).toEqual([]);
  });

  test('GIVEN a directory key file and an overridden pin absent from it THEN the error names the option', () => {
    const dir = tree(source({ 'debian/bookworm/key.asc': a.publicKey }));
    const msg = errorOf(() => MirrorSource.fromDirectory(dir, { overrides: { 'debian/bookworm': { keyFingerprints: [b.fingerprint] } } }));
    expect(msg).toContain(`overrides["debian/bookworm"].keyFingerprints: pinned key ${b.fingerprint} is not in upstream key file ${dir}/debian/bookworm/key.asc`);
  });

  test('GIVEN keys from a ConfigMap and a Secret THEN they are projected into the source directories, and their reference is in the hash', () => {
    const chart = Testing.chart();
    const fromMap = new MirrorSource({ ...PROPS, key: UpstreamKey.fromConfigMap(kplus.ConfigMap.fromConfigMapName(chart, 'c', 'archive-keys'), 'debian.gpg') });
    const fromSecret = new MirrorSource({ ...PROPS, name: 'trixie', distribution: 'trixie', key: UpstreamKey.fromSecret(kplus.Secret.fromSecretName(chart, 's', 'vendor-keys'), 'vendor.asc') });
    const maps = new SourceConfigMaps(chart, 'm', { sources: [fromMap, fromSecret], namePrefix: 'mirror' });
    const projections = maps.volumeProjections();
    expect(projections).toContainEqual({ configMap: { name: 'archive-keys', items: [{ key: 'debian.gpg', path: 'debian/bookworm/key' }] } });
    expect(projections).toContainEqual({ secret: { name: 'vendor-keys', items: [{ key: 'vendor.asc', path: 'debian/trixie/key' }] } });
    const other = new MirrorSource({ ...PROPS, key: UpstreamKey.fromConfigMap(kplus.ConfigMap.fromConfigMapName(Testing.chart(), 'c', 'archive-keys'), 'other.gpg') });
    const hash = (s: MirrorSource) => new SourceConfigMaps(Testing.chart(), 'x', { sources: [s], namePrefix: 'm' }).contentHash;
    expect(hash(fromMap)).not.toBe(hash(other));
    expect(JSON.parse(buildJson(buildOptions([fromMap]))).sources[0]).toMatchObject({ keyUrl: null, keyFile: 'key' });
  });
});

/** What buildJson needs besides the sources. */
function buildOptions(sources: MirrorSource[]): Parameters<typeof buildJson>[0] {
  return { sources, signing: ReleaseSigning.insecureUnsigned(), contentHash: 'x', concurrency: 1, retries: 1 };
}
