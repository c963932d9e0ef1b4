import { NameIndex } from '../../../src/runner/deb/name-index';
import { parseIndex } from '../../../src/runner/deb/packages-index';

const ENTRIES = parseIndex([
  'Package: mawk\nVersion: 1.3.4\nArchitecture: amd64\nProvides: awk',
  'Package: gawk\nVersion: 5.2.1\nArchitecture: amd64\nProvides: awk, gawk (= 5.2.1)',
  'Package: busybox\nVersion: 1.35\nArchitecture: amd64',
].join('\n\n'), 0, 'main');

describe('NameIndex', () => {
  test('finds packages by their own name and by what they provide, in index order', () => {
    const index = NameIndex.of(ENTRIES);
    expect(index.get('awk').map(e => e.name)).toEqual(['mawk', 'gawk']);
    expect(index.get('busybox').map(e => e.name)).toEqual(['busybox']);
    expect(index.get('nawk')).toEqual([]);
    expect(index.entries).toBe(ENTRIES);
  });

  test('a package that provides its own name is listed under it once', () => {
    expect(NameIndex.of(ENTRIES).get('gawk').map(e => e.name)).toEqual(['gawk']);
  });

  test('entries added later are found by name, not listed in entries', () => {
    const index = new NameIndex();
    index.add(ENTRIES[0]);
    expect(index.get('awk')).toEqual([ENTRIES[0]]);
    expect(index.entries).toEqual([]);
  });
});
