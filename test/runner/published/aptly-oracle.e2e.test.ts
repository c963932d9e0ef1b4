// aptly 1.5.0 as the oracle of the indexes the runner writes itself (src/runner/published/): the
// same packages of one upstream (real .debs, apt-ftparchive indexes, signed Release), published
// by aptly (mirror, snapshot, publish, as aptly/publish.ts runs it) and by publishWithRunner,
// must give the same pool, the same packages in the same order with the same field values, the
// same small Releases and a distribution Release listing the same files; apt reads ours.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { Aptly, createMirrorArgs, filterChunks, updateMirrorArgs } from '../../../src/runner/aptly/aptly';
import { writeAptlyConfig } from '../../../src/runner/aptly/aptly-conf';
import { tidyByHash } from '../../../src/runner/aptly/by-hash';
import { SigningConfig } from '../../../src/runner/build-json-reader';
import { IndexEntry, indexPath, parseIndex } from '../../../src/runner/deb/packages-index';
import { BuildLog } from '../../../src/runner/log';
import { Fetcher, UpstreamCache } from '../../../src/runner/net/fetcher';
import { fetchVerified } from '../../../src/runner/net/verified-download';
import { setupSigning } from '../../../src/runner/pgp/release-signer';
import { ChildProcesses } from '../../../src/runner/proc';
import { publishWithRunner } from '../../../src/runner/published/runner-publish';
import { finishRelease } from '../../../src/runner/release-writer';
import { SourceMirror } from '../../../src/runner/source-state';
import { fetchRelease, ReleaseInfo } from '../../../src/runner/upstream/release';
import { AptClient } from '../../support/apt-client';
import { PackageSpec } from '../../support/archive-builder';
import { FileServerHandle, startFileServer } from '../../support/archive-server';
import { FakeWorld, FakeWorldHandle } from '../../support/fake-world';
import { downloadDebs } from '../../support/mirror-client';
import { runCommand } from '../../support/run-build';
import { cachedTestKey } from '../../support/test-keys';

/** This file's child processes (a build has its own, from its BuildRun). */
const procs = new ChildProcesses();

jest.setTimeout(180_000);

const ARCHS = ['amd64', 'arm64'];
const COMPONENTS = ['main', 'contrib'];
const PREFIX = 'debian';
const DIST = 'bookworm';
const FIELDS = { origin: 'Debian', label: 'Debian', suite: 'stable' };

const LONG = ['the long description of a test package,', 'wrapped over lines', '', 'with a second paragraph.'];
const MAIN: PackageSpec[] = [
  // Source differs from the name (pool/main/a/appsuite/), an epoch (not in the file name), Provides, Recommends.
  ...ARCHS.map(a => ({ name: 'app', version: '1:2.0-1', architecture: a, source: 'appsuite', depends: 'libfoo1 (>= 1.2),app-common (= 1:2.0-1)', recommends: 'app-doc', provides: 'app-api, httpd', longDescription: LONG })),
  { name: 'app-common', version: '1:2.0-1', source: 'appsuite', longDescription: LONG },
  { name: 'app-doc', version: '1:2.0-1', source: 'appsuite' },
  // A lib* source (pool/main/libf/libfoo/), two versions of one name.
  ...ARCHS.map(a => ({ name: 'libfoo1', version: '1.2-1', architecture: a, source: 'libfoo', multiArch: 'same' as const, preDepends: 'multiarch-support' })),
  { name: 'libfoo1', version: '1.1-1', architecture: 'amd64', source: 'libfoo', multiArch: 'same' },
  { name: 'multiarch-support', version: '2.36-9' },
  // A binNMU: `Source: tool (3.0-1)`.
  ...ARCHS.map(a => ({ name: 'tool', version: '3.0-1+b1', architecture: a, source: 'tool (3.0-1)', depends: 'libfoo1 | libfoo0', suggests: 'app' })),
  // Not chosen: must be in neither tree.
  { name: 'unwanted', version: '1.0', architecture: 'amd64' },
];
const CONTRIB: PackageSpec[] = [
  { name: 'extra', version: '0.5', depends: 'app-api', recommends: 'app (>= 1:2)', longDescription: LONG },
  { name: 'extra-tool', version: '0.5', architecture: 'arm64', source: 'extra' },
  // Its own name as the source: pool/contrib/libb/libbar/.
  { name: 'libbar', version: '1.0', architecture: 'amd64', conflicts: 'libbar0', replaces: 'libbar0', breaks: 'extra (<< 0.5)' },
];

let world: FakeWorldHandle;
let dir: string;
let cache: UpstreamCache;
let release: ReleaseInfo;
/** Every upstream entry, once per component, in upstream order (as loadUpstream reads them). */
let upstream: IndexEntry[];
/** The packages both publish: all but `unwanted`. */
let chosen: IndexEntry[];
/** `<root>/public/<prefix>` of each tree. */
let aptlyTree: string;
let ourTree: string;

beforeAll(async () => {
  world = await FakeWorld.start({
    archives: [{ kind: 'dists', path: 'debian', distributions: [{ name: DIST, ...FIELDS, architectures: ARCHS, components: { main: MAIN, contrib: CONTRIB } }] }],
  });
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-oracle-'));
  cache = new UpstreamCache(world.archives.debian.url, path.join(dir, 'cache'), new Fetcher({ retries: 1, stallSeconds: 5 }, new BuildLog(), procs), 'debian/bookworm');
  release = await fetchRelease({ cache, distribution: DIST, what: 'debian/bookworm', procs });
  cache.release = release;
  upstream = readUpstream();
  chosen = upstream.filter(e => e.name !== 'unwanted');
  [aptlyTree, ourTree] = await Promise.all([publishWithAptly('aptly'), publishOurs('ours')]);
});

afterAll(async () => {
  await world?.stop();
  if (dir && !process.env.KEEP_ORACLE) await fs.promises.rm(dir, { recursive: true, force: true });
});

/** Upstream's Packages of every component and architecture, parsed, each entry once per component. */
function readUpstream(): IndexEntry[] {
  const seen = new Set<string>();
  const entries: IndexEntry[] = [];
  for (const c of COMPONENTS) {
    for (const a of ARCHS) {
      const text = fs.readFileSync(path.join(world.archives.debian.localDir, 'dists', DIST, indexPath(c, a)), 'utf8');
      for (const e of parseIndex(text, 0, c)) {
        if (seen.has(`${c}\t${e.key}`)) continue;
        seen.add(`${c}\t${e.key}`);
        entries.push(e);
      }
    }
  }
  return entries;
}

/** aptly in its own root: a mirror per component filtered by the chosen references, snapshots, one publish. */
async function publishWithAptly(name: string): Promise<string> {
  const root = path.join(dir, name);
  await fs.promises.mkdir(path.join(root, 'gnupg'), { recursive: true, mode: 0o700 });
  const conf = path.join(root, 'aptly.conf');
  await writeAptlyConfig(conf, {}, { rootDir: path.join(root, 'root'), archs: ARCHS, verify: false, recommends: true });
  const aptly = new Aptly(conf, path.join(root, 'gnupg'), path.join(root, 'log'), procs);
  const refs = chosen.map(e => `${e.name}_${e.version}_${e.architecture}`);
  const [filter, ...more] = filterChunks([...new Set(refs)]);
  expect(more).toEqual([]);
  const commands: string[][] = [];
  for (const c of COMPONENTS) {
    const spec = { name: `m-${c}`, url: world.archives.debian.url, distribution: DIST, component: c, force: false, filter, withDeps: false, retries: 1 };
    commands.push(createMirrorArgs(spec), updateMirrorArgs(spec.name, 1), ['snapshot', 'create', `s-${c}`, 'from', 'mirror', spec.name]);
  }
  commands.push(['publish', 'snapshot', `-distribution=${DIST}`, `-component=${COMPONENTS.join(',')}`,
    `-origin=${FIELDS.origin}`, `-label=${FIELDS.label}`, `-suite=${FIELDS.suite}`, '-acquire-by-hash', '-batch', '-skip-signing',
    ...COMPONENTS.map(c => `s-${c}`), PREFIX]);
  const r = await aptly.task(commands, 'aptly failed');
  if (r.error !== undefined) throw new Error(`aptly: ${commands[r.completed].join(' ')}: ${r.error}`);
  const tree = path.join(root, 'root', 'public', PREFIX);
  // As the build does before signing (release-writer.ts): aptly's symlinks named after the index go.
  await tidyByHash(path.join(tree, 'dists', DIST));
  return tree;
}

/**
 * The runner's way: the chosen files downloaded and verified into the upstream cache, then
 * publishWithRunner. The source is the part of a SourceMirror that publishing reads, with real
 * values (the runner's own come from source-mirror.ts).
 */
async function publishOurs(name: string): Promise<string> {
  await fetchVerified(chosen, cache, { concurrency: 4, retries: 2, id: 'debian/bookworm' });
  const work = path.join(dir, name);
  const source = {
    id: `${PREFIX}/bookworm`,
    work,
    config: { prefix: PREFIX, publishDistribution: DIST, ...FIELDS },
    release,
    services: { cache },
    state: { mirrors: new Map(COMPONENTS.map(c => [c, []])), mirrored: [...chosen], indexedBy: 'runner' },
  } as unknown as SourceMirror;
  const log = new BuildLog();
  jest.spyOn(log, 'step').mockImplementation(() => undefined);
  await publishWithRunner(source, ARCHS, log);
  return path.join(work, 'root', 'public', PREFIX);
}

/** Every file below `root` (relative, sorted). */
function filesBelow(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, ent.name);
      if (ent.isDirectory()) walk(p); else out.push(path.relative(root, p));
    }
  };
  if (fs.existsSync(root)) walk(root);
  return out.sort();
}

/** A stanza's fields in order: continuation lines kept, joined with '\n'. */
function parseStanza(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last = '';
  for (const line of text.split('\n')) {
    if (/^[ \t]/.test(line)) {
      fields.set(last, `${fields.get(last)}\n${line}`);
      continue;
    }
    const m = /^([^:\s]+):[ \t]*(.*)$/.exec(line);
    if (!m) throw new Error(`not a field line: ${JSON.stringify(line)}`);
    last = m[1];
    fields.set(last, m[2]);
  }
  return fields;
}

function stanzas(text: string): Array<Map<string, string>> {
  return text.split(/\n\n+/).filter(s => s.trim()).map(s => parseStanza(s.trim()));
}

const RELATIONS = new Set(['Depends', 'Pre-Depends', 'Recommends', 'Suggests', 'Enhances', 'Provides', 'Conflicts', 'Breaks', 'Replaces', 'Built-Using']);
const CHECKSUM_FIELDS = ['MD5sum', 'SHA1', 'SHA256', 'SHA512'];

/** What aptly normalizes: relation lists split on ',' and trimmed; each line of a multi-line value trimmed. */
function normalized(name: string, value: string): string {
  if (RELATIONS.has(name)) return value.split(',').map(r => r.replace(/\s+/g, ' ').trim()).join(', ');
  return value.split('\n').map(l => l.trim()).join('\n');
}

function packagesOf(tree: string, c: string, a: string): string {
  return fs.readFileSync(path.join(tree, 'dists', DIST, c, `binary-${a}`, 'Packages'), 'utf8');
}

/** A Release's single-line fields and its checksum sections (title -> path -> [hash, size]). */
function parseRelease(text: string): { fields: Map<string, string>; sums: Map<string, Map<string, [string, number]>> } {
  const fields = new Map<string, string>();
  const sums = new Map<string, Map<string, [string, number]>>();
  for (const [name, value] of parseStanza(text.trim())) {
    const lines = value.split('\n');
    if (lines[0] !== '' || lines.length === 1) {
      fields.set(name, value);
      continue;
    }
    const files = new Map<string, [string, number]>();
    for (const l of lines.slice(1)) {
      const [hash, size, rel] = l.trim().split(/\s+/);
      files.set(rel, [hash, Number(size)]);
    }
    sums.set(name, files);
  }
  return { fields, sums };
}

const distFile = (tree: string, rel: string) => path.join(tree, 'dists', DIST, rel);

test('the upstream has what the layout must handle: two components, both architectures, arch:all, Source fields, a lib source, two versions', () => {
  const keys = chosen.map(e => `${e.component} ${e.key}`);
  expect(keys).toEqual(expect.arrayContaining(['main app 1:2.0-1 amd64', 'main app 1:2.0-1 arm64', 'main app-common 1:2.0-1 all',
    'main libfoo1 1.2-1 amd64', 'main libfoo1 1.1-1 amd64', 'main tool 3.0-1+b1 arm64', 'contrib extra 0.5 all', 'contrib extra-tool 0.5 arm64', 'contrib libbar 1.0 amd64']));
  const tool = chosen.find(e => e.name === 'tool')!;
  expect(tool.stanza).toMatch(/^Source: tool \(3\.0-1\)$/m);
  expect(chosen.find(e => e.name === 'app')!.stanza).toMatch(/^Description: .*\n .*\n .*\n \.\n /m);
  expect(upstream.map(e => e.name)).toContain('unwanted');
});

test('the same pool paths, the same bytes at each; the chosen packages only', () => {
  const aptlyPool = filesBelow(path.join(aptlyTree, 'pool'));
  const ourPool = filesBelow(path.join(ourTree, 'pool'));
  expect(ourPool).toEqual(aptlyPool);
  expect(ourPool).toEqual(expect.arrayContaining(['main/a/appsuite/app_2.0-1_amd64.deb', 'main/libf/libfoo/libfoo1_1.1-1_amd64.deb',
    'main/t/tool/tool_3.0-1+b1_arm64.deb', 'contrib/e/extra/extra-tool_0.5_arm64.deb', 'contrib/libb/libbar/libbar_1.0_amd64.deb']));
  expect(ourPool.join('\n')).not.toMatch(/unwanted/);
  expect(ourPool).toHaveLength(new Set(chosen.map(e => `${e.component} ${e.key}`)).size);
  for (const f of ourPool) expect(fs.readFileSync(path.join(ourTree, 'pool', f)).equals(fs.readFileSync(path.join(aptlyTree, 'pool', f)))).toBe(true);
});

describe.each(COMPONENTS.flatMap(c => ARCHS.map(a => [c, a])))('%s/binary-%s', (c, a) => {
  test('the same packages in the same order; every field aptly writes has our value (normalized as aptly does), its only extras checksums upstream lacked', () => {
    const ours = stanzas(packagesOf(ourTree, c, a));
    const theirs = stanzas(packagesOf(aptlyTree, c, a));
    const key = (s: Map<string, string>) => `${s.get('Package')} ${s.get('Version')} ${s.get('Architecture')}`;
    expect(ours.map(key)).toEqual(theirs.map(key));
    expect(ours.length).toBeGreaterThan(0);
    for (const [i, mine] of ours.entries()) {
      const upstreamStanza = parseStanza(chosen.find(e => e.component === c && e.key === key(mine))!.stanza);
      const extras: string[] = [];
      for (const [name, value] of theirs[i]) {
        const own = mine.get(name);
        if (own === undefined) {
          extras.push(name);
          continue;
        }
        expect(`${key(mine)} ${name}: ${normalized(name, own)}`).toBe(`${key(mine)} ${name}: ${normalized(name, value)}`);
      }
      expect(extras.every(f => CHECKSUM_FIELDS.includes(f) && !upstreamStanza.has(f))).toBe(true);
      // Ours keeps every upstream field; only Filename is changed.
      expect([...mine.keys()]).toEqual([...upstreamStanza.keys()]);
    }
  });

  test('Packages.gz is Packages; the small Release is aptly\'s, byte for byte', () => {
    const rel = `${c}/binary-${a}`;
    expect(zlib.gunzipSync(fs.readFileSync(distFile(ourTree, `${rel}/Packages.gz`))).toString()).toBe(packagesOf(ourTree, c, a));
    expect(fs.readFileSync(distFile(ourTree, `${rel}/Release`), 'utf8')).toBe(fs.readFileSync(distFile(aptlyTree, `${rel}/Release`), 'utf8'));
  });
});

describe('the distribution Release', () => {
  test('the same Origin, Label, Suite, Codename, Architectures, Components and Acquire-By-Hash as aptly\'s', () => {
    const ours = parseRelease(fs.readFileSync(distFile(ourTree, 'Release'), 'utf8')).fields;
    const theirs = parseRelease(fs.readFileSync(distFile(aptlyTree, 'Release'), 'utf8')).fields;
    for (const f of ['Origin', 'Label', 'Suite', 'Codename', 'Architectures', 'Components', 'Acquire-By-Hash']) {
      expect(`${f}: ${ours.get(f)}`).toBe(`${f}: ${theirs.get(f)}`);
    }
    expect(ours.get('Components')).toBe('contrib main');
  });

  test('every file it lists exists with that size and all four hashes; aptly lists the same files plus its .bz2', () => {
    const { sums } = parseRelease(fs.readFileSync(distFile(ourTree, 'Release'), 'utf8'));
    const theirs = parseRelease(fs.readFileSync(distFile(aptlyTree, 'Release'), 'utf8')).sums;
    expect([...sums.keys()]).toEqual(['MD5Sum', 'SHA1', 'SHA256', 'SHA512']);
    const listed = [...sums.get('SHA256')!.keys()];
    expect(listed).toHaveLength(COMPONENTS.length * ARCHS.length * 3);
    for (const [title, files] of sums) {
      expect([...files.keys()]).toEqual(listed);
      const algo = { MD5Sum: 'md5', SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' }[title]!;
      for (const [rel, [hash, size]] of files) {
        const data = fs.readFileSync(distFile(ourTree, rel));
        expect(`${title} ${rel} ${data.length} ${crypto.createHash(algo).update(data).digest('hex')}`).toBe(`${title} ${rel} ${size} ${hash}`);
      }
      expect([...theirs.get(title)!.keys()].filter(f => !f.endsWith('.bz2')).sort()).toEqual([...listed].sort());
    }
  });

  test('every by-hash file exists and is the file it names; aptly has the same by-hash directories', () => {
    const { sums } = parseRelease(fs.readFileSync(distFile(ourTree, 'Release'), 'utf8'));
    for (const [title, files] of sums) {
      for (const [rel, [hash]] of files) {
        const byHash = distFile(ourTree, path.posix.join(path.posix.dirname(rel), 'by-hash', title, hash));
        expect(fs.readFileSync(byHash).equals(fs.readFileSync(distFile(ourTree, rel)))).toBe(true);
      }
    }
    const byHashDirs = (tree: string) => [...new Set(filesBelow(path.join(tree, 'dists', DIST)).filter(f => f.includes('/by-hash/')).map(f => path.dirname(f)))].sort();
    expect(byHashDirs(ourTree)).toEqual(byHashDirs(aptlyTree));
    // The small Releases are identical, so are their by-hash names.
    const releases = (tree: string) => filesBelow(path.join(tree, 'dists', DIST)).filter(f => f.includes('/by-hash/')
      && fs.readFileSync(distFile(tree, f)).toString().startsWith('Origin:')).sort();
    expect(releases(ourTree)).toEqual(releases(aptlyTree));
  });
});

test('written twice, the runner\'s tree is the same, byte for byte', async () => {
  const again = await publishOurs('ours-again');
  const files = filesBelow(ourTree);
  expect(filesBelow(again)).toEqual(files);
  for (const f of files) expect(`${f}: ${fs.readFileSync(path.join(again, f)).equals(fs.readFileSync(path.join(ourTree, f)))}`).toBe(`${f}: true`);
});

describe('apt reads the runner\'s tree, signed as the build signs it', () => {
  let served: FileServerHandle;
  let client: AptClient;
  let home: string;

  beforeAll(async () => {
    const key = await cachedTestKey();
    const secret = path.join(dir, 'secret');
    fs.mkdirSync(secret);
    fs.writeFileSync(path.join(secret, 'key.asc'), key.privateKey);
    const config: SigningConfig = { mode: 'key', privateKeyFile: 'key.asc', passphraseFile: null, fingerprint: key.fingerprint };
    // Short: gpg-agent's socket path must fit in 108 bytes.
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'mmo-'));
    const log = new BuildLog();
    jest.spyOn(log, 'step').mockImplementation(() => undefined);
    const signer = (await setupSigning(config, { signingDir: secret, home }, log, procs))!;
    const root = path.dirname(ourTree);
    await finishRelease(root, { prefix: PREFIX, distribution: DIST }, { date: Math.floor(Date.now() / 1000) - 60 }, signer);
    served = await startFileServer(root);
    client = await AptClient.create([{ uri: `${served.url}/${PREFIX}`, suite: DIST, components: COMPONENTS, signedBy: key.publicKey }]);
  });

  afterAll(async () => {
    await client?.dispose();
    await served?.stop();
    if (home) {
      await runCommand('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home } });
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  test('apt-get update takes the InRelease without a warning, and downloads a package with its dependencies from both components', async () => {
    await client.update();
    expect(await client.versions('libfoo1')).toEqual(['1.2-1', '1.1-1']);
    expect(await downloadDebs(client, ['extra', 'tool'])).toEqual(['app-common_1%3a2.0-1_all.deb', 'app_1%3a2.0-1_amd64.deb', 'extra_0.5_all.deb',
      'libfoo1_1.2-1_amd64.deb', 'multiarch-support_2.36-9_all.deb', 'tool_3.0-1+b1_amd64.deb']);
  });
});
