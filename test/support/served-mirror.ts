/**
 * One nginx with the synthesized config serving a directory that each build's tree is copied into
 * in turn (a new pod each in a cluster), and copying an image's tree there from a registry.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RegistryHandle } from './registry';
import { runChecked } from './run-build';
import { objectOf, synthMirror } from '../serving/fixtures';
import { RunningNginx, startNginx } from '../serving/nginx-process';

export interface ServedMirror {
  /** `<dir>/served`: what nginx serves. */
  readonly served: string;
  readonly nginx: RunningNginx;
}

/** nginx serving `<dir>/served`; `dir` and its parents up to the temp dir are made readable for nginx's user. */
export async function startServedMirror(dir: string): Promise<ServedMirror> {
  const served = path.join(dir, 'served');
  fs.mkdirSync(served);
  for (let d = dir; d !== os.tmpdir() && d !== '/'; d = path.dirname(d)) fs.chmodSync(d, 0o755);
  return { served, nginx: await startNginx(swappableNginxConf(), served) };
}

/**
 * The synthesized nginx.conf without its open-file cache, for one nginx whose tree a test
 * replaces (a new pod serves each build in a cluster): the cache would keep answering with the
 * previous build's files for minutes, from whichever worker had opened them.
 */
export function swappableNginxConf(): string {
  const config: string = objectOf(synthMirror().manifests, 'ConfigMap', 'mirror-nginx').data['nginx.conf'];
  return config.split('\n').filter(l => !/^\s*open_file_cache/.test(l)).join('\n');
}

/** Replaces what `served` holds with `tree`'s content, readable by nginx's user. */
export async function replaceServed(served: string, tree: string): Promise<void> {
  await runChecked('find', [served, '-mindepth', '1', '-delete']);
  await runChecked('cp', ['-a', `${tree}/.`, served]);
  await runChecked('chmod', ['-R', 'a+rX', served]);
}

/**
 * Serves what `registry` holds at `ref` (`HOST/REPOSITORY:TAG`): pulled back into an OCI layout
 * under `dir`, unpacked, its /srv/mirror in `served`. `skopeoTls`: how skopeo trusts the registry.
 */
export async function serveFromRegistry(registry: RegistryHandle, ref: string,
  where: { dir: string; served: string; skopeoTls: string[] }): Promise<void> {
  const pulled = fs.mkdtempSync(path.join(where.dir, 'pulled-'));
  const copied = await registry.skopeo('copy', '--quiet', ...where.skopeoTls, `docker://${ref}`, `oci:${pulled}/oci:img`);
  if (copied.exitCode !== 0) throw new Error(`skopeo copy of ${ref}: ${copied.stderr}`);
  await runChecked('umoci', ['raw', 'unpack', '--rootless', '--image', `${pulled}/oci:img`, `${pulled}/rootfs`]);
  await replaceServed(where.served, `${pulled}/rootfs/srv/mirror`);
  fs.rmSync(pulled, { recursive: true, force: true });
}
