// The serving base image of a host build, resolved to its digest before anything else: a
// registry the host cannot reach fails the build in seconds, not after hours of mirroring, and
// the digest (not a tag that may move) becomes part of the build identity: two base images, two
// tags. `synth --prebuilt` with the same --base-image resolves it the same way, so both agree.
import { InputProblems } from './errors';
import { notFound, skopeo, skopeoError, skopeoRef } from './skopeo';

/** How long the registry may take to answer. */
const RESOLVE_SECONDS = 30;

const PINNED = /@(sha256:[0-9a-f]{64})$/;

export interface ResolvedBaseImage {
  /** The skopeo source the image step copies: the base pinned to its digest (an oci: layout as given). */
  readonly source: string;
  /**
   * What the construct hashes into the build identity: `<repository>@<digest>`. An oci: layout has
   * no repository; its digest alone names it, under a name no registry resolves.
   */
  readonly pinned: string;
}

/** `--base-image` as a skopeo source and a digest-pinned reference; throws a clear error when unreachable. */
export function resolveBaseImage(ref: string, flag = '--base-image'): ResolvedBaseImage {
  const source = skopeoRef(ref);
  const layout = source.startsWith('docker://') ? undefined : source;
  const name = source.replace(/^docker:\/\//, '');
  const repository = name.replace(PINNED, '').replace(/:[^:/]+$/, '');
  const given = PINNED.exec(name)?.[1];
  if (given && !layout) return { source: `docker://${repository}@${given}`, pinned: `${repository}@${given}` };
  const r = skopeo(['inspect', '--format', '{{.Digest}}', source], RESOLVE_SECONDS);
  const digest = r.stdout.trim();
  if (!r.ok || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    const why = r.ok ? `an answer without a digest (${digest})` : skopeoError(r.stderr);
    throw new InputProblems([`${flag} ${ref} cannot be resolved to a digest: ${why}. `
      + (notFound(r.stderr) ? 'Check the name and tag' : 'This host must reach and trust its registry (a private CA in the host\'s CA bundle, plain HTTP in registries.conf)')
      + `, or copy it here first (skopeo copy docker://... oci:DIR:TAG) and give ${flag} oci:DIR:TAG`]);
  }
  if (layout) return { source: layout, pinned: `localhost/oci-layout@${digest}` };
  return { source: `docker://${repository}@${digest}`, pinned: `${repository}@${digest}` };
}
