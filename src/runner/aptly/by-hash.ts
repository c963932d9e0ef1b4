// aptly's by-hash directories, made deterministic. Beside each `by-hash/<algo>/<hash>` file aptly
// keeps a symlink named after the index (`by-hash/SHA256/Contents-amd64.gz`, and `.old` ones)
// for its own bookkeeping. When two indexes of a directory have the same content (the empty
// Contents of two architectures), only the one aptly's goroutines happen to write first gets that
// symlink, so two builds of the same inputs differ. apt only ever asks for `by-hash/<algo>/<hash>`:
// the name links go, and the tree is the same every time.
import * as fs from 'fs';
import * as path from 'path';

const HASH_NAME = /^[0-9a-f]{32,128}$/;

/** Removes the symlinks that are not named by a hash from every `by-hash/<algo>/` below `dir`. */
export async function tidyByHash(dir: string): Promise<void> {
  for (const entry of await fs.promises.readdir(dir, { withFileTypes: true }).catch(() => [] as fs.Dirent[])) {
    if (!entry.isDirectory()) continue;
    const sub = path.join(dir, entry.name);
    if (entry.name !== 'by-hash') {
      await tidyByHash(sub);
      continue;
    }
    for (const algo of await fs.promises.readdir(sub, { withFileTypes: true })) {
      if (!algo.isDirectory()) continue;
      for (const file of await fs.promises.readdir(path.join(sub, algo.name), { withFileTypes: true })) {
        if (file.isSymbolicLink() && !HASH_NAME.test(file.name)) await fs.promises.rm(path.join(sub, algo.name, file.name));
      }
    }
  }
}
