// `--rollback-to docker://REG/REPO:TAG` or `oci:DIR:TAG`: the earlier build's tree, taken out of
// its image. skopeo copies the image into a temporary OCI layout (with the registry options push
// has, as arguments, never a shell), umoci unpacks it rootless, and the tree is where the image
// step put it (bake-image-oci.sh: /srv/mirror). The caller removes the directory when done.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputProblems } from './errors';
import { skopeo, skopeoError } from './skopeo';

/** Where the image step puts the published tree in the serving image. */
export const IMAGE_TREE = path.join('srv', 'mirror');

/** How to reach the registry the old image is in (skopeo's --src-* options). */
export interface RollbackSource {
  /** `false`: plain HTTP or TLS without verification. */
  readonly tlsVerify?: boolean;
  /** A directory with the registry's CA certificate (*.crt). */
  readonly certDir?: string;
  /** A containers-auth.json with the registry's credentials. */
  readonly authfile?: string;
}

/** Whether `ref` names an image rather than a directory. */
export function isImageRef(ref: string): boolean {
  return /^(docker|oci):/.test(ref);
}

/** The problems of an image reference (none: `[]`); checked before anything runs. */
export function imageRefProblems(ref: string, source: RollbackSource): string[] {
  const problems: string[] = [];
  const docker = /^docker:\/\/[^/\s]+\/[^\s@:]+(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[0-9a-f]{64})$/.test(ref);
  const oci = /^oci:(.+):[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.exec(ref);
  if (!docker && !oci) {
    problems.push(`--rollback-to "${ref}" is not an image with its tag: give docker://REGISTRY/REPOSITORY:TAG (the tag the earlier build was pushed under), oci:DIR:TAG, or the earlier build's --out directory`);
  } else if (oci && !fs.existsSync(path.join(oci[1], 'index.json'))) {
    problems.push(`--rollback-to ${ref}: ${oci[1]} is not an OCI layout (no index.json): give the oci/ directory of the earlier build's --out`);
  }
  if (source.certDir !== undefined && !fs.existsSync(source.certDir)) problems.push(`--src-cert-dir ${source.certDir} does not exist: give the directory with the registry's CA certificate (*.crt)`);
  if (source.authfile !== undefined && !fs.existsSync(source.authfile)) problems.push(`--src-authfile ${source.authfile} does not exist: give a containers-auth.json (skopeo login --authfile FILE REGISTRY writes one)`);
  return problems;
}

/**
 * Copies `ref` into `workDir` and unpacks it; returns the tree in it. Throws InputProblems when the
 * image cannot be fetched or holds no earlier build (no manifest.json at /srv/mirror).
 */
export function extractImageTree(ref: string, source: RollbackSource, workDir: string): string {
  const layout = path.join(workDir, 'oci');
  const flags = [
    ...(source.tlsVerify === false ? ['--src-tls-verify=false'] : []),
    ...(source.certDir !== undefined ? ['--src-cert-dir', source.certDir] : []),
    ...(source.authfile !== undefined ? ['--src-authfile', source.authfile] : []),
  ];
  const copied = skopeo(['copy', '--quiet', ...flags, ref, `oci:${layout}:old`], 3600);
  if (!copied.ok) {
    throw new InputProblems([`--rollback-to ${ref}: cannot fetch the image: ${skopeoError(copied.stderr)}; check the tag, --src-tls-verify=false (plain HTTP), --src-cert-dir (a private CA) and --src-authfile (credentials)`]);
  }
  const rootfs = path.join(workDir, 'rootfs');
  const unpacked = spawnSync('umoci', ['raw', 'unpack', '--rootless', '--image', `${layout}:old`, rootfs], { encoding: 'utf8', timeout: 3600_000 });
  if (unpacked.status !== 0) {
    throw new InputProblems([`--rollback-to ${ref}: cannot unpack the image: ${(unpacked.stderr || unpacked.error?.message || 'umoci failed').trim().split('\n').pop()}`]);
  }
  const tree = path.join(rootfs, IMAGE_TREE);
  if (!fs.existsSync(path.join(tree, 'manifest.json'))) {
    throw new InputProblems([`--rollback-to ${ref} holds no mirror build (no /${IMAGE_TREE}/manifest.json in the image): give an image mini-mirror built, under the tag it was pushed with`]);
  }
  return tree;
}

/** A private temporary directory for the image and its tree. */
export function rollbackWorkDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mini-mirror-rollback-'));
}
