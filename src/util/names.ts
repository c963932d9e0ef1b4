import { DNS_LABEL } from './k8s-names';

/** Checks a base name that objects are named after (`<name>-build-<hash>` must stay <= 63). */
export function checkBaseName(name: string): string {
  if (!DNS_LABEL.test(name) || name.length > 30) {
    throw new Error(`name "${name}" must be a DNS label of at most 30 characters (lowercase letters, digits and '-'): set the name prop`);
  }
  return name;
}

/** Recommended Kubernetes labels for one part of a mirror. */
export function standardLabels(instance: string, component: string): { [key: string]: string } {
  return {
    'app.kubernetes.io/name': 'mini-mirror',
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/managed-by': 'cdk8s',
  };
}

/** Annotation put on every object of an unsigned mirror. */
export const INSECURE_ANNOTATION = 'mini-mirror/insecure';
export const INSECURE_WARNING = 'release files are NOT signed (ReleaseSigning.insecureUnsigned()): clients cannot verify this mirror; never use it in production';

/** Annotation on the build objects when the image step skips TLS verification. */
export const INSECURE_REGISTRY_ANNOTATION = 'mini-mirror/insecure-registry';
export const INSECURE_REGISTRY_WARNING = 'the image step reaches the registries over plain HTTP or without TLS verification (image.insecureRegistry): only for a registry on a trusted network';
