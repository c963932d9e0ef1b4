// What an air-gapped cluster must pull: every image the synthesized YAML names. Printed by
// `synth --prebuilt`, with a warning for each image outside the --image's registry, which an
// air-gapped cluster cannot reach (set it with the flag the warning names).
import * as fs from 'fs';
import * as YAML from 'yaml';

/** An image the YAML names, and the component (`app.kubernetes.io/component`) whose pods run it. */
export interface NamedImage {
  readonly image: string;
  readonly component?: string;
}

/** The images of every container and init container in the YAML file, in order, without repeats. */
export function imagesOf(file: string): NamedImage[] {
  const images: NamedImage[] = [];
  const walk = (node: unknown, component: string | undefined): void => {
    if (Array.isArray(node)) return node.forEach(n => walk(n, component));
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) {
        for (const c of value) if (typeof c?.image === 'string' && !images.some(i => i.image === c.image)) images.push({ image: c.image, component });
      } else {
        walk(value, component);
      }
    }
  };
  for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
    const object = doc.toJSON();
    walk(object, object?.metadata?.labels?.['app.kubernetes.io/component']);
  }
  return images;
}

/** The registry host of an image reference (Docker's rule: a first component with '.' or ':', or localhost). */
export function registryOf(image: string): string {
  const first = image.split('/')[0];
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

/** The report lines: each image, then a warning per image from another registry than `repository`'s. */
export function imageReport(images: readonly NamedImage[], repository: string): string[] {
  const home = registryOf(repository);
  const lines = [`images the YAML names (the cluster pulls them from their registries): ${images.map(i => i.image).join(', ')}`];
  for (const { image, component } of images.filter(i => registryOf(i.image) !== home)) {
    const flag = component ? FLAG_OF_COMPONENT[component] : undefined;
    lines.push(`warning: ${image} is not in ${home} (the --image registry): an air-gapped cluster cannot pull it; copy it there and give ${flag ?? 'its option'} the copy`);
  }
  return lines;
}

/** The option that sets the image of each component's pods. */
const FLAG_OF_COMPONENT: { readonly [component: string]: string } = {
  'smoke-test': '--smoke-test-image',
  'server': '--image',
  'build': '--builder-image',
};
