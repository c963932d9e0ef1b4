// A key fetched over plain http authenticates nothing: anyone on the path serves their own key
// and signs their own Release with it. Such a key must be pinned, or the user says they accept it.

/** What decides whether a source's upstream key is authenticated. */
export interface KeyTrustFields {
  readonly keyUrl?: string;
  readonly keyFingerprints: readonly string[];
  readonly insecureKeyUrl?: boolean;
  readonly insecureSkipUpstreamVerification?: boolean;
}

/**
 * The problem with an unpinned `http://` key URL, or undefined: https, a pin, the opt-in
 * `insecureKeyUrl`, or no verification at all (then the key is not used).
 */
export function keyTrustProblem(s: KeyTrustFields): string | undefined {
  if (!s.keyUrl || !/^http:\/\//i.test(s.keyUrl)) return undefined;
  if (s.keyFingerprints.length > 0 || s.insecureKeyUrl || s.insecureSkipUpstreamVerification) return undefined;
  return `key url ${s.keyUrl} is not https and no key fingerprint is pinned: anyone on the path can replace the key; `
    + 'pin it (keyFingerprints) or set insecureKeyUrl';
}
