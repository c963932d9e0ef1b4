import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { danglingLinks, StagedTree } from '../../src/runner/tree';

/** Writes files (and symlinks, values starting with '->') below `root`. */
function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (content.startsWith('->')) fs.symlinkSync(content.slice(2), file);
    else fs.writeFileSync(file, content);
  }
}

describe('StagedTree', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-tree-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN two sources under one prefix WHEN merged THEN both trees are staged, shared identical files once, by hard link', async () => {
    writeTree(path.join(dir, 'a'), { 'debian/dists/bookworm/Release': 'a', 'debian/pool/main/c/curl/curl.deb': 'deb', 'debian/pool/main/z/zsh/zsh.deb': 'zsh' });
    writeTree(path.join(dir, 'b'), { 'debian/dists/bookworm-updates/Release': 'b', 'debian/pool/main/c/curl/curl.deb': 'deb' });
    const stage = path.join(dir, 'stage');
    const tree = new StagedTree(stage);
    await tree.merge(path.join(dir, 'a'), 'debian/bookworm');
    await tree.merge(path.join(dir, 'b'), 'debian/bookworm-updates');
    expect(fs.readFileSync(path.join(stage, 'debian/dists/bookworm/Release'), 'utf8')).toBe('a');
    expect(fs.readFileSync(path.join(stage, 'debian/dists/bookworm-updates/Release'), 'utf8')).toBe('b');
    expect(fs.statSync(path.join(stage, 'debian/pool/main/z/zsh/zsh.deb')).ino).toBe(fs.statSync(path.join(dir, 'a/debian/pool/main/z/zsh/zsh.deb')).ino);
    expect(tree.ownerOf('debian/pool/main/c/curl/curl.deb')).toBe('debian/bookworm');
    expect(tree.ownerOf('debian/dists/bookworm-updates/Release')).toBe('debian/bookworm-updates');
  });

  test('GIVEN the same path with other content WHEN merged THEN it fails naming both sources and what to do', async () => {
    writeTree(path.join(dir, 'a'), { 'debian/pool/main/c/curl/curl.deb': 'one' });
    writeTree(path.join(dir, 'b'), { 'debian/pool/main/c/curl/curl.deb': 'two' });
    const stage = path.join(dir, 'stage');
    const tree = new StagedTree(stage);
    await tree.merge(path.join(dir, 'a'), 'debian/one');
    await expect(tree.merge(path.join(dir, 'b'), 'debian/two'))
      .rejects.toThrow('conflicting file debian/pool/main/c/curl/curl.deb from debian/one and debian/two: give one of the sources another prefix');
  });

  test('GIVEN same-size files that differ WHEN merged THEN the content decides, not the size', async () => {
    writeTree(path.join(dir, 'a'), { 'p/x': 'aaaa' });
    writeTree(path.join(dir, 'b'), { 'p/x': 'bbbb' });
    const stage = path.join(dir, 'stage');
    await new StagedTree(stage).merge(path.join(dir, 'a'), 'a');
    await expect(new StagedTree(stage).merge(path.join(dir, 'b'), 'b')).rejects.toThrow(/conflicting file p\/x from an earlier source and b/);
  });

  test('GIVEN aptly\'s absolute by-hash links WHEN merged THEN they are relative and resolve in the stage; a link to a missing file is reported dangling', async () => {
    const src = path.join(dir, 'a');
    writeTree(src, { 'p/dists/d/main/binary-amd64/Packages': 'index' });
    writeTree(src, { 'p/dists/d/main/binary-amd64/by-hash/SHA256/abc': `->${path.join(src, 'p/dists/d/main/binary-amd64/Packages')}` });
    writeTree(src, { 'p/dists/d/main/binary-amd64/by-hash/SHA256/gone': `->${path.join(src, 'p/dists/d/main/binary-amd64/Packages.gz')}` });
    const stage = path.join(dir, 'stage');
    await new StagedTree(stage).merge(src, 'a');
    const link = path.join(stage, 'p/dists/d/main/binary-amd64/by-hash/SHA256/abc');
    expect(fs.readlinkSync(link)).toBe('../../Packages');
    expect(fs.readFileSync(link, 'utf8')).toBe('index');
    expect(await danglingLinks(stage)).toEqual(['p/dists/d/main/binary-amd64/by-hash/SHA256/gone']);
  });

  test('GIVEN a large tree WHEN merged THEN every file arrives (many operations in flight)', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 500; i++) files[`p/pool/main/${i % 26}/${i}/pkg${i}.deb`] = `deb ${i}`;
    writeTree(path.join(dir, 'a'), files);
    const stage = path.join(dir, 'stage');
    await new StagedTree(stage).merge(path.join(dir, 'a'), 'a');
    for (const [rel, content] of Object.entries(files)) expect(fs.readFileSync(path.join(stage, rel), 'utf8')).toBe(content);
  });

  test('GIVEN two merges at once sharing files WHEN one differs THEN identical files are staged once and the conflict names both, whichever ran first', async () => {
    const shared: Record<string, string> = {};
    for (let i = 0; i < 200; i++) shared[`debian/pool/main/p${i}.deb`] = `deb ${i}`;
    writeTree(path.join(dir, 'a'), { ...shared, 'debian/dists/a/Release': 'a' });
    writeTree(path.join(dir, 'b'), { ...shared, 'debian/dists/b/Release': 'b' });
    writeTree(path.join(dir, 'c'), { 'debian/pool/main/p7.deb': 'other' });
    const stage = path.join(dir, 'stage');
    const tree = new StagedTree(stage);
    await Promise.all([tree.merge(path.join(dir, 'a'), 'debian/a'), tree.merge(path.join(dir, 'b'), 'debian/b')]);
    for (const [rel, content] of Object.entries(shared)) expect(fs.readFileSync(path.join(stage, rel), 'utf8')).toBe(content);
    expect(fs.readdirSync(path.join(stage, 'debian/dists')).sort()).toEqual(['a', 'b']);
    const owner = tree.ownerOf('debian/pool/main/p7.deb');
    expect(['debian/a', 'debian/b']).toContain(owner);
    await expect(tree.merge(path.join(dir, 'c'), 'debian/c')).rejects
      .toThrow(`conflicting file debian/pool/main/p7.deb from ${[owner, 'debian/c'].sort().join(' and ')}`);
  });

  test('GIVEN a filter WHEN merged in two parts THEN each part stages only its files', async () => {
    writeTree(path.join(dir, 'a'), { 'd/dists/x/Release': 'r', 'd/dists/x/main/binary-amd64/Packages': 'p' });
    const stage = path.join(dir, 'stage');
    const tree = new StagedTree(stage);
    const top = (rel: string) => path.posix.dirname(rel) === 'd/dists/x';
    await tree.merge(path.join(dir, 'a'), 'a', { only: rel => !top(rel) });
    expect(fs.existsSync(path.join(stage, 'd/dists/x/Release'))).toBe(false);
    await tree.merge(path.join(dir, 'a'), 'a', { under: 'd/dists/x', only: top });
    expect(fs.readFileSync(path.join(stage, 'd/dists/x/Release'), 'utf8')).toBe('r');
  });
});
