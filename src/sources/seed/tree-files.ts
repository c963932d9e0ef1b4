// Reading the files of a sources directory safely: a symlink out of the tree (packages.txt ->
// ~/.ssh/id_rsa, aptly.conf -> ~/.docker/config.json) would put that file into a ConfigMap or
// into error messages; a fifo or device would block or never end; a huge file would be read
// whole before the ConfigMap limit refuses it. None of them is read, and no message shows content.
import * as fs from 'fs';
import * as path from 'path';
import { CONFIG_MAP_SAFE_BYTES, SOURCE_FILE_MAX_BYTES } from '../../util/limits';
import { Problem } from '../problems';

/** The directories a source's files may resolve into: the sources tree and the source's own directory. */
export interface TreeRoots {
  /** the real path of the sources directory */
  readonly tree: string;
  /** the real path of the source directory (which may be a symlinked directory elsewhere) */
  readonly source?: string;
}

/** Real path of `dir`, or `dir` itself when it cannot be resolved (the reader reports that). */
export function realDir(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

/**
 * The text of `file`, or undefined with the problem added: missing, a symlink out of `roots`,
 * not a regular file, too large, unreadable, or holding a key or certificate.
 */
export function readTreeFile(file: string, roots: TreeRoots, problems: Problem[]): string | undefined {
  const what = path.basename(file);
  const real = checkedTreePath(file, roots, problems);
  if (real === undefined) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(real, 'utf8');
  } catch (e) {
    problems.push({ file, message: `cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
    return undefined;
  }
  const armor = /-----BEGIN ([A-Z0-9 ]{1,40})-----/.exec(text);
  if (armor) {
    problems.push({ file, message: `${what} holds a "${armor[1]}" block, not ${what === 'aptly.conf' ? 'an aptly config' : 'seed source text'}: is it the right file? (its content is not shown)` });
    return undefined;
  }
  return text;
}

/** A key file of the tree (key.asc, key.gpg), as bytes, with the same checks as `readTreeFile`. */
export function readTreeBytes(file: string, roots: TreeRoots, problems: Problem[]): Buffer | undefined {
  const real = checkedTreePath(file, roots, problems);
  if (real === undefined) return undefined;
  try {
    return fs.readFileSync(real);
  } catch (e) {
    problems.push({ file, message: `cannot read ${path.basename(file)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
    return undefined;
  }
}

/** The real path of a regular, not too large file within the tree; undefined (reported) otherwise. */
function checkedTreePath(file: string, roots: TreeRoots, problems: Problem[]): string | undefined {
  const what = path.basename(file);
  let link: fs.Stats;
  try {
    link = fs.lstatSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    problems.push({ file, message: code === 'ENOENT' ? `missing ${what}: every source directory needs source.txt and packages.txt` : `cannot read ${what}: ${code ?? String(e)}` });
    return undefined;
  }
  let real = file;
  if (link.isSymbolicLink()) {
    try {
      real = fs.realpathSync(file);
    } catch {
      problems.push({ file, message: `${what} is a symlink whose target does not exist: replace it with the file itself` });
      return undefined;
    }
    if (!within(real, roots.tree) && !(roots.source && within(real, roots.source))) {
      problems.push({
        file,
        message: `${what} is a symlink to a file outside the sources directory (in ${path.dirname(real)}): refused, so that no file from elsewhere `
          + '(a key, credentials) ends up in a ConfigMap or an error message; copy the file into the sources directory',
      });
      return undefined;
    }
  }
  const stat = link.isSymbolicLink() ? fs.statSync(real) : link;
  if (!stat.isFile()) {
    problems.push({ file, message: `${what} is not a regular file (${kindOf(stat)}): give a regular file` });
    return undefined;
  }
  if (stat.size > SOURCE_FILE_MAX_BYTES) {
    problems.push({
      file,
      message: `${what} is ${Math.ceil(stat.size / 1024)} KiB, far over the ${CONFIG_MAP_SAFE_BYTES / 1024} KiB a source's files can take in a ConfigMap: `
        + 'split its packages into several sources',
    });
    return undefined;
  }
  return real;
}

function within(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a fifo';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a file';
}
