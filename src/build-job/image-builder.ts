import { ImageBuilderFiles, ImageStepBinding, ImageStepContext } from './build-steps';
import { craneSteps, kanikoSteps, skopeoSteps } from './image-steps';
import { MirrorImageOptions } from './mirror-image-options';
import { SERVING_ROOT } from './paths';
import { readAsset } from '../util/assets';
import { checkImageReference } from '../util/k8s-names';
import { refuseForeignSubclass } from '../util/variants';

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
export abstract class ImageBuilder {
  /**
   * The default. Copy the base image with `skopeo`, add the tree as one layer with
   * `umoci insert --rootless` (no Dockerfile, nothing executed from the base), label it with the
   * build identity and push it with `skopeo`, but only if the tag does not exist yet: a tag that
   * holds this build is left as it is (the Job succeeds), one that holds another build fails the
   * Job. Both tools are Debian packages.
   * @example ImageBuilder.skopeo({ image: 'registry.example.com/oci-tools:bookworm', imageHasTools: true })
   */
  public static skopeo(options: SkopeoImageBuilderOptions = {}): ImageBuilder {
    return new SkopeoImageBuilder(options.image ?? DEFAULT_TOOLS_IMAGE, options.baseImage ?? DEFAULT_SERVING_BASE, options.imageHasTools ?? false);
  }

  /**
   * Append the tree as one layer onto the base image with `crane append`: no Dockerfile,
   * no RUN, no root, nothing executed from the base image. It overwrites an existing tag: use
   * `skopeo()` for write-once tags.
   * @example ImageBuilder.crane({ baseImage: 'registry.example.com/nginx-unprivileged:1.27.3' })
   */
  public static crane(options: CraneImageBuilderOptions = {}): ImageBuilder {
    return new CraneImageBuilder(options.image ?? 'gcr.io/go-containerregistry/crane:debug', options.baseImage ?? DEFAULT_SERVING_BASE);
  }

  /**
   * Build with Kaniko from a generated Dockerfile (`FROM base` + `COPY`). Kaniko runs as root
   * and overwrites an existing tag: use `skopeo()` for write-once tags.
   * @example ImageBuilder.kaniko()
   */
  public static kaniko(options: KanikoImageBuilderOptions = {}): ImageBuilder {
    return new KanikoImageBuilder(options.image ?? 'gcr.io/kaniko-project/executor:v1.23.2', options.baseImage ?? DEFAULT_SERVING_BASE);
  }

  /** `skopeo`, `crane` or `kaniko`. */
  public readonly kind: string;
  /** The builder's image has its tools (else the step installs them as root). */
  public readonly imageHasTools: boolean;
  /** The builder's own image. */
  public readonly image: string;
  /** The serving base image. */
  public readonly baseImage: string;

  /**
   * Only for this library's own variants, which the static factories make: BuildJob calls
   * internal methods a subclass elsewhere could not implement, so other subclasses are refused.
   */
  protected constructor(kind: string, image: string, baseImage: string, imageHasTools: boolean) {
    refuseForeignSubclass(new.target, [SkopeoImageBuilder, CraneImageBuilder, KanikoImageBuilder], 'ImageBuilder', 'ImageBuilder.skopeo(), crane() or kaniko()');
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
    if (image.insecureRegistry) {
      throw new Error(`image.insecureRegistry is supported by ImageBuilder.skopeo() only, not ${this.kind}: use ImageBuilder.skopeo(), or a registry with a trusted TLS certificate`);
    }
    if (image.registryCa) {
      throw new Error(`image.registryCa is supported by ImageBuilder.skopeo() only, not ${this.kind}: use ImageBuilder.skopeo()`);
    }
  }

  /**
   * This builder with `builderImage` (the prepared image with every tool), which only skopeo
   * uses for its own step.
   * @internal
   */
  public _withBuilderImage(_builderImage: string): ImageBuilder {
    return this;
  }

  /** Entries of the build ConfigMap, of the content hash, and the images the hash covers. @internal */
  public abstract _files(): ImageBuilderFiles;

  /** The image step (and the check step before the mirror step, if any). @internal */
  public abstract _bind(context: ImageStepContext): ImageStepBinding;
}

/** The names the content hash covers: which builder, with which images. */
function hashedImages(builder: ImageBuilder): string[] {
  return [builder.kind, builder.image, builder.baseImage];
}

/** skopeo + umoci: write-once tags, checked before the build. */
class SkopeoImageBuilder extends ImageBuilder {
  public constructor(image: string, baseImage: string, imageHasTools: boolean) {
    super('skopeo', image, baseImage, imageHasTools);
  }

  public _checkImage(image: MirrorImageOptions): void {
    if (image.registryCa && image.insecureRegistry) {
      throw new Error('image.registryCa and image.insecureRegistry are both set, but an insecure registry is reached without verifying certificates: keep registryCa and drop insecureRegistry');
    }
  }

  public _withBuilderImage(builderImage: string): ImageBuilder {
    if (this.image !== DEFAULT_TOOLS_IMAGE && this.image !== builderImage) {
      throw new Error(`builderImage and ImageBuilder.skopeo({ image: '${this.image}' }) are both set, but builderImage is the image step's image too: give one of them`);
    }
    return new SkopeoImageBuilder(builderImage, this.baseImage, true);
  }

  public _files(): ImageBuilderFiles {
    const bake = readAsset('bake-image-oci.sh');
    const skopeoPolicy = readAsset('skopeo-policy.json');
    return {
      files: { 'bake-image-oci.sh': bake, 'skopeo-policy.json': skopeoPolicy },
      hashed: { bake, skopeoPolicy },
      images: hashedImages(this),
    };
  }

  public _bind(context: ImageStepContext): ImageStepBinding {
    return skopeoSteps(this, context);
  }
}

/** `crane append`: no root. */
class CraneImageBuilder extends ImageBuilder {
  public constructor(image: string, baseImage: string) {
    super('crane', image, baseImage, true);
  }

  public _files(): ImageBuilderFiles {
    const bake = readAsset('bake-image.sh');
    return { files: { 'bake-image.sh': bake }, hashed: { bake }, images: hashedImages(this) };
  }

  public _bind(context: ImageStepContext): ImageStepBinding {
    return craneSteps(this, context);
  }
}

/** Kaniko from a generated Dockerfile, as root. */
class KanikoImageBuilder extends ImageBuilder {
  public constructor(image: string, baseImage: string) {
    super('kaniko', image, baseImage, true);
  }

  public _files(): ImageBuilderFiles {
    const dockerfile = `FROM ${this.baseImage}\nCOPY public/ ${SERVING_ROOT}/\n`;
    return { files: { Dockerfile: dockerfile }, hashed: { bake: dockerfile }, images: hashedImages(this) };
  }

  public _bind(context: ImageStepContext): ImageStepBinding {
    return kanikoSteps(this, context);
  }
}
