// Files of a sources directory are read only from inside the tree, only when regular and of a
// size a ConfigMap can take, and never shown when they hold a key: `check` and `synth` refuse
// them with the link named and nothing of the target's content printed or synthesized.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { MirrorSource } from '../../../src';
import { run } from '../../cli/run';
import { errorOf, writeTree } from '../../support/tree';

const PUBLIC_KEY = path.join(__dirname, '..', '..', '..', 'examples', 'mirror.pub.asc');
const SYNTH = ['--signing-secret', 'mirror-signing', '--public-key', PUBLIC_KEY, '--image', 'registry.example.com/mini-mirror', '--namespace', 'apt-mirror'];
const SECRET_LINE = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW';
const PRIVATE_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\n${SECRET_LINE}\n-----END OPENSSH PRIVATE KEY-----\n`;
const DOCKER_CONFIG = '{ "auths": { "registry.example.com": { "auth": "cHVzaGVyOnMzY3IzdFQwa2Vu" } } }\n';

function source(extra: Record<string, string> = {}): string {
  return writeTree({
    'debian/bookworm/source.txt': 'http://debian.mirror.example/debian https://debian.mirror.example/key.asc bookworm main\n',
    'debian/bookworm/packages.txt': 'nginx\n',
    ...extra,
  });
}

/** A directory outside the sources tree holding `name` with `content`. */
function elsewhere(name: string, content: string): string {
  const dir = writeTree({ [name]: content }, 'mm-elsewhere-');
  return path.join(dir, name);
}

function replaceWithLink(dir: string, rel: string, target: string): string {
  const link = path.join(dir, rel);
  fs.rmSync(link, { force: true });
  fs.symlinkSync(target, link);
  return link;
}

describe('symlinks out of the sources directory', () => {
  test('packages.txt -> a private key: check names the link and the target directory, never the key', () => {
    const dir = source();
    const key = elsewhere('id_ed25519', PRIVATE_KEY);
    const link = replaceWithLink(dir, 'debian/bookworm/packages.txt', key);
    const r = run('check', dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${link}: packages.txt is a symlink to a file outside the sources directory (in ${path.dirname(key)}): refused`);
    expect(r.out + r.err).not.toContain(SECRET_LINE);
    expect(r.out + r.err).not.toContain('id_ed25519');
  });

  test('aptly.conf -> a docker config.json: synth refuses and writes nothing', () => {
    const dir = source();
    const link = replaceWithLink(dir, 'debian/bookworm/aptly.conf', elsewhere('config.json', DOCKER_CONFIG));
    const out = writeTree({});
    const r = run('synth', '--sources', dir, ...SYNTH, '--out', out);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${link}: aptly.conf is a symlink to a file outside the sources directory`);
    expect(r.out + r.err).not.toMatch(/cHVzaGVy|auths/);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  test('source.txt -> elsewhere, and a dangling link, are refused by the construct API too', () => {
    const dir = source();
    replaceWithLink(dir, 'debian/bookworm/source.txt', elsewhere('source.txt', 'http://a.example/d https://a.example/k bookworm main\n'));
    expect(errorOf(() => MirrorSource.fromDirectory(dir))).toMatch(/source\.txt: source\.txt is a symlink to a file outside the sources directory/);
    const dangling = source();
    replaceWithLink(dangling, 'debian/bookworm/packages.txt', '/nonexistent/packages.txt');
    expect(errorOf(() => MirrorSource.fromDirectory(dangling))).toMatch(/packages\.txt is a symlink whose target does not exist/);
  });

  test('links inside the tree, and symlinked source directories, are followed', () => {
    const dir = source({ 'shared/packages.txt': 'curl\n' });
    fs.rmSync(path.join(dir, 'shared'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'debian', 'bookworm-updates'));
    fs.writeFileSync(path.join(dir, 'debian', 'bookworm-updates', 'source.txt'), 'http://debian.mirror.example/debian https://debian.mirror.example/key.asc bookworm-updates main\n');
    fs.symlinkSync('../bookworm/packages.txt', path.join(dir, 'debian', 'bookworm-updates', 'packages.txt'));
    expect(MirrorSource.fromDirectory(dir).map(s => [s.id, s.packages])).toEqual([['debian/bookworm', ['nginx']], ['debian/bookworm-updates', ['nginx']]]);
  });
});

describe('files that are no regular files, or hold keys', () => {
  test('a fifo as packages.txt is refused without blocking on it', () => {
    const dir = source();
    const fifo = path.join(dir, 'debian/bookworm/packages.txt');
    fs.rmSync(fifo);
    execFileSync('mkfifo', [fifo]);
    expect(errorOf(() => MirrorSource.fromDirectory(dir))).toContain(`${fifo}: packages.txt is not a regular file (a fifo): give a regular file`);
  });

  test('a copy of a private key as packages.txt is refused, its content not shown', () => {
    const dir = source({ 'debian/bookworm/packages.txt': PRIVATE_KEY });
    const r = run('check', dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/packages\.txt: packages\.txt holds a "OPENSSH PRIVATE KEY" block, not seed source text: is it the right file\? \(its content is not shown\)/);
    expect(r.err).not.toContain(SECRET_LINE);
  });
});

describe('size limits: check refuses what synth refuses', () => {
  // Distinct canonical queries: about 1 MiB of packages.txt, over what one ConfigMap takes.
  const big = Array.from({ length: 70_000 }, (_, i) => `package-number-${i}`).join('\n') + '\n';

  test('a packages.txt whose source cannot fit a ConfigMap: synth and check both refuse it', () => {
    const dir = source({ 'debian/bookworm/packages.txt': big });
    const synth = run('synth', '--sources', dir, ...SYNTH, '--out', writeTree({}));
    expect(synth.code).toBe(1);
    expect(synth.err).toMatch(/source debian\/bookworm needs \d+ KiB of ConfigMap data, over the 900 KiB/);
    const check = run('check', dir);
    expect(check.code).toBe(1);
    expect(check.err).toMatch(/debian\/bookworm: source debian\/bookworm needs \d+ KiB of ConfigMap data, over the 900 KiB a ConfigMap can safely hold: split its packages into several sources/);
  });

  test('a file far over the limit is refused without being read', () => {
    const dir = source();
    const file = path.join(dir, 'debian/bookworm/packages.txt');
    fs.truncateSync(file, 200 * 1024 * 1024); // sparse: 200 MB that is never read
    const check = run('check', dir);
    expect(check.code).toBe(1);
    expect(check.err).toContain(`${file}: packages.txt is 204800 KiB, far over the 900 KiB a source's files can take in a ConfigMap: split its packages into several sources`);
  });
});
