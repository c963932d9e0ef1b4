/**
 * Checks of option values, done before anything is loaded so that one run reports every bad
 * value with the option it came from. Each returns a message (lowercase, says what to do) or
 * undefined. The constructs check the same values again; these messages name the option.
 */

import { checkArchitecture } from '../sources/validation';
import { DATA_KEY, DNS_LABEL, IMAGE_REFERENCE, IMAGE_REPOSITORY, isSecretName } from '../util/k8s-names';
import { proxyValueProblem } from '../util/proxy-url';
import { redactUrl } from '../util/redact';

/** A namespace is a DNS-1123 label; it also ends up in the Service's DNS name. */
export function checkNamespace(value: string): string | undefined {
  if (DNS_LABEL.test(value) && value.length <= 63) return undefined;
  return `--namespace "${value}" is not a valid namespace: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. apt-mirror)`;
}

/** Objects are named `<name>-build-<hash>` and `<name>-server` (a Service: starts with a letter). */
export function checkName(value: string): string | undefined {
  if (DNS_LABEL.test(value) && /^[a-z]/.test(value) && value.length <= 30) return undefined;
  return `--name "${value}" is not a valid name: use at most 30 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit (e.g. mirror)`;
}

/** A Secret name is a DNS-1123 subdomain. */
export function checkSecretName(flag: string, value: string): string | undefined {
  if (isSecretName(value)) return undefined;
  return `--${flag} "${value}" is not a valid Secret name: use at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (e.g. mirror-signing)`;
}

/** A key in a Secret's data. */
export function checkSecretKey(flag: string, value: string): string | undefined {
  if (DATA_KEY.test(value)) return undefined;
  return `--${flag} "${value}" is not a valid Secret key: use at most 253 letters, digits, '-', '_' and '.' (e.g. passphrase)`;
}

/** An image flag (`--mirror-image`, `--builder-image`): a non-empty image reference. */
export function checkImageFlag(flag: string, value: string): string | undefined {
  if (value.trim() === '') return `--${flag} is empty: give an image reference such as registry.example.com/mini-mirror-builder:bookworm-1, or leave the option out for the default`;
  // `@` only before a digest: `user:token@registry/...` would put a credential into the YAML
  const credentials = /@(?!sha256:|sha512:)/.test(value);
  if (!IMAGE_REFERENCE.test(value) || value.includes('://') || credentials) return `--${flag} "${redactUrl(value)}" is not an image reference: give e.g. registry.example.com/mini-mirror-builder:bookworm-1`;
  return undefined;
}

/** A proxy flag: the variable's checks, named by the flag; the value is never echoed with a secret in it. */
export function checkProxyFlag(flag: string, variable: string, value: string): string | undefined {
  const problem = proxyValueProblem(variable, value);
  return problem && `--${flag}: ${problem}`;
}

export function checkImageRepository(value: string): string | undefined {
  if (IMAGE_REPOSITORY.test(value)) return undefined;
  return `--image "${redactUrl(value)}" is not a valid image repository: give a repository without tag or digest, e.g. registry.example.com/mini-mirror`;
}

/**
 * The mirror's architectures from `--architecture` values (repeatable, each may be a comma
 * list), in order without repeats; undefined when none is given (the default applies).
 */
export function architecturesFrom(values: readonly string[], problems: string[]): string[] | undefined {
  if (values.length === 0) return undefined;
  const out: string[] = [];
  for (const value of values) {
    const names = value.split(',').map(a => a.trim());
    if (names.some(a => a === '')) {
      problems.push(`--architecture "${value}" has an empty entry: give architectures such as amd64 or amd64,arm64`);
      continue;
    }
    for (const arch of names) {
      const problem = checkArchitecture(arch);
      if (problem) problems.push(`--architecture ${arch}: ${problem}`);
      else if (!out.includes(arch)) out.push(arch);
    }
  }
  return out;
}
