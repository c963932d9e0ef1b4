// URLs in error messages without the secrets they may carry: user input that was refused for
// holding credentials must not print them (CI logs, terminals, issue reports).

/**
 * `value` with its userinfo, query and fragment replaced by `***`: `http://***@host:3128`,
 * `https://host/path?***`. Works on strings that are no valid URL too (`user:pass@host:3128`).
 */
export function redactUrl(value: string): string {
  return value
    // userinfo: up to the last '@' before the path, with or without a scheme
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/?#\s]*@/i, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`)
    .replace(/\?[^#]*/, '?***')
    .replace(/#.*$/s, '#***');
}

/** Whether `value` carries userinfo (`user:pass@`, `token@`), with or without a scheme. */
export function hasUserinfo(value: string): boolean {
  return /^(?:[a-z][a-z0-9+.-]*:\/\/)?[^/?#\s]*@/i.test(value);
}
