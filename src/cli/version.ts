import * as fs from 'fs';
import * as path from 'path';

const PACKAGE_NAME = 'cdk8s-mini-mirror';

/**
 * The version in this package's package.json. Found by walking up from `from`, because the CLI
 * runs both compiled (lib/cli/) and from source (src/cli/ under ts-node), and, installed, may sit
 * below other packages' package.json files.
 */
export function packageVersion(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const pkg = readJson(path.join(dir, 'package.json'));
    if (pkg?.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version;
    if (path.dirname(dir) === dir) throw new Error(`cannot find the package.json of ${PACKAGE_NAME} above ${from}: reinstall the package`);
  }
}

function readJson(file: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    // missing or not JSON: not ours, keep looking further up
    return undefined;
  }
}
