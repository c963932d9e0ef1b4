import { ImageBuilderFiles, ImageStepBinding, ImageStepContext } from './build-steps';
import { BuilderKind, builderKind, ImageBuilderKind } from './image-builder-kinds';
import { MirrorImageOptions } from './mirror-image-options';
import { checkImageReference } from '../util/k8s-names';

/**
 * Options for `ImageBuilder.crane()`.
 */
export interface CraneImageBuilderOptions {
  /**
   * Image with `crane` and a POSIX shell.
   * @default 'gcr.io/go-containerregistry/crane:debug'
   */
  readonly image?: string;
  /**
   * Serving base image the mirror tree is appended onto; must run nginx as a non-root user.
   * @default 'docker.io/nginxinc/nginx-unprivileged:1.27.3-bookworm'
   */
  readonly baseImage?: string;
}

/**
 * Options for `ImageBuilder.skopeo()`.
 */
export interface SkopeoImageBuilderOptions {
  /**
   * Debian (or Ubuntu) image of the image step. Without `skopeo` and `umoci` it installs them
   * with apt-get at start, as root.
   * @default 'docker.io/library/debian:bookworm-slim'
   */
  readonly image?: string;
  /**
   * The image already has `skopeo` and `umoci` (Debian packages `skopeo umoci`): run the step as
   * a non-root user with a read-only root filesystem instead of installing them as root.
   * @default false
   */
  readonly imageHasTools?: boolean;
  /**
   * Serving base image the mirror tree is added onto; must run nginx as a non-root user.
   * @default 'docker.io/nginxinc/nginx-unprivileged:1.27.3-bookworm'
   */
  readonly baseImage?: string;
}

/**
 * Options for `ImageBuilder.kaniko()`.
 */
export interface KanikoImageBuilderOptions {
  /**
   * Kaniko executor image.
   * @default 'gcr.io/kaniko-project/executor:v1.23.2'
   */
  readonly image?: string;
  /**
   * Serving base image (the generated Dockerfile's `FROM`).
   * @default 'docker.io/nginxinc/nginx-unprivileged:1.27.3-bookworm'
   */
  readonly baseImage?: string;
}

/** The stock Debian image the mirror and skopeo steps install their tools into (without `builderImage`). */
export const DEFAULT_TOOLS_IMAGE = 'docker.io/library/debian:bookworm-slim';

/** The serving base image of every builder (nginx as a non-root user). */
export const DEFAULT_SERVING_BASE = 'docker.io/nginxinc/nginx-unprivileged:1.27.3-bookworm';

/**
 * How the build Job turns the published tree into the serving image.
 *
 * @example
 * ImageBuilder.skopeo();                                  // default: umoci adds a layer, skopeo pushes once
 * ImageBuilder.crane();                                   // append a layer with crane, no root
 * ImageBuilder.kaniko({ baseImage: 'registry.example.com/nginx-unprivileged:1.27' });
 */
export class ImageBuilder {
  /**
   * The default. Copy the base image with `skopeo`, add the tree with `umoci raw add-layer`
   * (no Dockerfile, nothing executed from the base, no root): the pool files in up to 64 layers by a
   * hash of their path, the same in every build that has the same files, so a registry that holds
   * the previous build receives only the changed layers; the indexes in a small top layer. Label it with the
   * build identity and push it with `skopeo`, but only if the tag does not exist yet: a tag that
   * holds this build is left as it is (the Job succeeds), one that holds another build fails the
   * Job. Both tools are Debian packages.
   * @example ImageBuilder.skopeo({ image: 'registry.example.com/oci-tools:bookworm', imageHasTools: true })
   */
  public static skopeo(options: SkopeoImageBuilderOptions = {}): ImageBuilder {
    return new ImageBuilder('skopeo', options.image ?? DEFAULT_TOOLS_IMAGE, options.baseImage ?? DEFAULT_SERVING_BASE, options.imageHasTools ?? false);
  }

  /**
   * Append the tree as one layer onto the base image with `crane append`: no Dockerfile,
   * no RUN, no root, nothing executed from the base image. It overwrites an existing tag: use
   * `skopeo()` for write-once tags.
   * @example ImageBuilder.crane({ baseImage: 'registry.example.com/nginx-unprivileged:1.27.3' })
   */
  public static crane(options: CraneImageBuilderOptions = {}): ImageBuilder {
    return new ImageBuilder('crane', options.image ?? 'gcr.io/go-containerregistry/crane:debug', options.baseImage ?? DEFAULT_SERVING_BASE, true);
  }

  /**
   * Build with Kaniko from a generated Dockerfile (`FROM base` + `COPY`). Kaniko runs as root
   * and overwrites an existing tag: use `skopeo()` for write-once tags.
   * @example ImageBuilder.kaniko()
   */
  public static kaniko(options: KanikoImageBuilderOptions = {}): ImageBuilder {
    return new ImageBuilder('kaniko', options.image ?? 'gcr.io/kaniko-project/executor:v1.23.2', options.baseImage ?? DEFAULT_SERVING_BASE, true);
  }

  /** `skopeo`, `crane` or `kaniko`. */
  public readonly kind: string;
  /** The builder's image has its tools (else the step installs them as root). */
  public readonly imageHasTools: boolean;
  /** The builder's own image. */
  public readonly image: string;
  /** The serving base image. */
  public readonly baseImage: string;
  /** What this kind does (image-builder-kinds.ts). */
  private readonly behaviour: BuilderKind;

  /** Made by the static factories only (CONTRIBUTING.md, "Variant types"). */
  private constructor(kind: ImageBuilderKind, image: string, baseImage: string, imageHasTools: boolean) {
    this.behaviour = builderKind(kind);
    checkImageReference(image);
    checkImageReference(baseImage);
    this.kind = kind;
    this.imageHasTools = imageHasTools;
    this.image = image;
    this.baseImage = baseImage;
  }

  /**
   * Refuses image options this builder cannot honour. Only skopeo reaches an insecure registry
   * or one signed by a private CA.
   * @internal
   */
  public _checkImage(image: MirrorImageOptions): void {
    this.behaviour.checkImage(this, image);
  }

  /**
   * This builder with `builderImage` (the prepared image with every tool), which only skopeo
   * uses for its own step.
   * @internal
   */
  public _withBuilderImage(builderImage: string): ImageBuilder {
    if (this.kind !== 'skopeo') return this;
    if (this.image !== DEFAULT_TOOLS_IMAGE && this.image !== builderImage) {
      throw new Error(`builderImage and ImageBuilder.skopeo({ image: '${this.image}' }) are both set, but builderImage is the image step's image too: give one of them`);
    }
    return new ImageBuilder('skopeo', builderImage, this.baseImage, true);
  }

  /** Entries of the build ConfigMap, of the content hash, and the images the hash covers. @internal */
  public _files(): ImageBuilderFiles {
    return this.behaviour.files(this);
  }

  /** The image step (and the check step before the mirror step, if any). @internal */
  public _bind(context: ImageStepContext): ImageStepBinding {
    return this.behaviour.bind(this, context);
  }
}
