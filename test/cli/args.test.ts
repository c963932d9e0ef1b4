import { parseArgs, wantsHelp } from '../../src/cli/args';
import { errorOf } from '../support/tree';

const SPEC = { valued: ['out'], repeatable: ['pin'], switches: ['dry'] };

describe('parseArgs', () => {
  test('values, repeatable values, switches and positionals', () => {
    const args = parseArgs(['a', '--out', 'dir', '--pin=x=1', '--dry', '--pin', 'y', '--', '--b', '-c'], SPEC);
    expect(args.positional).toEqual(['a', '--b', '-c']);
    expect(args.options).toEqual(new Map<string, string | true>([['out', 'dir'], ['dry', true]]));
    expect(args.lists.get('pin')).toEqual(['x=1', 'y']);
  });

  test.each([
    [['--out', 'a', '--out', 'b'], '--out is given twice: give it once'],
    [['--out'], '--out needs a value'],
    [['--out', '--dry'], '--out needs a value'],
    [['--dry=1'], '--dry takes no value'],
    [['--nope'], 'unknown option --nope'],
    [['--ot', 'a'], 'unknown option --ot: did you mean --out?'],
    [['--pins', 'a'], 'unknown option --pins: did you mean --pin?'],
    [['-x'], 'unknown option -x'],
  ])('%j: %s', (argv, expected) => {
    expect(errorOf(() => parseArgs(argv, SPEC))).toBe(expected);
  });

  test('"-" is a positional (stdin by convention), not an option', () => {
    expect(parseArgs(['-'], SPEC).positional).toEqual(['-']);
  });
});

describe('wantsHelp', () => {
  test.each([
    [['-h'], true],
    [['x', '--help'], true],
    [['--out', 'x', '-h'], true],
    [['--', '-h'], false],
    [['--helpful'], false],
    [[], false],
  ])('%j: %s', (argv, expected) => {
    expect(wantsHelp(argv)).toBe(expected);
  });
});
