import { k8s } from 'cdk8s-plus-27';
import { BUILD_PATHS } from './paths';
import { BUILD_ENV } from '../contract/env';
import { IMAGE_REPOSITORY } from '../util/k8s-names';

/** The OCI distribution spec's tag grammar. */
const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** The check step's variables the rollback step has no use for (the target image, the base, check-only). */
const CHECK_ONLY_ENV = new Set<string>([BUILD_ENV.image, BUILD_ENV.baseImage, BUILD_ENV.checkOnly]);

/** The rollback step's script (assets/), in the build ConfigMap. */
export const ROLLBACK_SCRIPT = 'fetch-rollback.sh';

/**
 * An earlier build of this mirror to serve again: the build Job fetches its serving image,
 * takes the published tree out of it (`/srv/mirror`) and publishes that tree anew, dated one
 * second after the build served now and re-signed, so apt clients that hold the newer lists take
 * it (README, "Day two"). Nothing is mirrored from upstream.
 *
 * The rollback is a build of its own (its own build identity, so its own image tag), written once
 * like any other: a re-created Job finds its tag in the registry and builds nothing.
 *
 * @example
 * RollbackTarget.image('registry.example.com/mini-mirror:0123456789abcdef0123');
 * RollbackTarget.image('registry.example.com/mini-mirror@sha256:<64 hex digits>');
 */
export class RollbackTarget {
  /**
   * The serving image of an earlier build, by its tag (the one its build Job pushed) or by digest
   * (`repository@sha256:...`, from the image step's last line). It must be in the registry the image
   * step pushes to (`image.repository`'s host, any repository there): it is fetched with the image
   * step's registry settings (push Secret, `registryCa`, `insecureRegistry`), which belong to that registry.
   * @param reference `registry/repository:tag` or `registry/repository@sha256:digest`
   */
  public static image(reference: string): RollbackTarget {
    return new RollbackTarget(checkReference(reference));
  }

  /** The image reference, as given. */
  public readonly reference: string;
  /** Its registry host (with port), e.g. `registry.example.com`. */
  public readonly registry: string;

  private constructor(reference: string) {
    this.reference = reference;
    this.registry = reference.split('/')[0];
  }

  /**
   * Refuses an image in another registry than the one pushed to (`repository`'s host).
   * @internal
   */
  public _checkRegistry(repository: string): void {
    const pushedTo = repository.split('/')[0];
    if (pushedTo.toLowerCase() !== this.registry.toLowerCase()) {
      throw new Error(`rollbackTo image "${this.reference}" is in registry ${this.registry}, but the build pushes to ${pushedTo} (image.repository): `
        + `the earlier image is fetched with that registry's settings (push Secret, registryCa, insecureRegistry): give the earlier build's image in ${pushedTo}`);
    }
  }

  /**
   * The `rollback` init container: the check step's image, registry settings, mounts and
   * security, running fetch-rollback.sh on this reference (an env value, never shell text).
   * @internal
   */
  public _step(checkStep: k8s.Container): k8s.Container {
    return {
      ...checkStep,
      name: 'rollback',
      command: ['bash', `${BUILD_PATHS.build}/${ROLLBACK_SCRIPT}`],
      env: [
        ...(checkStep.env ?? []).filter(e => !CHECK_ONLY_ENV.has(e.name)),
        { name: BUILD_ENV.rollbackImage, value: this.reference },
      ],
    };
  }
}

/** The reference, checked: a repository with registry host, and a fixed tag or a digest. */
function checkReference(reference: string): string {
  const hint = 'give the earlier build\'s serving image as REPOSITORY:TAG (the tag its build Job pushed) or REPOSITORY@sha256:DIGEST, '
    + 'e.g. registry.example.com/mini-mirror:0123456789abcdef0123';
  if (typeof reference !== 'string') throw new Error(`rollbackTo image must be a string: ${hint}`);
  const digest = /^(.+)@sha256:[0-9a-f]{64}$/.exec(reference);
  const tagged = /^(.+\/[^/:]+):([^/:]+)$/.exec(reference);
  const repository = digest?.[1] ?? tagged?.[1];
  if (repository === undefined || !IMAGE_REPOSITORY.test(repository) || (!digest && !OCI_TAG.test(tagged![2]))) {
    throw new Error(`rollbackTo image ${JSON.stringify(reference)} is not an image reference with its tag or digest: ${hint}`);
  }
  if (!digest && tagged![2].toLowerCase() === 'latest') {
    throw new Error(`rollbackTo image "${reference}" names the tag "latest", a moving name: ${hint}`);
  }
  return reference;
}
