import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const liveTempDirs = new Set<string>();

/** A fresh temp dir for a pod, removed by {@link removeTempDir} or {@link cleanupAll}. */
export function createTempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pod-runner-'));
  liveTempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  if (!liveTempDirs.has(dir)) return;
  liveTempDirs.delete(dir);
  if (process.env.POD_RUNNER_KEEP) {
    process.stderr.write(`pod-runner: keeping ${dir} (POD_RUNNER_KEEP is set)\n`);
    return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Remove every temp dir this module created and that was not cleaned up yet. */
export function cleanupAll(): void {
  for (const dir of [...liveTempDirs]) removeTempDir(dir);
}

{
  // Under jest: clean up at the end of the test file that loaded this module (module registries are
  // per file). Elsewhere (or when loaded from inside a test): at process exit.
  let registered = false;
  const hook = (globalThis as { afterAll?: (fn: () => void) => void }).afterAll;
  if (typeof hook === 'function') {
    try {
      hook(() => cleanupAll());
      registered = true;
    } catch {
      // loaded from inside a test
    }
  }
  if (!registered) process.once('exit', () => cleanupAll());
}
