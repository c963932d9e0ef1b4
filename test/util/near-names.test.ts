import { closestFirst, nearNames } from '../../src/util/near-names';

describe('closestFirst', () => {
  test('GIVEN a misspelt component THEN the closest offered names come first, ties alphabetically', () => {
    expect(closestFirst('mian', ['contrib', 'non-free', 'main', 'non-free-firmware'])).toEqual(['main', 'contrib', 'non-free', 'non-free-firmware']);
    expect(closestFirst('arm64', ['armhf', 'amd64', 'arm64', 'armel'])[0]).toBe('arm64');
    expect(closestFirst('x86_64', ['i386', 'amd64', 'arm64'])).toEqual(['amd64', 'arm64', 'i386']);
    expect(closestFirst('ab', ['ba', 'ab', 'b', 'abc'])).toEqual(['ab', 'abc', 'b', 'ba']);
  });

  test('does not reorder the offered list in place', () => {
    const offered = ['b', 'a'];
    closestFirst('a', offered);
    expect(offered).toEqual(['b', 'a']);
    expect(closestFirst('a', [])).toEqual([]);
  });
});

describe('nearNames', () => {
  test('names within one edit per three characters (at least one), closest first, at most three; the name itself is not offered', () => {
    expect(nearNames('jqq', ['jq', 'jq', 'jo', 'libjq1', 'curl', 'jqq'])).toEqual(['jq']);
    expect(nearNames('nginx', ['nginx-core', 'ngircd', 'nginy', 'nginx'])).toEqual(['nginy']);
    expect(nearNames('abc', ['abd', 'abe', 'abf', 'abg', 'xyz'])).toEqual(['abd', 'abe', 'abf']);
    expect(nearNames('zzzzzz', ['curl', 'jq'])).toEqual([]);
    expect(nearNames('port', ['out', 'sort'])).toEqual(['sort']);
    expect(nearNames('libssl-dve', ['libssl-dev', 'libssl3', 'libss2'])).toEqual(['libssl-dev']);
  });

  test('a swap of neighbours is one edit', () => {
    expect(nearNames('synht', ['synth', 'check', 'build'])).toEqual(['synth']);
    expect(nearNames('mian', ['main', 'contrib'])).toEqual(['main']);
  });

  test('an archive\'s worth of names', () => {
    const names = Array.from({ length: 60000 }, (_, i) => `package-${i}`);
    const near = nearNames('package-59999x', names);
    expect(near[0]).toBe('package-59999');
    expect(near).toHaveLength(3);
  });
});
