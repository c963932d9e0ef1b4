// Recursive-descent parser for the grammar in package-query.ts, with hints for common mistakes.
import { checkArchitecture, checkConditionValue, checkFieldName, checkFieldValue, checkOperator, checkPackageName, checkVersion } from './checks';
import { Condition, Node } from './syntax';
import { ORDER_OPERATORS } from './tables';
import { Kind, Problem, Token } from './tokens';

export class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  public parse(): Node {
    const tree = this.parseOr();
    const next = this.peek();
    if (next.kind === Kind.RightParen) {
      throw new Problem(next.column, "unmatched ')': remove it or add a '(' before it");
    }
    return tree;
  }

  private peek(): Token {
    return this.tokens[this.position];
  }

  private next(): Token {
    return this.tokens[this.position++];
  }

  private parseOr(after?: Token): Node {
    const operands = [this.parseAnd(after)];
    while (this.peek().kind === Kind.Or) {
      operands.push(this.parseAnd(this.next()));
    }
    return operands.length === 1 ? operands[0] : { kind: 'or', operands };
  }

  private parseAnd(after?: Token): Node {
    const operands = [this.parseNot(after)];
    while (this.peek().kind === Kind.And) {
      operands.push(this.parseNot(this.next()));
    }
    return operands.length === 1 ? operands[0] : { kind: 'and', operands };
  }

  private parseNot(after?: Token): Node {
    if (this.peek().kind === Kind.Not) {
      const not = this.next();
      return { kind: 'not', operands: [this.parseNot(not)] };
    }
    return this.parsePrimary(after);
  }

  /** `after` is the token before this operand ('(', '|', ',', '!'), for messages. */
  private parsePrimary(after?: Token): Node {
    const token = this.peek();
    if (token.kind === Kind.Word) {
      return this.parseTerm();
    }
    if (token.kind === Kind.LeftParen) {
      this.next();
      if (this.peek().kind === Kind.RightParen) {
        throw new Problem(token.column, "empty parentheses: put a query between '(' and ')'");
      }
      const inner = this.parseOr(token);
      const close = this.peek();
      if (close.kind !== Kind.RightParen) {
        throw new Problem(token.column, "unclosed '(': add a ')'");
      }
      this.next();
      const group: Node = { kind: 'group', operands: [inner] };
      this.checkFollower(group);
      return group;
    }
    throw this.missingOperand(token, after);
  }

  private missingOperand(token: Token, after?: Token): Problem {
    const between = after && after.kind !== Kind.LeftParen ? after : undefined;
    switch (token.kind) {
      case Kind.End:
        return between
          ? new Problem(between.column, `nothing after '${between.text}': add a query or remove the '${between.text}'`)
          : new Problem(token.column, 'empty query: name a package, e.g. nginx');
      case Kind.RightParen:
        return between
          ? new Problem(token.column, `nothing between '${between.text}' and ')'`)
          : new Problem(token.column, "unmatched ')': remove it or add a '(' before it");
      case Kind.Or:
      case Kind.And:
        return between
          ? new Problem(token.column, `nothing between '${between.text}' and '${token.text}'`)
          : new Problem(token.column, `nothing before '${token.text}': add a query or remove the '${token.text}'`);
      case Kind.LeftCurly:
        return new Problem(token.column, "architecture filter without a package: write 'name {arch}'");
      case Kind.RightCurly:
        return new Problem(token.column, "unmatched '}'");
      default:
        return new Problem(token.column, `'${token.text}' without a package: write 'name (${token.text} version)'`);
    }
  }

  private parseTerm(): Node {
    const word = this.next();
    if (word.quoted) {
      throw new Problem(word.column, `remove the quotes around ${word.text}`);
    }
    const name = word.value;
    const node = name.startsWith('$') || (/^\p{Lu}/u.test(name) && !name.includes('_'))
      ? this.parseFieldTerm(word)
      : this.parsePackageTerm(word);
    this.checkFollower(node);
    return node;
  }

  private parseFieldTerm(word: Token): Node {
    const field = word.value;
    checkFieldName(field, word.column);
    let condition: Condition | undefined;
    if (this.peek().kind === Kind.LeftParen) {
      condition = this.parseCondition();
      if (field === 'Version' && ORDER_OPERATORS.includes(condition.operator)) {
        throw new Problem(word.column, `'Version' compares text, not versions: use '$Version (${condition.operator} ${condition.value})'`);
      }
      checkFieldValue(field, condition);
    }
    return { kind: 'field', name: field, condition };
  }

  private parsePackageTerm(word: Token): Node {
    const name = word.value;
    const underscore = name.indexOf('_');
    if (underscore >= 0) {
      return this.parseReference(word);
    }
    checkPackageName(name, word.column);
    let condition: Condition | undefined;
    let architecture: string | undefined;
    if (this.peek().kind === Kind.LeftParen) {
      condition = this.parseCondition();
      checkConditionValue(condition, checkVersion);
    }
    if (this.peek().kind === Kind.LeftCurly) {
      architecture = this.parseArchitecture();
    }
    return { kind: 'package', name, condition, architecture };
  }

  private parseReference(word: Token): Node {
    const name = word.value;
    const first = name.indexOf('_');
    const last = name.lastIndexOf('_');
    if (first === last) {
      const pkg = name.slice(0, first);
      throw new Problem(word.column + first,
        `package references are 'name_version_arch': add the architecture (e.g. '${name}_amd64') or use '${pkg} (= ${name.slice(first + 1)})'`);
    }
    const pkg = name.slice(0, first);
    const version = name.slice(first + 1, last);
    const arch = name.slice(last + 1);
    checkPackageName(pkg, word.column);
    if (!version) {
      throw new Problem(word.column + first + 1, "missing version in 'name_version_arch'");
    }
    checkVersion(version, word.column + first + 1);
    if (!arch) {
      throw new Problem(word.column + last + 1, "missing architecture in 'name_version_arch'");
    }
    checkArchitecture(arch, word.column + last + 1);
    const next = this.peek();
    if (next.kind === Kind.LeftParen) {
      throw new Problem(next.column, `a package reference cannot have a condition: use '${pkg} (= ${version})' or '${name}'`);
    }
    if (next.kind === Kind.LeftCurly) {
      throw new Problem(next.column, 'a package reference already names its architecture: remove the \'{...}\'');
    }
    return { kind: 'reference', name, packageName: pkg };
  }

  /** condition := '(' [op] value ')' */
  private parseCondition(): Condition {
    const open = this.next();
    let operator = '';
    if (this.peek().kind === Kind.Operator) {
      const op = this.next();
      operator = op.text;
      checkOperator(op, this.peek());
    } else if (this.peek().kind === Kind.Not) {
      throw new Problem(this.peek().column, "aptly has no '!=': negate the whole query instead, e.g. '!nginx (= 1.0)'");
    }
    const value = this.peek();
    if (value.kind === Kind.End) {
      throw new Problem(open.column, "unclosed '(': add a ')'");
    }
    if (value.kind === Kind.RightParen) {
      throw new Problem(value.column, operator
        ? `missing value after '${operator}'`
        : "missing value between '(' and ')': write e.g. '(>= 1.0)'");
    }
    if (value.kind !== Kind.Word) {
      throw new Problem(value.column, `expected a value, found '${value.text}': quote values that start with '${value.text}'`);
    }
    this.next();
    if (value.value === '') {
      throw new Problem(value.column, "empty value: use '!Field' to match packages without a field");
    }
    const close = this.peek();
    if (close.kind === Kind.End) {
      throw new Problem(open.column, "unclosed '(': add a ')'");
    }
    if (close.kind !== Kind.RightParen) {
      throw new Problem(close.column, close.kind === Kind.Word || close.kind === Kind.Operator
        ? "expected ')' after the value: quote values that contain spaces"
        : `expected ')' after the value: quote values that contain '${close.text}'`);
    }
    this.next();
    return { operator, value: value.value, token: value };
  }

  /** arch := '{' word '}' */
  private parseArchitecture(): string {
    const open = this.next();
    const word = this.peek();
    if (word.kind === Kind.RightCurly) {
      throw new Problem(word.column, "missing architecture between '{' and '}'");
    }
    if (word.kind === Kind.End) {
      throw new Problem(open.column, "unclosed '{': add a '}'");
    }
    if (word.kind !== Kind.Word) {
      throw new Problem(word.column, `expected an architecture, found '${word.text}'`);
    }
    if (word.quoted) {
      throw new Problem(word.column, `remove the quotes around ${word.text}`);
    }
    this.next();
    checkArchitecture(word.value, word.column);
    const close = this.peek();
    if (close.kind === Kind.End) {
      throw new Problem(open.column, "unclosed '{': add a '}'");
    }
    if (close.kind !== Kind.RightCurly) {
      throw new Problem(close.column, "one architecture per filter: write 'name {amd64} | name {arm64}'");
    }
    this.next();
    return word.value;
  }

  /** After a term or group only '|', ',', ')' or the end may follow. */
  private checkFollower(node: Node): void {
    const token = this.peek();
    const column = token.column;
    switch (token.kind) {
      case Kind.Or:
      case Kind.And:
      case Kind.RightParen:
      case Kind.End:
        return;
      case Kind.Operator:
        if (node.kind === 'package' && !node.condition && !node.architecture) {
          const value = this.tokens[this.position + 1];
          const version = value.kind === Kind.Word ? value.value : 'version';
          throw new Problem(column, `put the version condition in parentheses: '${node.name} (${token.text} ${version})'`);
        }
        break;
      case Kind.LeftParen:
        if (node.kind === 'package' && node.architecture && !node.condition) {
          throw new Problem(column, `put the version condition before the architecture: '${node.name} (...) {${node.architecture}}'`);
        }
        if ((node.kind === 'package' || node.kind === 'field') && node.condition) {
          throw new Problem(column, `only one condition per query: combine them with ',', e.g. '${node.name} (>= 1), ${node.name} (<< 2)'`);
        }
        break;
      case Kind.LeftCurly:
        if (node.kind === 'field') {
          throw new Problem(column, "architecture filters only apply to package names: add ', $Architecture (amd64)' instead");
        }
        if (node.kind === 'package') {
          throw new Problem(column, "only one architecture filter per package: write 'name {amd64} | name {arm64}'");
        }
        throw new Problem(column, 'architecture filters only apply to package names');
      case Kind.RightCurly:
        throw new Problem(column, "unmatched '}'");
      default:
        break;
    }
    throw new Problem(column, `missing ',' or '|' before '${token.text}'`);
  }
}
