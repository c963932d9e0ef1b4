/**
 * A URL without userinfo, query or fragment: what a served manifest records and messages show
 * (a source URL may carry credentials or a token).
 */
export function publicUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    const text = u.toString();
    // URL adds a '/' to a bare origin: keep the given form so equal URLs stay equal.
    return text.endsWith('/') && !url.endsWith('/') ? text.slice(0, -1) : text;
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//').replace(/[?#].*$/, '');
  }
}
