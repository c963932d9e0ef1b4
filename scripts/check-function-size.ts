// The runner's size rule (CONTRIBUTING.md, issue #21): no function in src/runner/ over 40 lines
// or with more than 4 parameters; pass an object instead of a long positional list.
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..', 'src', 'runner');
const MAX_LINES = 40;
const MAX_PARAMS = 4;

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** A function's name as a reader finds it: its own, or the variable or property it is assigned to. */
function nameOf(n: ts.FunctionLikeDeclaration): string {
  if (n.name) return n.name.getText();
  const parent = n.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText();
  return '<anonymous>';
}

/** `file:line name: what is over` for each function over the rule. */
export function oversized(file: string, text = fs.readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && (n as ts.FunctionLikeDeclaration).body) {
      const f = n as ts.FunctionLikeDeclaration;
      const first = source.getLineAndCharacterOfPosition(f.getStart()).line;
      const lines = source.getLineAndCharacterOfPosition(f.end).line - first + 1;
      const over = [lines > MAX_LINES ? `${lines} lines` : '', f.parameters.length > MAX_PARAMS ? `${f.parameters.length} parameters` : ''].filter(Boolean);
      if (over.length) found.push(`${path.relative(process.cwd(), file)}:${first + 1} ${nameOf(f)}: ${over.join(', ')}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return found;
}

if (require.main === module) {
  const found = files(ROOT).flatMap(f => oversized(f));
  for (const line of found) console.error(line);
  if (found.length) {
    console.error(`${found.length} function(s) in src/runner/ over ${MAX_LINES} lines or ${MAX_PARAMS} parameters: split them, or pass one object`);
    process.exit(1);
  }
  console.log(`every function in src/runner/ is within ${MAX_LINES} lines and ${MAX_PARAMS} parameters`);
}
