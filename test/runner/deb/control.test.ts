import { field, parseParagraph, parseParagraphs } from '../../../src/runner/deb/control';

describe('parseParagraphs', () => {
  test('GIVEN deb822 text WHEN parsed THEN paragraphs are split at blank lines and continuation lines joined with newlines', () => {
    const text = [
      '# a comment',
      'Package: hello',
      'Version: 2.10-3',
      'Description: example package',
      ' It prints a greeting.',
      ' .',
      '\tAnd more.',
      '',
      '',
      'Package: other',
      'Depends: a,',
      '  b (>= 1)',
      ' \t ',
      'Package: third',
      '',
    ].join('\n');
    const ps = parseParagraphs(text);
    expect(ps).toHaveLength(3);
    expect([...ps[0]]).toEqual([
      ['Package', 'hello'],
      ['Version', '2.10-3'],
      ['Description', 'example package\nIt prints a greeting.\n.\nAnd more.'],
    ]);
    expect(ps[1].get('Depends')).toBe('a,\nb (>= 1)');
    expect(ps[2].get('Package')).toBe('third');
  });

  test('empty input and lines without a field name give nothing', () => {
    expect(parseParagraphs('')).toEqual([]);
    expect(parseParagraphs('\n\n\n')).toEqual([]);
    expect([...parseParagraph(': no name\nnot a field\n continuation without field')]).toEqual([]);
  });

  test('a value may contain colons; surrounding spaces are trimmed', () => {
    const p = parseParagraph('Homepage:   https://example.org:8080/x  \nVersion:1:2.0-1');
    expect(p.get('Homepage')).toBe('https://example.org:8080/x');
    expect(p.get('Version')).toBe('1:2.0-1');
  });
});

describe('field', () => {
  test('field names are case-insensitive; the exact spelling wins', () => {
    const p = parseParagraph('Package: a\nmulti-arch: foreign\nSHA256:\n abc 1 f');
    expect(field(p, 'Multi-Arch')).toBe('foreign');
    expect(field(p, 'sha256')).toBe('\nabc 1 f');
    expect(field(p, 'Package')).toBe('a');
    expect(field(p, 'Depends')).toBeUndefined();
  });
});
