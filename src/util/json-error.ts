/**
 * Offset of the first syntax error in JSON text, or -1 when it is valid. Node's JSON.parse
 * does not always say where it failed; users need the line of their aptly.conf mistake.
 */
export function jsonErrorOffset(text: string): number {
  const scanner = new JsonScanner(text);
  try {
    scanner.value();
    scanner.ws();
    return scanner.i < text.length ? scanner.i : -1;
  } catch (e) {
    if (e instanceof JsonSyntaxError) return e.offset;
    throw e;
  }
}

class JsonSyntaxError extends Error {
  public constructor(public readonly offset: number) {
    super(`invalid JSON at offset ${offset}`);
  }
}

/** A recursive-descent reader that only finds where JSON text stops being JSON. */
class JsonScanner {
  /** the offset reached */
  public i = 0;

  public constructor(private readonly text: string) {}

  public ws(): void {
    while (this.i < this.text.length && ' \t\n\r'.includes(this.text[this.i])) this.i++;
  }

  public value(): void {
    this.ws();
    const c = this.text[this.i];
    if (c === '{') this.object();
    else if (c === '[') this.array();
    else if (c === '"') this.string();
    else if (c === 't') this.literal('true');
    else if (c === 'f') this.literal('false');
    else if (c === 'n') this.literal('null');
    else this.number();
  }

  private fail(): never {
    throw new JsonSyntaxError(this.i);
  }

  /** Whether the next character is `char` (consumed when it is). */
  private take(char: string): boolean {
    if (this.text[this.i] !== char) return false;
    this.i++;
    return true;
  }

  private object(): void {
    this.sequence('}', () => {
      this.ws();
      if (this.text[this.i] !== '"') this.fail();
      this.string();
      this.ws();
      if (!this.take(':')) this.fail();
      this.value();
    });
  }

  private array(): void {
    this.sequence(']', () => this.value());
  }

  /** Comma-separated items after an opening bracket, up to `close`. */
  private sequence(close: string, item: () => void): void {
    this.i++;
    this.ws();
    if (this.take(close)) return;
    do {
      item();
      this.ws();
    } while (this.take(','));
    if (!this.take(close)) this.fail();
  }

  private string(): void {
    const text = this.text;
    this.i++; // opening quote
    while (this.i < text.length && text[this.i] !== '"') {
      if (text.charCodeAt(this.i) < 0x20) this.fail();
      if (text[this.i] === '\\') this.escape();
      this.i++;
    }
    if (!this.take('"')) this.fail();
  }

  /** The escape at a backslash; leaves `i` at its last character. */
  private escape(): void {
    const text = this.text;
    this.i++;
    if (text[this.i] === 'u') {
      if (!/^[0-9a-fA-F]{4}$/.test(text.slice(this.i + 1, this.i + 5))) this.fail();
      this.i += 4;
    } else if (!'"\\/bfnrt'.includes(text[this.i] ?? '')) {
      this.fail();
    }
  }

  private literal(word: string): void {
    if (!this.text.startsWith(word, this.i)) this.fail();
    this.i += word.length;
  }

  private number(): void {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.i));
    if (!m) this.fail();
    this.i += m[0].length;
  }
}
