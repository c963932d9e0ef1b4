import * as fs from 'fs';
import * as path from 'path';

/** Files shipped in the package's `assets/` folder (next to `lib/` and `src/`). */
export const ASSETS_DIR = path.join(__dirname, '..', '..', 'assets');

const cache = new Map<string, string>();

/** The text of an asset, read once per process. */
export function readAsset(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = fs.readFileSync(path.join(ASSETS_DIR, name), 'utf8');
    cache.set(name, text);
  }
  return text;
}
