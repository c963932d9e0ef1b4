// Merging the sources' published trees into one staged tree: identical files may overlap (sources
// under one prefix share pool/), different ones may not. Hard links where possible.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { BuildError } from './proc';

async function* walk(root: string, rel = ''): AsyncGenerator<{ rel: string; dirent: fs.Dirent }> {
  for (const dirent of await fs.promises.readdir(path.join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${dirent.name}` : dirent.name;
    if (dirent.isDirectory()) yield* walk(root, child);
    else yield { rel: child, dirent };
  }
}

async function sha256(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Merges `src` into `stage`. `owners` records which source placed each file (merges of several
 * sources go one at a time, in the order their worlds finish), to name both sides of a conflict.
 */
export async function mergeTree(src: string, stage: string, label: string, owners: Map<string, string>): Promise<void> {
  for await (const { rel, dirent } of walk(src)) {
    const from = path.join(src, rel);
    const to = path.join(stage, rel);
    let target: string | undefined;
    if (dirent.isSymbolicLink()) {
      // aptly writes by-hash links as absolute paths into its rootDir: make them relative.
      target = await fs.promises.readlink(from);
      if (path.isAbsolute(target)) target = path.relative(path.dirname(from), target);
    }
    const existing = await fs.promises.lstat(to).catch(() => undefined);
    if (existing) {
      const same = target !== undefined
        ? existing.isSymbolicLink() && await fs.promises.readlink(to) === target
        : existing.isFile() && await sha256(from) === await sha256(to);
      if (!same) {
        const both = [owners.get(rel) ?? 'an earlier source', label].sort().join(' and ');
        throw new BuildError(`conflicting file ${rel} from ${both}: give one of the sources another prefix`);
      }
      continue;
    }
    await fs.promises.mkdir(path.dirname(to), { recursive: true });
    if (target !== undefined) await fs.promises.symlink(target, to);
    else await fs.promises.link(from, to).catch(() => fs.promises.copyFile(from, to));
    owners.set(rel, label);
  }
}

/** Dangling symlinks of the staged tree (a by-hash link whose file went missing). */
export async function danglingLinks(stage: string): Promise<string[]> {
  const bad: string[] = [];
  for await (const { rel, dirent } of walk(stage)) {
    if (dirent.isSymbolicLink() && !(await fs.promises.stat(path.join(stage, rel)).catch(() => undefined))) bad.push(rel);
  }
  return bad;
}
