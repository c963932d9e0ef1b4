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

export const DEFAULT_SERVING_BASE = 'docker.io/nginxinc/nginx-unprivileged:1.27.3-bookworm';

/**
 * How the build Job turns the published tree into the serving image.
 *
 * @example
 * ImageBuilder.crane();                                   // default: append a layer, no root
 * ImageBuilder.kaniko({ baseImage: 'registry.example.com/nginx-unprivileged:1.27' });
 */
export class ImageBuilder {
  /**
   * Append the tree as one layer onto the base image with `crane append`: no Dockerfile,
   * no RUN, no root, nothing executed from the base image.
   * @example ImageBuilder.crane({ baseImage: 'registry.example.com/nginx-unprivileged:1.27.3' })
   */
  public static crane(options: CraneImageBuilderOptions = {}): ImageBuilder {
    return new ImageBuilder('crane', options.image ?? 'gcr.io/go-containerregistry/crane:debug', options.baseImage ?? DEFAULT_SERVING_BASE);
  }

  /**
   * Build with Kaniko from a generated Dockerfile (`FROM base` + `COPY`). Kaniko runs as root.
   * @example ImageBuilder.kaniko()
   */
  public static kaniko(options: KanikoImageBuilderOptions = {}): ImageBuilder {
    return new ImageBuilder('kaniko', options.image ?? 'gcr.io/kaniko-project/executor:v1.23.2', options.baseImage ?? DEFAULT_SERVING_BASE);
  }

  /** `crane` or `kaniko`. */
  public readonly kind: string;
  /** The builder's own image. */
  public readonly image: string;
  /** The serving base image. */
  public readonly baseImage: string;

  private constructor(kind: string, image: string, baseImage: string) {
    for (const ref of [image, baseImage]) {
      if (!/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(ref)) throw new Error(`"${ref}" is not a valid image reference`);
    }
    this.kind = kind;
    this.image = image;
    this.baseImage = baseImage;
  }
}
