import { RegistryCa } from './registry-ca';

/**
 * The serving image the build Job pushes and the Deployment runs.
 */
export interface MirrorImageOptions {
  /**
   * Repository to push to and pull from.
   * @example 'registry.example.com/mini-mirror'
   */
  readonly repository: string;
  /**
   * Tag. Written once: the image step never pushes different content under an existing tag
   * (a tag that already holds this build is left as it is; one that holds another build fails
   * the Job). An OCI tag (`[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`), never `latest`.
   * @default - the first 20 hex digits of the build identity (the build's inputs and
   * `refreshEpoch`), so a change of either builds a new image
   */
  readonly tag?: string;
  /**
   * Digest of the serving image (`sha256:` and 64 hex digits), from the last line of the image
   * step or of `mini-mirror build` (`image: <repository>@sha256:...`). The Deployment then runs
   * `<repository>@<digest>`, so every replica serves the same tree whatever the tag holds; the tag
   * is kept in the pods' `mini-mirror/image-tag` annotation.
   * @default - the Deployment runs `<repository>:<tag>` with `imagePullPolicy: Always`
   */
  readonly digest?: string;
  /**
   * Secret of type `kubernetes.io/dockerconfigjson` with push credentials for the image step.
   * @default - push without credentials
   */
  readonly pushSecretName?: string;
  /**
   * Secret with pull credentials for the serving pods (`imagePullSecrets`).
   * @default - none
   */
  readonly pullSecretName?: string;
  /**
   * The image step reaches the registries (the pushed repository's and the base image's) over
   * plain HTTP or without verifying TLS certificates. Only for a registry on a trusted network
   * (e.g. a test registry on 127.0.0.1); the Job is annotated with a warning. Only
   * `ImageBuilder.skopeo()` supports it.
   * @default false
   */
  readonly insecureRegistry?: boolean;
  /**
   * CA certificate(s) of the registry's TLS certificate, for a registry signed by a private CA:
   * mounted into the `check` and `image` steps and given to skopeo (`--cert-dir`, in addition to
   * the system CAs). Only `ImageBuilder.skopeo()` supports it. The serving pods' pull is done by
   * the nodes' container runtime, which must trust the same CA (README, "The registry").
   * @default - the image step's system CAs only
   */
  readonly registryCa?: RegistryCa;
}
