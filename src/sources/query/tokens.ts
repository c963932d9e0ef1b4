// aptly's query lexer (query/lex.go), with column positions for messages.

export enum Kind {
  Word,
  LeftParen,
  RightParen,
  LeftCurly,
  RightCurly,
  Or,
  And,
  Not,
  Operator,
  End,
}

export interface Token {
  readonly kind: Kind;
  /** The text as written (with quotes, for a quoted word). */
  readonly text: string;
  /** The decoded value of a word. */
  readonly value: string;
  /** 1-based column in the original query. */
  readonly column: number;
  readonly quoted: boolean;
}

/** A problem found while analysing; thrown internally, returned by `check`. */
export class Problem {
  constructor(public readonly column: number, public readonly message: string) {}
}

export const PUNCTUATION: Record<string, Kind> = {
  '(': Kind.LeftParen,
  ')': Kind.RightParen,
  '{': Kind.LeftCurly,
  '}': Kind.RightCurly,
  '|': Kind.Or,
  ',': Kind.And,
  '!': Kind.Not,
};

export const PUNCTUATION_CHARS = Object.keys(PUNCTUATION).join('');

export const SPACE = /\s/;
// A word runs to whitespace or punctuation; a backslash protects the next character.
export const WORD = /(?:\\[\s\S]|\\$|[^\s(){}|,!\\])+/y;

export function isSpace(char: string): boolean {
  return SPACE.test(char);
}

/**
 * Splits like aptly's lexer, with two differences that only make more
 * queries parse: '(' ends a word (aptly keeps it: `foo(>=1)` is an error
 * there), and outside quotes a backslash protects the next character.
 */
export function tokenize(input: string, start: number, end: number): Token[] {
  const tokens: Token[] = [];
  const line = input.slice(0, end);
  let i = start;
  const token = (kind: Kind, from: number, to: number, value?: string, quoted = false) => {
    const text = input.slice(from, to);
    tokens.push({ kind, text, value: value ?? text, column: from + 1, quoted });
  };
  while (i < end) {
    const char = input[i];
    if (isSpace(char)) {
      i++;
    } else if (PUNCTUATION_CHARS.includes(char)) {
      token(PUNCTUATION[char], i, i + 1);
      i++;
    } else if (char === '<' || char === '>') {
      const length = input[i + 1] === char || input[i + 1] === '=' ? 2 : 1;
      token(Kind.Operator, i, i + length);
      i += length;
    } else if (char === '=' || char === '%' || char === '~') {
      token(Kind.Operator, i, i + 1);
      i++;
    } else if (char === '"' || char === "'") {
      let value = '';
      let j = i + 1;
      while (j < end && input[j] !== char) {
        if (input[j] === '\\' && j + 1 < end) {
          j++;
        }
        value += input[j];
        j++;
      }
      if (j >= end) {
        throw new Problem(i + 1, `unterminated quote: add the closing ${char}`);
      }
      token(Kind.Word, i, j + 1, value, true);
      i = j + 1;
    } else {
      WORD.lastIndex = i;
      WORD.test(line);
      const j = WORD.lastIndex;
      token(Kind.Word, i, j);
      i = j;
    }
  }
  tokens.push({ kind: Kind.End, text: '', value: '', column: end + 1, quoted: false });
  return tokens;
}
