import { contentHash } from '../util/hash';

/** A refresh epoch: a date, a counter or any short label a platform repo bumps to rebuild. */
const REFRESH_EPOCH = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The OCI distribution spec's tag grammar. */
const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** The refresh epoch, checked; undefined stays undefined. */
export function checkRefreshEpoch(epoch: string | undefined): string | undefined {
  if (epoch === undefined) return undefined;
  if (typeof epoch !== 'string' || !REFRESH_EPOCH.test(epoch)) {
    throw new Error(`refreshEpoch ${JSON.stringify(epoch)} must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit: use a date such as 2026-11-27 or a counter`);
  }
  return epoch;
}

/** The image tag, checked against the OCI tag grammar; `latest` is a moving name, refused. */
export function checkImageTag(tag: string): string {
  if (typeof tag !== 'string' || !OCI_TAG.test(tag)) {
    throw new Error(`image tag ${JSON.stringify(tag)} is not an OCI tag (1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'): give a valid tag, or leave it out to tag with the build identity`);
  }
  if (tag.toLowerCase() === 'latest') {
    throw new Error('image tag "latest" is a moving name, but a mirror image tag is written once: give a tag for this build (e.g. a date), or leave it out to tag with the build identity');
  }
  return tag;
}

/**
 * What a build is: its inputs (the content hash) and the refresh epoch. Without an epoch it is
 * the content hash itself, so mirrors that never set one keep their tags.
 */
export function buildIdentity(inputsHash: string, refreshEpoch: string | undefined): string {
  return refreshEpoch === undefined ? inputsHash : contentHash({ contentHash: inputsHash, refreshEpoch });
}
