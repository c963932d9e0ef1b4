// `mini-mirror build`: the build Job's steps on this host, from the very YAML `synth` writes: the
// mirror step (build-mirror.sh and the runner, from the build ConfigMap) with the sources laid
// out as the Job mounts them, then the image step (bake-image-oci.sh) writing the serving image
// as an OCI layout to carry into an air-gapped registry (`skopeo copy`).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { InputProblems } from './errors';
import { Output } from './output';

/** The Debian packages of the tools the steps run (the Job's images install the same). */
export const HOST_TOOLS: ReadonlyArray<[string, string]> = [
  ['aptly', 'aptly'], ['gpg', 'gnupg'], ['gpgv', 'gpgv'], ['curl', 'curl'], ['xz', 'xz-utils'], ['bzip2', 'bzip2'],
  ['dose-debcheck', 'dose-distcheck'], ['skopeo', 'skopeo'], ['umoci', 'umoci'], ['tar', 'tar'],
];

export interface LocalBuildOptions {
  /** The YAML `synth` wrote. */
  readonly manifestFile: string;
  /** Files for the signing Secret's keys (absent when unsigned). */
  readonly signingFiles: { readonly [secretKey: string]: string };
  /**
   * The base image: a registry image, or a skopeo source with its transport (`oci:<dir>:<tag>`).
   * @default - the one the Job's image step uses
   */
  readonly baseImage?: string;
  /** Output directory: `public/` (the signed tree) and `oci/` (the serving image). */
  readonly out: string;
  /**
   * The previous build's manifest.json (absolute file path or http(s) URL), for the downgrade check.
   * @default - none: no previous build is compared (the synthesized in-cluster URL is not used here)
   */
  readonly previousManifest?: string;
}

export function missingTools(): string[] {
  return HOST_TOOLS.filter(([cmd]) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd]).status !== 0).map(([, pkg]) => pkg);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, what: string): void {
  const r = spawnSync(cmd, args, { env, stdio: 'inherit' });
  if (r.status !== 0) throw new InputProblems([`${what} failed (exit ${r.status ?? r.signal})`]);
}

/** The build pod's ConfigMap and Secret volumes, laid out as the kubelet mounts them. */
function materialize(manifests: any[], job: any, signingFiles: LocalBuildOptions['signingFiles'], root: string): Map<string, string> {
  const mounts = new Map<string, string>();
  const configMap = (name: string) => manifests.find(o => o.kind === 'ConfigMap' && o.metadata.name === name);
  for (const volume of job.spec.template.spec.volumes ?? []) {
    const dir = path.join(root, volume.name);
    const write = (rel: string, content: string, mode = 0o444) => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), content, { mode });
    };
    if (volume.configMap) {
      for (const [key, value] of Object.entries<string>(configMap(volume.configMap.name).data)) write(key, value);
    } else if (volume.projected) {
      for (const src of volume.projected.sources) {
        const data = configMap(src.configMap.name).data;
        for (const item of src.configMap.items ?? Object.keys(data).map(key => ({ key, path: key }))) write(item.path, data[item.key]);
      }
    } else if (volume.secret && volume.name === 'signing') {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      for (const [key, file] of Object.entries(signingFiles)) write(key, fs.readFileSync(file, 'utf8'), 0o400);
    } else {
      continue;
    }
    mounts.set(volume.name, dir);
  }
  return mounts;
}

/** Runs the build; returns the image reference and build identity of the result. */
export function localBuild(opts: LocalBuildOptions, io: Output): { imageRef: string; identity: string; layout: string } {
  const manifests = YAML.parseAllDocuments(fs.readFileSync(opts.manifestFile, 'utf8')).map(d => d.toJSON()).filter(Boolean);
  const job = manifests.find(o => o.kind === 'Job' && o.metadata?.labels?.['app.kubernetes.io/component'] === 'build');
  if (!job) throw new InputProblems([`${opts.manifestFile} has no build Job`]);
  const step = imageStepOf(job);
  const out = path.resolve(opts.out);
  const work = path.join(out, '.mounts');
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true, mode: 0o700 });
  const workspace = path.join(out, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  try {
    const mounts = materialize(manifests, job, opts.signingFiles, work);
    const gnupg = path.join(work, 'gnupg');
    fs.mkdirSync(gnupg, { mode: 0o700 });
    io.out(`mini-mirror build: ${step.imageRef} (build ${step.identity.slice(0, 12)}) into ${out}`);
    run('bash', [path.join(mounts.get('build')!, 'build-mirror.sh')], {
      ...process.env,
      MINI_MIRROR_SOURCES_DIR: mounts.get('sources'),
      MINI_MIRROR_BUILD_DIR: mounts.get('build'),
      MINI_MIRROR_SIGNING_DIR: mounts.get('signing') ?? path.join(work, 'no-signing'),
      MINI_MIRROR_WORKSPACE: workspace,
      MINI_MIRROR_GNUPG_DIR: gnupg,
      // Overrides build.json's in-cluster URL, which does not resolve on a host ('' = none).
      MINI_MIRROR_PREVIOUS_MANIFEST: opts.previousManifest ?? '',
    }, 'the mirror step');
    let layout: string;
    // An OCI layout of an earlier build must not stay next to this build's tree if this one fails.
    fs.rmSync(path.join(out, 'oci'), { recursive: true, force: true });
    try {
      layout = runImageStep(step, opts.baseImage, { out, workspace, buildDir: mounts.get('build')! });
    } catch (e) {
      // The mirror is built and signed: keep it, and say how to get the base image.
      keepPublic(workspace, out);
      const base = opts.baseImage ?? step.baseImage ?? 'the base image';
      throw new InputProblems([`${(e as Error).message}; the mirror itself is in ${path.join(out, 'public')}. `
        + `The image step reads ${base}: if this host cannot reach its registry, copy it here (skopeo copy docker://... oci:DIR:TAG) and pass --base-image oci:DIR:TAG`]);
    }
    keepPublic(workspace, out);
    return { imageRef: step.imageRef, identity: step.identity, layout };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

/** Moves the built tree to `<out>/public`, replacing an older one. */
function keepPublic(workspace: string, out: string): void {
  fs.rmSync(path.join(out, 'public'), { recursive: true, force: true });
  fs.renameSync(path.join(workspace, 'public'), path.join(out, 'public'));
}

/** What the Job's image step makes: the image, its build identity and base image. */
interface ImageStep {
  readonly imageRef: string;
  readonly identity: string;
  readonly baseImage?: string;
}

function imageStepOf(job: any): ImageStep {
  const spec = job.spec.template.spec;
  const env = (container: any, name: string) => container.env?.find((e: any) => e.name === name)?.value as string | undefined;
  const imageStep = spec.containers.find((c: any) => c.name === 'image');
  const imageRef = env(imageStep, 'MINI_MIRROR_IMAGE');
  const identity = env(imageStep, 'MINI_MIRROR_BUILD_IDENTITY');
  if (!imageRef || !identity) throw new InputProblems(['the build Job has no skopeo image step: mini-mirror build makes the image with skopeo and umoci']);
  return { imageRef, identity, baseImage: env(imageStep, 'MINI_MIRROR_BASE_IMAGE') };
}

/** The Job's image step itself, writing an OCI layout instead of pushing; returns the layout reference. */
function runImageStep(step: ImageStep, baseImage: string | undefined, dirs: { out: string; workspace: string; buildDir: string }): string {
  const tag = step.imageRef.slice(step.imageRef.lastIndexOf(':') + 1);
  const layout = path.join(dirs.out, 'oci');
  run('bash', [path.join(dirs.buildDir, 'bake-image-oci.sh')], {
    ...process.env,
    MINI_MIRROR_IMAGE: step.imageRef,
    MINI_MIRROR_BASE_IMAGE: baseImage ?? step.baseImage,
    MINI_MIRROR_BUILD_IDENTITY: step.identity,
    MINI_MIRROR_WORKSPACE: dirs.workspace,
    MINI_MIRROR_BUILD_DIR: dirs.buildDir,
    MINI_MIRROR_OCI_LAYOUT: layout,
  }, 'the image step');
  return `oci:${layout}:${tag}`;
}
