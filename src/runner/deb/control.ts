// deb822 control data (Packages and Release files): paragraphs of `Field: value` lines.

/** One paragraph: field names as written (case kept), values with continuation lines joined by '\n'. */
export type Paragraph = Map<string, string>;

/** Splits a control file into paragraphs. */
export function parseParagraphs(text: string): Paragraph[] {
  const result: Paragraph[] = [];
  for (const block of text.split(/\n[ \t]*\n/)) {
    const p = parseParagraph(block);
    if (p.size) result.push(p);
  }
  return result;
}

export function parseParagraph(block: string): Paragraph {
  const fields: Paragraph = new Map();
  let last: string | undefined;
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if ((line[0] === ' ' || line[0] === '\t') && last !== undefined) {
      fields.set(last, fields.get(last) + '\n' + line.trim());
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon);
    fields.set(last, line.slice(colon + 1).trim());
  }
  return fields;
}

/** A field by name, case-insensitively (deb822 field names are case-insensitive). */
export function field(p: Paragraph, name: string): string | undefined {
  const exact = p.get(name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  for (const [k, v] of p) if (k.toLowerCase() === lower) return v;
  return undefined;
}
