// Variant classes not yet made one class (ImageBuilder, ReleaseSigning): abstract bases whose internal
// methods (`_bind`, ...) the constructs call. jsii exposes their protected constructors, so a
// subclass elsewhere would compile and then fail deep inside synth; it fails here instead.

/** Throws unless `target` (a constructor's `new.target`) is one of the library's own variants. */
export function refuseForeignSubclass(target: Function, variants: readonly Function[], base: string, factories: string): void {
  if (!variants.includes(target)) {
    throw new Error(`${base} cannot be subclassed (the build calls internal methods of its own variants): use ${factories}`);
  }
}
