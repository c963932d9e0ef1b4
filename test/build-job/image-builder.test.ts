import { ImageBuilder, RegistryCa } from '../../src';
import { errorOf } from '../support/tree';

// One class per variant type (CONTRIBUTING.md, "Variant types"): the factories pick a kind, the
// internal methods the build Job calls follow it.
describe('ImageBuilder', () => {
  test.each([
    ['skopeo', ImageBuilder.skopeo(), ['bake-image-oci.sh', 'skopeo-policy.json'], false],
    ['crane', ImageBuilder.crane(), ['bake-image.sh'], true],
    ['kaniko', ImageBuilder.kaniko(), ['Dockerfile'], true],
  ])('%s: one class, its own files and image step', (kind, builder, files, hasTools) => {
    expect(builder.constructor).toBe(ImageBuilder);
    expect(builder.kind).toBe(kind);
    expect(builder.imageHasTools).toBe(hasTools);
    expect(Object.keys(builder._files().files)).toEqual(files);
    expect(builder._files().images).toEqual([kind, builder.image, builder.baseImage]);
  });

  test('kaniko writes its Dockerfile from the base image', () => {
    const builder = ImageBuilder.kaniko({ baseImage: 'registry.example.com/nginx:1' });
    expect(builder._files().files.Dockerfile).toMatch(/^FROM registry\.example\.com\/nginx:1\n/);
  });

  test('only skopeo takes the registry options and the builder image', () => {
    const registryCa = RegistryCa.fromConfigMap('registry-ca');
    expect(() => ImageBuilder.skopeo()._checkImage({ repository: 'registry.example.com/m', registryCa })).not.toThrow();
    expect(errorOf(() => ImageBuilder.crane()._checkImage({ repository: 'registry.example.com/m', insecureRegistry: true })))
      .toBe('image.insecureRegistry is supported by ImageBuilder.skopeo() only, not crane: use ImageBuilder.skopeo(), or a registry with a trusted TLS certificate');
    expect(errorOf(() => ImageBuilder.kaniko()._checkImage({ repository: 'registry.example.com/m', registryCa })))
      .toBe('image.registryCa is supported by ImageBuilder.skopeo() only, not kaniko: use ImageBuilder.skopeo()');
    const crane = ImageBuilder.crane();
    expect(crane._withBuilderImage('registry.example.com/tools:1')).toBe(crane);
    const skopeo = ImageBuilder.skopeo()._withBuilderImage('registry.example.com/tools:1');
    expect([skopeo.constructor, skopeo.kind, skopeo.image, skopeo.imageHasTools]).toEqual([ImageBuilder, 'skopeo', 'registry.example.com/tools:1', true]);
  });

  test('a kind the factories do not make is refused when constructed, not inside synth', () => {
    // Only plain JavaScript reaches the private constructor.
    const Unchecked = ImageBuilder as unknown as new (...args: unknown[]) => ImageBuilder;
    expect(errorOf(() => new Unchecked('buildah', 'registry.example.com/x:1', 'registry.example.com/y:1', true)))
      .toBe('image builder kind "buildah" is not known: use ImageBuilder.skopeo(), crane() or kaniko()');
    expect(errorOf(() => new Unchecked('toString', 'registry.example.com/x:1', 'registry.example.com/y:1', true))).toMatch(/kind "toString" is not known/);
  });
});
