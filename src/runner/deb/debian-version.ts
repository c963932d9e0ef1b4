// Debian version comparison (deb-version(7)), as dpkg, apt and aptly implement it.

function order(c: string): number {
  if (c === '~') return -1;
  if (/[0-9]/.test(c)) return 0;
  if (c === '') return 0;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !/[0-9]/.test(a[i])) || (j < b.length && !/[0-9]/.test(b[j]))) {
      const ac = order(i < a.length && !/[0-9]/.test(a[i]) ? a[i] : '');
      const bc = order(j < b.length && !/[0-9]/.test(b[j]) ? b[j] : '');
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (i < a.length && /[0-9]/.test(a[i]) && j < b.length && /[0-9]/.test(b[j])) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && /[0-9]/.test(a[i])) return 1;
    if (j < b.length && /[0-9]/.test(b[j])) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

function split(version: string): [number, string, string] {
  let epoch = 0;
  let rest = version;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    epoch = Number.parseInt(rest.slice(0, colon), 10) || 0;
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  return dash >= 0 ? [epoch, rest.slice(0, dash), rest.slice(dash + 1)] : [epoch, rest, ''];
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b`. */
export function compareVersions(a: string, b: string): number {
  const [ea, ua, ra] = split(a);
  const [eb, ub, rb] = split(b);
  if (ea !== eb) return ea - eb;
  return compareFragment(ua, ub) || compareFragment(ra, rb);
}

/** Whether `version` satisfies `op ref` (op: `=`, `>=`, `<=`, `>>`, `<<`, also the obsolete `<` and `>`). */
export function satisfiesVersion(version: string, op: string, ref: string): boolean {
  const r = compareVersions(version, ref);
  switch (op) {
    case '=': return r === 0;
    case '>=': return r >= 0;
    case '<=': case '<': return r <= 0;
    case '>>': return r > 0;
    case '<<': return r < 0;
    case '>': return r >= 0;
    default: return false;
  }
}
