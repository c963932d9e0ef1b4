import { ImageBuilder, ReleaseSigning } from '../../src';

// The variant bases still abstract with protected constructors (jsii exposes them): a subclass
// outside the library is refused when constructed, not deep inside synth. One-class variants
// (RegistryCa, CONTRIBUTING.md "Variant types") have a private constructor and need no guard.
describe('variant classes refuse subclasses of their own', () => {
  test('ImageBuilder', () => {
    class Mine extends (ImageBuilder as any) {
      constructor() {
        super('mine', 'registry.example.com/x:1', 'registry.example.com/y:1', true);
      }
    }
    expect(() => new Mine()).toThrow('ImageBuilder cannot be subclassed (the build calls internal methods of its own variants): use ImageBuilder.skopeo(), crane() or kaniko()');
    expect(ImageBuilder.skopeo().kind).toBe('skopeo');
  });

  test('ReleaseSigning', () => {
    class Mine extends (ReleaseSigning as any) {}
    expect(() => new Mine()).toThrow(/^ReleaseSigning cannot be subclassed .*: use ReleaseSigning\.fromSecret\(\) or insecureUnsigned\(\)$/);
    expect(ReleaseSigning.insecureUnsigned().signed).toBe(false);
  });
});
