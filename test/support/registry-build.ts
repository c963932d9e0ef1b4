/**
 * What the image-step tests start from: a mirror step built once (chain-a from a fake upstream)
 * and a local registry holding a base image to push its tree onto.
 */
import { FakeUpstream, FakeUpstreamHandle } from './fake-upstream';
import { pushBaseImage, RegistryHandle, startRegistry } from './registry';
import { BuildResult, BuildSpec, removeBuild, runBuild } from './run-build';
import { GeneratedKey, generateSigningKey } from './signing-key';
import { ImageBuilder, RegistryCa } from '../../src';

export interface RegistryBuild {
  readonly upstream: FakeUpstreamHandle;
  readonly key: GeneratedKey;
  readonly registry: RegistryHandle;
  readonly baseImage: string;
  /** The spec the build was made from, pushing to `<registry>/mini-mirror`. */
  readonly spec: BuildSpec;
  readonly build: BuildResult;
  /** Stops upstream and registry, removes the build. */
  stop(): Promise<void>;
}

export interface RegistryBuildOptions {
  /**
   * A registry with TLS (a private CA) that the spec's image steps trust through this CA.
   * @default a plain HTTP registry, reached without TLS verification
   */
  readonly registryCa?: RegistryCa;
}

/** Starts upstream and registry, pushes a base image, runs the mirror step; throws (having stopped all) if it failed. */
export async function startRegistryBuild(options: RegistryBuildOptions = {}): Promise<RegistryBuild> {
  const tls = options.registryCa !== undefined;
  const [upstream, key, registry] = await Promise.all([FakeUpstream.start(), generateSigningKey(), startRegistry({ tls })]);
  const baseImage = await pushBaseImage(registry);
  const spec: BuildSpec = {
    signing: { mode: 'key', privateKey: key.privateKey, publicKey: key.publicKey, fingerprint: key.fingerprint },
    sources: [{ prefix: 'debian', name: 'bookworm', url: upstream.url, keyUrl: upstream.keyUrl, distribution: 'bookworm', components: ['main'], packages: ['chain-a'] }],
    image: tls ? { repository: `${registry.host}/mini-mirror`, registryCa: options.registryCa } : { repository: `${registry.host}/mini-mirror`, insecureRegistry: true },
    // non-root with a read-only root filesystem, as with a prepared image; the host's skopeo and umoci stand in
    imageBuilder: ImageBuilder.skopeo({ baseImage, imageHasTools: true }),
    refreshEpoch: '2026-11-27',
  };
  // The mirror step mounts no CA (runBuild knows no ConfigMap of ours); the CA is not part of
  // the build identity, so this build is the one the spec's steps check and push.
  const build = await runBuild(tls ? { ...spec, image: { repository: spec.image!.repository } } : spec);
  const stop = async () => { await Promise.all([upstream.stop(), registry.stop(), removeBuild(build.rootDir)]); };
  if (build.exitCode !== 0) {
    await stop();
    throw new Error(`mirror step failed: ${build.stdout}\n${build.stderr}`);
  }
  return { upstream, key, registry, baseImage, spec, build, stop };
}
