// The seed's line-based text files: their meaningful lines, and `source.txt` — read here and
// written here, nowhere else.
import { Problem } from '../problems';
import { isFlatDistribution } from '../validation';

/** The non-blank lines of a seed text file without `#` comments, trimmed, with where each is. */
export interface Lines {
  readonly texts: string[];
  /** 1-based line number of each entry of `texts`. */
  readonly lineNumbers: number[];
  /** 1-based column where each entry of `texts` starts. */
  readonly columns: number[];
}

// A file without comments, blank lines, indentation or trailing blanks is split as it is: a
// packages.txt of thousands of lines then costs no per-line work here.
const UNTIDY = /#|\r|^\s|\s$|\n\s|\s\n/;

/** Non-blank lines without `#` comments (a `#` at the start or after whitespace starts one). */
export function meaningfulLines(text: string): Lines {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (body && !UNTIDY.test(body)) {
    const texts = body.split('\n');
    return { texts, lineNumbers: texts.map((_, i) => i + 1), columns: texts.map(() => 1) };
  }
  const lines: Lines = { texts: [], lineNumbers: [], columns: [] };
  text.split(/\r?\n/).forEach((raw, i) => {
    const withoutComment = raw.replace(/(^|\s)#.*$/, '$1');
    const trimmed = withoutComment.trim();
    if (!trimmed) return;
    lines.texts.push(trimmed);
    lines.lineNumbers.push(i + 1);
    lines.columns.push(withoutComment.indexOf(trimmed) + 1);
  });
  return lines;
}

/** A word of a line and its 1-based column. */
export interface Token {
  readonly text: string;
  readonly column: number;
}

/** A `source.txt` as read: its words (`url key_url dist component...`) and their line. */
export interface SourceLine {
  readonly tokens: Token[];
  /** 1-based line of the words (1 when there are none) */
  readonly line: number;
  /** whether it has every word a source needs */
  readonly complete: boolean;
}

/**
 * Reads `source.txt`: exactly one line `url key_url dist component...` (`url key_url ./` when
 * flat); `url dist component...` when the key is a file next to it (`keyFile`).
 */
export function parseSourceTxt(text: string, file: string, problems: Problem[], keyFile?: string): SourceLine {
  const words = keyFile ? ['url', 'dist', 'component'] : ['url', 'key_url', 'dist', 'component'];
  const form = keyFile ? `"url dist component [component...]" (the key is ${keyFile})` : '"url key_url dist component [component...]"';
  const lines = meaningfulLines(text);
  if (lines.texts.length === 0) {
    problems.push({ file, line: 1, message: `empty source.txt: write one line ${form}` });
    return { tokens: [], line: 1, complete: false };
  }
  const line = lines.lineNumbers[0];
  for (const extra of lines.lineNumbers.slice(1)) {
    problems.push({ file, line: extra, message: 'second non-empty line: source.txt holds one line; put another distribution in its own <prefix>/<name>/ directory' });
  }
  const tokens = splitTokens(lines.texts[0], lines.columns[0]);
  // A flat repository's line has no components: `url key_url ./`.
  const dist = words.indexOf('dist');
  const minimum = tokens[dist] && isFlatDistribution(tokens[dist].text) ? words.length - 1 : words.length;
  if (tokens.length < minimum) {
    const missing = words.slice(tokens.length).join(', ');
    problems.push({ file, line, message: `missing ${missing}: expected ${form}, or "${words.slice(0, -2).join(' ')} ./" for a flat repository` });
  }
  return { tokens, line, complete: tokens.length >= minimum };
}

/**
 * The `source.txt` of a source: `url key_url dist component...` (`url key_url ./` when flat);
 * without key_url when the key is a file next to it (key.asc, key.gpg).
 */
export function formatSourceTxt(s: { url: string; keyUrl?: string; distribution: string; components: readonly string[] }): string {
  return [s.url, ...(s.keyUrl ? [s.keyUrl] : []), s.distribution, ...s.components].join(' ') + '\n';
}

function splitTokens(text: string, column: number): Token[] {
  const out: Token[] = [];
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) out.push({ text: m[0], column: column + m.index });
  return out;
}
