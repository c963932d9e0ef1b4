// `mini-mirror build`: the build Job's steps on this host, from the very YAML `synth` writes: the
// mirror step (build-mirror.sh and the runner, from the build ConfigMap) with the sources laid
// out as the Job mounts them, then the image step (bake-image-oci.sh) writing the serving image
// as an OCI layout to carry into an air-gapped registry (`skopeo copy`). The signing key lives in
// a private directory in memory, never in --out; a watchdog (build-guard.ts) locks --out and
// removes the key material however the CLI ends. Each step runs in a process group of its own, so
// the CLI decides how a signal stops it and the watchdog can kill it when the CLI is killed.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { BuildGuard } from './build-guard';
import { InputProblems } from './errors';
import { BuildInterrupted, Interrupts } from './interrupts';
import { claimOutDir, clearPrevious } from './out-dir';
import { Output } from './output';
import { createSecretDir, describeSecretDir, destroySecretDir, SecretDir } from './secret-dir';
import { BUILD_ENV } from '../contract/env';

/** The Debian packages of the tools the steps run (the Job's images install the same). */
export const HOST_TOOLS: ReadonlyArray<[string, string]> = [
  ['aptly', 'aptly'], ['gpg', 'gnupg'], ['gpgv', 'gpgv'], ['curl', 'curl'], ['xz', 'xz-utils'], ['bzip2', 'bzip2'],
  ['dose-debcheck', 'dose-distcheck'], ['skopeo', 'skopeo'], ['umoci', 'umoci'], ['tar', 'tar'],
  // the watchdog's lock on --out
  ['flock', 'util-linux'],
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
  /**
   * Output directory: `public/` (the signed tree) and `oci/` (the serving image). Made by the
   * build (or an empty one); a directory with other files is refused.
   */
  readonly out: string;
  /**
   * The previous build's manifest.json (absolute file path or http(s) URL), for the downgrade check.
   * @default - none: no previous build is compared (the synthesized in-cluster URL is not used here)
   */
  readonly previousManifest?: string;
  /**
   * A published tree an earlier build kept (absolute path, holding manifest.json): the image is
   * baked from it, nothing is mirrored again. It must be this build (its manifest's identity).
   * @default - none: the mirror step builds the tree
   */
  readonly fromTree?: string;
  /** An earlier build's tree (its public/) to roll back to: nothing is mirrored. @default - an ordinary build */
  readonly rollbackFrom?: string;
  /** The image's tag instead of the build identity's (a rollback is another image). @default - the Job's */
  readonly imageTag?: string;
}

export function missingTools(): string[] {
  return HOST_TOOLS.filter(([cmd]) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd]).status !== 0).map(([, pkg]) => pkg);
}

/** Runs one step of the Job in a process group of its own, known to the guard and the signal handlers. */
function runStep(cmd: string, args: string[], env: NodeJS.ProcessEnv, what: string, ctx: StepContext): Promise<void> {
  ctx.interrupts.check(ctx.out);
  return new Promise<void>((resolve, reject) => {
    // Its own group: a signal to the CLI's group reaches the CLI, which stops the step (and the
    // guard can kill it if the CLI is killed).
    const child = spawn(cmd, args, { env, stdio: 'inherit', detached: true });
    child.on('error', e => reject(new InputProblems([`${what} could not start: ${e.message}`])));
    if (child.pid === undefined) return;
    ctx.guard.step(child.pid);
    ctx.interrupts.stepStarted(child.pid);
    child.on('exit', (code, signal) => {
      ctx.interrupts.stepEnded();
      ctx.guard.idle();
      try {
        ctx.interrupts.check(ctx.out);
      } catch (e) {
        return reject(e);
      }
      if (code === 0) resolve();
      else reject(new InputProblems([`${what} failed (exit ${code ?? signal})`]));
    });
  });
}

/** What a step needs besides its command: who must know it runs. */
interface StepContext {
  readonly out: string;
  readonly guard: BuildGuard;
  readonly interrupts: Interrupts;
}

/** The build pod's ConfigMap and Secret volumes, laid out as the kubelet mounts them (the Secret's in `signingDir`). */
function materialize(manifests: any[], job: any, signingFiles: LocalBuildOptions['signingFiles'], root: string, signingDir: string): Map<string, string> {
  const mounts = new Map<string, string>();
  const configMap = (name: string) => manifests.find(o => o.kind === 'ConfigMap' && o.metadata.name === name);
  for (const volume of job.spec.template.spec.volumes ?? []) {
    const dir = volume.secret && volume.name === 'signing' ? signingDir : path.join(root, volume.name);
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
      for (const [key, file] of Object.entries(signingFiles)) write(key, fs.readFileSync(file, 'utf8'), 0o400);
    } else {
      continue;
    }
    mounts.set(volume.name, dir);
  }
  return mounts;
}

/**
 * Runs the build; returns the image reference and build identity of the result. The key material
 * lives in a private directory in memory; a watchdog holds --out's lock and removes the key
 * material however the CLI ends. A signal ends it with BuildInterrupted, nothing published.
 */
export async function localBuild(opts: LocalBuildOptions, io: Output): Promise<{ imageRef: string; identity: string; layout: string }> {
  const manifests = YAML.parseAllDocuments(fs.readFileSync(opts.manifestFile, 'utf8')).map(d => d.toJSON()).filter(Boolean);
  const job = manifests.find(o => o.kind === 'Job' && o.metadata?.labels?.['app.kubernetes.io/component'] === 'build');
  if (!job) throw new InputProblems([`${opts.manifestFile} has no build Job`]);
  const jobStep = imageStepOf(job);
  const step = opts.imageTag ? { ...jobStep, imageRef: `${jobStep.imageRef.replace(/:[^:/]+$/, '')}:${opts.imageTag}` } : jobStep;
  const out = path.resolve(opts.out);
  const interrupts = Interrupts.install();
  try {
    claimOutDir(out);
    const secrets = createSecretDir();
    let guard: BuildGuard;
    try {
      guard = await BuildGuard.start(out, secrets.dir);
    } catch (e) {
      fs.rmSync(secrets.dir, { recursive: true, force: true });
      throw e;
    }
    const ctx: StepContext = { out, guard, interrupts };
    try {
      return await buildSteps(opts, { manifests, job, step, secrets }, ctx, io);
    } finally {
      try {
        await guard.finish();
      } finally {
        destroySecretDir(secrets);
      }
    }
  } finally {
    interrupts.dispose();
  }
}

/** The steps, under the lock of --out. */
async function buildSteps(opts: LocalBuildOptions, parsed: { manifests: any[]; job: any; step: ImageStep; secrets: SecretDir },
  ctx: StepContext, io: Output): Promise<{ imageRef: string; identity: string; layout: string }> {
  const { step, secrets } = parsed;
  const out = ctx.out;
  ctx.interrupts.check(out);
  if (opts.fromTree) checkTree(opts.fromTree, step.identity);
  let fromTree = opts.fromTree;
  if (fromTree === path.join(out, 'public')) {
    // The kept tree of the earlier build in this --out: set aside, not replaced with the rest.
    fromTree = path.join(out, '.kept-tree');
    fs.rmSync(fromTree, { recursive: true, force: true });
    fs.renameSync(opts.fromTree!, fromTree);
  }
  clearPrevious(out, io);
  const mounts = materialize(parsed.manifests, parsed.job, opts.signingFiles, path.join(out, '.mounts'), secrets.signing);
  if (Object.keys(opts.signingFiles).length) io.out(describeSecretDir(secrets));
  io.out(`mini-mirror build: ${step.imageRef} (build ${step.identity.slice(0, 12)}) into ${out}`);
  if (fromTree) {
    placeTree(fromTree, out, ctx);
  } else {
    await mirrorStep(opts, mounts, secrets, ctx);
  }
  // The key material is not needed any more: the guard removes it at the end either way.
  fs.rmSync(secrets.signing, { recursive: true, force: true });
  let layout: string;
  try {
    layout = await runImageStep(step, opts.baseImage, { out, buildDir: mounts.get('build')! }, ctx);
  } catch (e) {
    if (e instanceof BuildInterrupted) throw e;
    // The mirror is built and signed: keep it, and say how to get the base image.
    ctx.guard.keep('public');
    const base = opts.baseImage ?? step.baseImage ?? 'the base image';
    throw new InputProblems([`${(e as Error).message}; the mirror itself is in ${path.join(out, 'public')}. `
      + `The image step reads ${base}: if this host cannot reach its registry, copy it here (skopeo copy docker://... oci:DIR:TAG) and pass --base-image oci:DIR:TAG; `
      + `then bake the kept tree without mirroring again: the same command with --from-tree ${out}`]);
  }
  ctx.interrupts.check(out);
  ctx.guard.keep('public');
  ctx.guard.keep('oci');
  return { imageRef: step.imageRef, identity: step.identity, layout };
}

/** A kept tree must be this build (its manifest's identity), or the image would carry it under another build's tag. */
function checkTree(tree: string, identity: string): void {
  const held = JSON.parse(fs.readFileSync(path.join(tree, 'manifest.json'), 'utf8')).buildIdentity;
  if (held !== identity) {
    throw new InputProblems([`--from-tree ${tree} is build ${String(held).slice(0, 12)}, not this build ${identity.slice(0, 12)}: give the same options (sources, --refresh-epoch, --base-image, ...) as the build that made it`]);
  }
}

/** Puts the kept tree at <out>/public, kept by the guard whatever happens next (it took hours). */
function placeTree(tree: string, out: string, ctx: StepContext): void {
  const target = path.join(out, 'public');
  if (path.dirname(tree) === out) fs.renameSync(tree, target);
  else copyTree(tree, target);
  ctx.guard.keep('public');
}

/**
 * `cp -a`: hard links, symlinks (as they are) and modes kept, so the image layer is the one the
 * first build would have baked (Node's cpSync rewrites relative symlinks and splits hard links).
 */
function copyTree(tree: string, target: string): void {
  const r = spawnSync('cp', ['-a', '--', tree, target], { encoding: 'utf8' });
  if (r.status !== 0) throw new InputProblems([`cannot copy --from-tree ${tree} to ${target}: ${(r.stderr || r.error?.message || '').trim()}`]);
}

/** The Job's mirror step: publishes the signed tree to <out>/public. */
async function mirrorStep(opts: LocalBuildOptions, mounts: Map<string, string>, secrets: SecretDir, ctx: StepContext): Promise<void> {
  const out = ctx.out;
  // The workspace is --out itself: the runner publishes to <out>/public and says so.
  await runStep('bash', [path.join(mounts.get('build')!, 'build-mirror.sh')], {
    ...process.env,
    [BUILD_ENV.sourcesDir]: mounts.get('sources'),
    [BUILD_ENV.buildDir]: mounts.get('build'),
    [BUILD_ENV.signingDir]: mounts.has('signing') ? secrets.signing : path.join(secrets.dir, 'no-signing'),
    [BUILD_ENV.workspace]: out,
    [BUILD_ENV.gnupgDir]: secrets.gnupg,
    // Overrides build.json's in-cluster URL, which does not resolve on a host ('' = none).
    [BUILD_ENV.previousManifest]: opts.previousManifest ?? '',
    [BUILD_ENV.rollbackFrom]: opts.rollbackFrom ?? '',
  }, 'the mirror step', ctx);
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
  const imageRef = env(imageStep, BUILD_ENV.image);
  const identity = env(imageStep, BUILD_ENV.buildIdentity);
  if (!imageRef || !identity) throw new InputProblems(['the build Job has no skopeo image step: mini-mirror build makes the image with skopeo and umoci']);
  return { imageRef, identity, baseImage: env(imageStep, BUILD_ENV.baseImage) };
}

/**
 * The Job's image step itself, writing the OCI layout <out>/oci instead of pushing; returns the
 * layout reference. Its workspace is a scratch directory (it builds the image in <workspace>/oci)
 * holding the tree for the time of the step.
 */
async function runImageStep(step: ImageStep, baseImage: string | undefined, dirs: { out: string; buildDir: string },
  ctx: StepContext): Promise<string> {
  const tag = step.imageRef.slice(step.imageRef.lastIndexOf(':') + 1);
  const layout = path.join(dirs.out, 'oci');
  const workspace = path.join(dirs.out, '.image-step');
  fs.mkdirSync(workspace);
  fs.renameSync(path.join(dirs.out, 'public'), path.join(workspace, 'public'));
  try {
    await runStep('bash', [path.join(dirs.buildDir, 'bake-image-oci.sh')], {
      ...process.env,
      [BUILD_ENV.image]: step.imageRef,
      [BUILD_ENV.baseImage]: baseImage ?? step.baseImage,
      [BUILD_ENV.buildIdentity]: step.identity,
      [BUILD_ENV.workspace]: workspace,
      [BUILD_ENV.buildDir]: dirs.buildDir,
      [BUILD_ENV.ociLayout]: layout,
    }, 'the image step', ctx);
  } finally {
    fs.renameSync(path.join(workspace, 'public'), path.join(dirs.out, 'public'));
    fs.rmSync(workspace, { recursive: true, force: true });
  }
  return `oci:${layout}:${tag}`;
}
