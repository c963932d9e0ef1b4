import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { objectOf, synthMirror } from './fixtures';
import { request, RunningNginx, startNginx } from './nginx-process';
import { runChecked } from '../support/run-build';

// GIVEN Debian's nginx running the synthesized nginx.conf as the unprivileged user, on a tree
// that aptly published with -acquire-by-hash (its by-hash links made relative, as the build
// does), plus links planted to leave the tree. Everything (tree, links, the files outside) has
// ONE owner, as in the image, where the tree and the image's own files all belong to root: an
// owner check alone (if_not_owner) would let every one of these links through.
let base: string;
let root: string;
let nginx: RunningNginx;
let conf: string;

const SECRET = 'outside-the-tree-secret';
const INDEX_DIR = 'debian/dists/bookworm/main/binary-amd64';

/** Links that leave the tree (relative and absolute, to files and directories), by URL. */
const ESCAPES = [
  '/leak.txt',
  '/absolute-leak.txt',
  '/etc-passwd',
  '/debian/pool/main/t/leak_1.0_all.deb',
  '/debian/dists/bookworm/leak',
  `/${INDEX_DIR}/by-hash/SHA256/leak`,
  `/${INDEX_DIR}/by-hash/SHA256/${'0'.repeat(64)}`,
  '/debian/outside-dir/secret.txt',
  '/debian/dists/outside-dir/secret.txt',
];

/** A tree as the build publishes it: one package, published by aptly with by-hash indices. */
async function publishWithAptly(into: string): Promise<void> {
  const work = path.join(base, 'aptly-work');
  fs.mkdirSync(path.join(work, 'pkg/DEBIAN'), { recursive: true });
  fs.writeFileSync(path.join(work, 'pkg/DEBIAN/control'), 'Package: tool\nVersion: 1.0\nArchitecture: all\nMaintainer: Mirror <mirror@example.com>\nDescription: test tool\n');
  await runChecked('dpkg-deb', ['--root-owner-group', '-b', path.join(work, 'pkg'), path.join(work, 'tool_1.0_all.deb')]);
  const aptlyConf = path.join(work, 'aptly.conf');
  fs.writeFileSync(aptlyConf, JSON.stringify({ rootDir: path.join(work, 'aptly'), architectures: ['amd64'] }));
  const aptly = (...args: string[]) => runChecked('aptly', [`-config=${aptlyConf}`, ...args]);
  await aptly('repo', 'create', 'r');
  await aptly('repo', 'add', 'r', path.join(work, 'tool_1.0_all.deb'));
  await aptly('publish', 'repo', '-acquire-by-hash', '-skip-signing', '-distribution=bookworm', '-architectures=amd64', 'r', 'debian');
  await runChecked('cp', ['-a', path.join(work, 'aptly/public/debian'), path.join(into, 'debian')]);
  // aptly's links are absolute into its rootDir; the build makes them relative (src/runner/tree.ts).
  for (const entry of fs.readdirSync(into, { recursive: true }) as string[]) {
    const at = path.join(into, entry);
    if (!fs.lstatSync(at).isSymbolicLink()) continue;
    const target = fs.readlinkSync(at);
    const inCopy = target.replace(path.join(work, 'aptly/public'), into);
    fs.unlinkSync(at);
    fs.symlinkSync(path.relative(path.dirname(at), inCopy), at);
  }
}

/** The SHA256 digests the Release lists for the index files below `main/binary-amd64/`. */
function releasedIndexDigests(): Map<string, string> {
  const release = fs.readFileSync(path.join(root, 'debian/dists/bookworm/Release'), 'utf8');
  const sha256 = release.split(/^SHA256:$/m)[1].split(/^\S/m)[0];
  const digests = new Map<string, string>();
  for (const line of sha256.trim().split('\n')) {
    const [digest, , name] = line.trim().split(/\s+/);
    if (name.startsWith('main/binary-amd64/')) digests.set(name.slice('main/binary-amd64/'.length), digest);
  }
  return digests;
}

beforeAll(async () => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-symlinks-'));
  fs.chmodSync(base, 0o755);
  root = path.join(base, 'mirror');
  fs.mkdirSync(root);
  await publishWithAptly(root);
  const secret = path.join(base, 'secret.txt');
  fs.writeFileSync(secret, `${SECRET}\n`, { mode: 0o644 });
  fs.mkdirSync(path.join(base, 'outside-dir'), { mode: 0o755 });
  fs.writeFileSync(path.join(base, 'outside-dir', 'secret.txt'), `${SECRET}\n`, { mode: 0o644 });
  const link = (target: string, at: string) => fs.symlinkSync(target, path.join(root, at));
  link('../secret.txt', 'leak.txt');
  link(secret, 'absolute-leak.txt');
  link('/etc/passwd', 'etc-passwd');
  link('../../../../../secret.txt', 'debian/pool/main/t/leak_1.0_all.deb');
  link('../../../secret.txt', 'debian/dists/bookworm/leak');
  link('../../../../../../../../secret.txt', `${INDEX_DIR}/by-hash/SHA256/leak`);
  link(secret, `${INDEX_DIR}/by-hash/SHA256/${'0'.repeat(64)}`);
  link(path.join(base, 'outside-dir'), 'debian/outside-dir');
  link('../../../outside-dir', 'debian/dists/outside-dir');
  await runChecked('chmod', ['-R', 'a+rX', root]);

  conf = objectOf(synthMirror().manifests, 'ConfigMap', 'mirror-nginx').data['nginx.conf'];
  nginx = await startNginx(conf, root, '/debian/dists/bookworm/Release');
});

afterAll(async () => {
  await nginx?.stop();
  if (base) fs.rmSync(base, { recursive: true, force: true });
});

describe('symlinks', () => {
  test('the links, the tree and the files outside have one owner (so only the link rule can refuse)', () => {
    const owner = fs.lstatSync(path.join(root, 'leak.txt')).uid;
    expect(fs.statSync(path.join(root, 'leak.txt')).uid).toBe(owner);
    expect(fs.statSync(path.join(root, 'debian/dists/bookworm/Release')).uid).toBe(owner);
    expect(fs.statSync('/etc/passwd').uid).toBe(owner);
  });

  test.each(ESCAPES)('a link leaving the tree (%s) is refused', async (p) => {
    const res = await request(nginx.url, 'GET', p);
    expect([403, 404]).toContain(res.status);
    expect(res.body.toString()).not.toContain(SECRET);
    expect(res.body.toString()).not.toContain('root:');
  });

  test('apt\'s by-hash downloads are served: aptly publishes them as regular files', async () => {
    const digests = releasedIndexDigests();
    expect([...digests.keys()].sort()).toEqual(expect.arrayContaining(['Packages', 'Packages.gz']));
    for (const [name, digest] of digests) {
      const file = path.join(root, INDEX_DIR, 'by-hash/SHA256', digest);
      expect(fs.lstatSync(file).isFile()).toBe(true);
      const res = await request(nginx.url, 'GET', `/${INDEX_DIR}/by-hash/SHA256/${digest}`);
      expect([name, res.status]).toEqual([name, 200]);
      expect(res.body.equals(fs.readFileSync(path.join(root, INDEX_DIR, name)))).toBe(true);
    }
  });

  test('aptly\'s own in-tree links (by-hash/<algorithm>/<index name> -> <digest>) are refused too; apt never asks for them', async () => {
    const named = path.join(root, INDEX_DIR, 'by-hash/SHA256/Packages.gz');
    expect(fs.lstatSync(named).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(named)).toMatch(/^[0-9a-f]{64}$/);
    expect((await request(nginx.url, 'GET', `/${INDEX_DIR}/by-hash/SHA256/Packages.gz`)).status).toBe(403);
  });

  test('control: with only the owner check, the same links do leak', async () => {
    const ownerOnly = conf.replace('disable_symlinks on from=$document_root;', 'disable_symlinks if_not_owner from=$document_root;');
    expect(ownerOnly).not.toBe(conf);
    const other = await startNginx(ownerOnly, root, '/debian/dists/bookworm/Release');
    try {
      expect((await request(other.url, 'GET', '/leak.txt')).body.toString()).toContain(SECRET);
      expect((await request(other.url, 'GET', '/etc-passwd')).body.toString()).toContain('root:');
    } finally {
      await other.stop();
    }
  });
});
