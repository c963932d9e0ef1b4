import { ImageBuilderFiles, ImageStepBinding, ImageStepContext } from './build-steps';
import { craneSteps, kanikoSteps, skopeoSteps } from './image-steps';
import { MirrorImageOptions } from './mirror-image-options';
import { SERVING_ROOT } from './paths';
import { readAsset } from '../util/assets';

// What differs between ImageBuilder's kinds, one entry per kind: the class (image-builder.ts)
// holds the data and calls these, so adding a kind is one entry here and one factory there.

/** The kinds of `ImageBuilder`. */
export type ImageBuilderKind = 'skopeo' | 'crane' | 'kaniko';

/** What a kind's functions read of the builder. */
export interface BuilderImages {
  readonly kind: string;
  readonly image: string;
  readonly baseImage: string;
  readonly imageHasTools: boolean;
}

/** One kind's behaviour. */
export interface BuilderKind {
  /** Refuses image options the kind cannot honour. */
  readonly checkImage: (builder: BuilderImages, image: MirrorImageOptions) => void;
  /** Entries of the build ConfigMap, of the content hash, and the images the hash covers. */
  readonly files: (builder: BuilderImages) => ImageBuilderFiles;
  /** The image step (and the check step before the mirror step, if any). */
  readonly bind: (builder: BuilderImages, context: ImageStepContext) => ImageStepBinding;
}

const BUILDER_KINDS: { readonly [kind in ImageBuilderKind]: BuilderKind } = {
  skopeo: { checkImage: checkSkopeoImage, files: skopeoFiles, bind: skopeoSteps },
  crane: { checkImage: refuseSkopeoOnlyOptions, files: craneFiles, bind: craneSteps },
  kaniko: { checkImage: refuseSkopeoOnlyOptions, files: kanikoFiles, bind: kanikoSteps },
};

/** The behaviour of `kind`; a kind without one (only plain JavaScript can pass it) is refused now, not deep inside synth. */
export function builderKind(kind: ImageBuilderKind): BuilderKind {
  if (!Object.prototype.hasOwnProperty.call(BUILDER_KINDS, kind)) {
    throw new Error(`image builder kind "${kind}" is not known: use ImageBuilder.skopeo(), crane() or kaniko()`);
  }
  return BUILDER_KINDS[kind];
}

/** Only skopeo reaches an insecure registry or one signed by a private CA. */
function refuseSkopeoOnlyOptions(builder: BuilderImages, image: MirrorImageOptions): void {
  if (image.insecureRegistry) {
    throw new Error(`image.insecureRegistry is supported by ImageBuilder.skopeo() only, not ${builder.kind}: use ImageBuilder.skopeo(), or a registry with a trusted TLS certificate`);
  }
  if (image.registryCa) {
    throw new Error(`image.registryCa is supported by ImageBuilder.skopeo() only, not ${builder.kind}: use ImageBuilder.skopeo()`);
  }
}

function checkSkopeoImage(_builder: BuilderImages, image: MirrorImageOptions): void {
  if (image.registryCa && image.insecureRegistry) {
    throw new Error('image.registryCa and image.insecureRegistry are both set, but an insecure registry is reached without verifying certificates: keep registryCa and drop insecureRegistry');
  }
}

/** The names the content hash covers: which builder, with which images. */
function hashedImages(builder: BuilderImages): string[] {
  return [builder.kind, builder.image, builder.baseImage];
}

/** skopeo + umoci: write-once tags, checked before the build. */
function skopeoFiles(builder: BuilderImages): ImageBuilderFiles {
  const bake = readAsset('bake-image-oci.sh');
  const skopeoPolicy = readAsset('skopeo-policy.json');
  return {
    files: { 'bake-image-oci.sh': bake, 'skopeo-policy.json': skopeoPolicy },
    hashed: { bake, skopeoPolicy },
    images: hashedImages(builder),
  };
}

/** `crane append`: no root. */
function craneFiles(builder: BuilderImages): ImageBuilderFiles {
  const bake = readAsset('bake-image.sh');
  return { files: { 'bake-image.sh': bake }, hashed: { bake }, images: hashedImages(builder) };
}

/** Kaniko from a generated Dockerfile, as root. */
function kanikoFiles(builder: BuilderImages): ImageBuilderFiles {
  const dockerfile = `FROM ${builder.baseImage}\nCOPY public/ ${SERVING_ROOT}/\n`;
  return { files: { Dockerfile: dockerfile }, hashed: { bake: dockerfile }, images: hashedImages(builder) };
}
