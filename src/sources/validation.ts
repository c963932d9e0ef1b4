import { hasUserinfo, redactUrl } from '../util/redact';

/**
 * Validators shared by typed props and both loaders. Each returns an error message
 * (lowercase, says what to do) or undefined when the value is fine.
 */

/** Debian's architecture names (dpkg-architecture -L, plus `all` and `source`). */
export const DEBIAN_ARCHITECTURES: ReadonlySet<string> = new Set([
  'all', 'source', 'amd64', 'arm64', 'armel', 'armhf', 'i386', 'mips64el', 'mipsel', 'ppc64el',
  'riscv64', 's390x', 'loong64', 'alpha', 'arc', 'hppa', 'ia64', 'm68k', 'powerpc', 'ppc64',
  'sh4', 'sparc64', 'x32', 'hurd-i386', 'hurd-amd64', 'kfreebsd-amd64', 'kfreebsd-i386',
]);

/** Names at the tree root that the build writes itself; a prefix must not shadow them. */
const RESERVED_PREFIXES = new Set(['manifest.json', 'mirror-key.asc', 'healthz']);

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SUITE = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const COMPONENT = /^[a-z0-9][a-z0-9._+-]*$/;
const suiteRule = "must start with a letter or digit and contain only letters, digits, '.', '_', '+' and '-'";
const FINGERPRINT = /^(?:[0-9A-F]{40}|[0-9A-F]{64})$/;
const FLAT_DIRECTORY = /^(?:[A-Za-z0-9_+-][A-Za-z0-9._+-]*\/)+$/;
const WORLD = /^[a-z0-9][a-z0-9.+-]*$/;

export function checkPathSegment(kind: 'prefix' | 'name', value: string): string | undefined {
  if (!value) return `${kind} is empty: give a single path segment such as "debian"`;
  if (!SEGMENT.test(value) || value.length > 63) {
    return `${kind} "${value}" must be one path segment of at most 63 letters, digits, '.', '_' or '-', starting with a letter or digit`;
  }
  if (kind === 'prefix' && RESERVED_PREFIXES.has(value)) {
    return `prefix "${value}" is reserved for a file the mirror serves at its root: choose another prefix`;
  }
  return undefined;
}

function credentialsProblem(kind: string, shown: string): string {
  return `${kind} "${shown}" contains credentials (user:password@ or token@), which would be stored in a ConfigMap and published in manifest.json: `
    + 'the build cannot pass upstream credentials from a Secret, so mirror an upstream (or use a proxy) that needs none';
}

export function checkUrl(kind: 'url' | 'key url' | 'previousManifest url', value: string): string | undefined {
  if (!value) return `${kind} is empty`;
  // Never echo a refused URL's userinfo, query or fragment: they are where tokens hide.
  const shown = redactUrl(value);
  // Before parsing: a password holding '/', '?' or '#' makes the URL unparsable or moves the '@'.
  if (hasUserinfo(value)) return credentialsProblem(kind, shown);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${kind} "${shown}" is not a valid URL: give an absolute http:// or https:// URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `${kind} "${shown}" must use http or https, not ${url.protocol.replace(/:$/, '')}`;
  }
  if (url.username || url.password) return credentialsProblem(kind, shown);
  if (url.search || value.includes('?')) {
    return `${kind} "${shown}" has a query string, which APT repository and key URLs never need and which often carries a token `
      + '(it would be stored in a ConfigMap and published in manifest.json): remove it';
  }
  if (url.hash || value.includes('#')) return `${kind} "${shown}" contains a fragment (#...): remove it`;
  if (/[\s"'`\\]/.test(value)) return `${kind} "${shown}" contains whitespace, quotes or backslashes: give a plain URL`;
  return undefined;
}

/** A flat repository's "distribution": `./` or a directory below the URL, ending in '/'. */
export function isFlatDistribution(value: string): boolean {
  return value.endsWith('/');
}

export function checkDistribution(value: string): string | undefined {
  if (!value) return 'distribution is empty: give a suite or codename such as "bookworm", or "./" for a flat repository';
  if (isFlatDistribution(value)) {
    if (value === './' || (FLAT_DIRECTORY.test(value) && !value.split('/').includes('..'))) return undefined;
    return `flat repository directory "${value}" must be "./" or a relative directory such as "stable/" (letters, digits, '.', '_', '+', '-' and '/', ending in '/', no leading '/' and no "..")`;
  }
  if (value.includes('/')) {
    const [suite, ...rest] = value.split('/');
    return `distribution "${value}" contains '/', which aptly cannot publish: write the suite "${suite}" and put "${rest.join('/')}" into the components without the "${suite}/" part, or end it with '/' for a flat repository`;
  }
  if (!SUITE.test(value)) return `distribution "${value}" ${suiteRule}`;
  return undefined;
}

/** The name a source is published under (`<prefix>/dists/<name>`). */
export function checkPublishDistribution(value: string): string | undefined {
  if (!SUITE.test(value)) return `publish distribution "${value}" ${suiteRule} (e.g. "stable")`;
  return undefined;
}

/** A dependency world's name. */
export function checkWorldName(value: string): string | undefined {
  if (WORLD.test(value) && value.length <= 63) return undefined;
  return `world "${value}" must be at most 63 lowercase letters, digits, '.', '+' and '-', starting with a letter or digit (e.g. "bookworm")`;
}

export function checkComponent(value: string): string | undefined {
  if (!COMPONENT.test(value)) {
    return `component "${value}" must start with a lowercase letter or digit and contain only lowercase letters, digits, '.', '_', '+' and '-' (e.g. "main", "non-free-firmware")`;
  }
  return undefined;
}

export function checkArchitecture(value: string): string | undefined {
  if (value === 'all') {
    return '"all" is not a client architecture: arch:all packages are mirrored with every architecture; list the architectures of your clients, e.g. amd64';
  }
  if (value === 'source') {
    return '"source" is not a client architecture: set downloadSourcePackages in the aptly config to mirror source packages';
  }
  if (!DEBIAN_ARCHITECTURES.has(value)) {
    return `architecture "${value}" is not a Debian architecture: use one of amd64, arm64, armhf, i386, ppc64el, s390x, riscv64, ...`;
  }
  return undefined;
}

/** Upper-case, spaces removed; undefined for anything that is not a v4 or v6 fingerprint. */
export function normalizeFingerprint(value: string): string | undefined {
  const fpr = value.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase();
  return FINGERPRINT.test(fpr) ? fpr : undefined;
}

export function checkFingerprint(value: string): string | undefined {
  if (normalizeFingerprint(value)) return undefined;
  const compact = value.replace(/\s+/g, '').replace(/^0x/i, '');
  if (/^[0-9A-Fa-f]{8}$|^[0-9A-Fa-f]{16}$/.test(compact)) {
    return `"${value}" is a key ID, not a fingerprint: pin the full 40-character fingerprint (gpg --show-keys --with-fingerprint)`;
  }
  return `"${value}" is not an OpenPGP fingerprint: give 40 (v4) or 64 (v6) hex characters`;
}

/** Release-file field values (Origin, Label, Suite override): one printable line. */
export function checkReleaseField(kind: 'origin' | 'label' | 'suite', value: string): string | undefined {
  if (kind === 'suite') return SUITE.test(value) ? undefined : `suite "${value}" ${suiteRule}`;
  if (!value.trim() || /[\x00-\x1f\x7f]/.test(value) || value.length > 200) {
    return `${kind} must be one non-empty line of printable text (at most 200 characters)`;
  }
  return undefined;
}
