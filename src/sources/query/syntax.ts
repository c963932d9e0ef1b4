// The query syntax tree and its normalized text form.
import { Token } from './tokens';

export interface Condition {
  /** The operator as written, '' when omitted (which means '='). */
  readonly operator: string;
  /** The decoded value. */
  readonly value: string;
  /** The value's token, for columns. */
  readonly token: Token;
}

export interface Node {
  readonly kind: 'or' | 'and' | 'not' | 'group' | 'package' | 'reference' | 'field';
  /** Operands of 'or', 'and'; the single operand of 'not' and 'group'. */
  readonly operands?: Node[];
  /** Package, reference or field name, as written. */
  readonly name?: string;
  /** For a reference: the package name part. */
  readonly packageName?: string;
  readonly condition?: Condition;
  readonly architecture?: string;
}

export function format(node: Node): string {
  switch (node.kind) {
    case 'or':
      return node.operands!.map(format).join(' | ');
    case 'and':
      return node.operands!.map(format).join(', ');
    case 'not':
      return `!${format(node.operands![0])}`;
    case 'group':
      return `(${format(node.operands![0])})`;
    default:
      return formatTerm(node);
  }
}

export function formatTerm(node: Node): string {
  let text = node.name!;
  if (node.condition) {
    const { operator, value } = node.condition;
    text += operator ? ` (${operator} ${quote(value)})` : ` (${quote(value)})`;
  }
  if (node.architecture) {
    text += ` {${node.architecture}}`;
  }
  return text;
}

/** Quotes a value the way aptly does when it must (spaces, punctuation, leading operator or quote). */
export function quote(value: string): string {
  if (!/[\s()|,!{}]|^["'<>=%~]/.test(value)) {
    return value;
  }
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function packageNameOf(node: Node): string | undefined {
  switch (node.kind) {
    case 'group':
      return packageNameOf(node.operands![0]);
    case 'package':
      return node.name;
    case 'reference':
      return node.packageName;
    default:
      return undefined;
  }
}
