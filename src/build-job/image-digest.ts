/** An image digest as the OCI distribution spec writes a sha256 one. */
const IMAGE_DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * The digest, checked: `sha256:` and 64 lower-case hex digits. Throws naming `what` (the prop or
 * flag it came from) and where to find the digest.
 */
export function checkImageDigest(what: string, digest: string): string {
  if (!IMAGE_DIGEST.test(digest)) {
    throw new Error(`${what} "${digest}" is not an image digest: give sha256: and 64 lower-case hex digits, as in the last line of the image step or of mini-mirror build (image: REPOSITORY@sha256:...)`);
  }
  return digest;
}

/**
 * What the serving pods pull: `<repository>@<digest>` when the digest is known (the same bytes on
 * every node, whatever the tag holds later), else the tag, pulled on every start (`Always`), so a
 * node's cached copy of a tag that was moved is never served next to the registry's.
 */
export function servingImage(imageRef: string, digest: string | undefined): { image: string; pullPolicy: string } {
  if (digest === undefined) return { image: imageRef, pullPolicy: 'Always' };
  const repository = imageRef.replace(/:[^:/]+$/, '');
  return { image: `${repository}@${checkImageDigest('image.digest', digest)}`, pullPolicy: 'IfNotPresent' };
}
