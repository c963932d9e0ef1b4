// URLs in error messages without the secrets they may carry: user input that was refused for
// holding credentials must not print them (CI logs, terminals, issue reports).

/**
 * `value` with its userinfo, query and fragment replaced by `***`: `http://***@host:3128`,
 * `https://host/path?***`. Works on strings that are no valid URL too (`user:pass@host:3128`).
 */
export function redactUrl(value: string): string {
  return value
    // userinfo: up to the LAST '@', with or without a scheme (a password may hold '/', '?' or '#')
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^]*@/i, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`)
    .replace(/\?[^#]*/, '?***')
    .replace(/#.*$/s, '#***');
}

/**
 * Whether `value` may carry userinfo (`user:pass@`, `token@`), with or without a scheme: any '@'
 * counts, since a password may hold '/', '?' or '#' and so hide the '@' from a URL parser's
 * authority (APT repository, key and proxy URLs have no '@' otherwise).
 */
export function hasUserinfo(value: string): boolean {
  return value.includes('@');
}
