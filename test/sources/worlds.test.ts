import { MirrorSource, MirrorSourceProps } from '../../src';
import { assignWorlds, deriveWorld } from '../../src/sources/worlds';
import { BOOKWORM } from '../support/source-props';
import { errorOf } from '../support/tree';

const BASE: MirrorSourceProps = BOOKWORM;
const source = (props: Partial<MirrorSourceProps>) => new MirrorSource({ ...BASE, ...props });
const flat = (name: string, world?: string) => source({ prefix: 'vendor', name, distribution: './', components: [], world });

describe('deriveWorld', () => {
  test.each([
    ['bookworm', 'bookworm'],
    ['bookworm-updates', 'bookworm'],
    ['bookworm-security', 'bookworm'],
    ['bookworm-backports', 'bookworm'],
    ['bookworm-backports-sloppy', 'bookworm'],
    ['bookworm-proposed-updates', 'bookworm'],
    ['jammy-proposed', 'jammy'],
    ['jammy-updates', 'jammy'],
    ['Jammy-Security', 'jammy'],
    ['stable', 'stable'],
    ['stable_updates', 'stable'],
    ['updates', 'updates'],
    ['noble-updates-extra', 'noble-updates-extra'],
  ])('%s belongs to %s', (distribution, world) => {
    expect(deriveWorld(distribution)).toBe(world);
  });
});

describe('assignWorlds', () => {
  test('GIVEN a release, its pockets and a flat vendor repository THEN they form one world', () => {
    const sources = [source({}), source({ name: 'updates', distribution: 'bookworm-updates' }), source({ name: 'sec', distribution: 'bookworm-security' }), flat('tools')];
    expect(assignWorlds(sources)).toEqual(['bookworm', 'bookworm', 'bookworm', 'bookworm']);
  });

  test('GIVEN only flat repositories THEN their world is "default"', () => {
    expect(assignWorlds([flat('a'), flat('b')])).toEqual(['default', 'default']);
  });

  test('GIVEN several worlds THEN a flat repository without a world is an error naming it and the worlds', () => {
    const sources = [source({}), source({ prefix: 'ubuntu', name: 'jammy', distribution: 'jammy-updates' }), flat('a'), flat('b')];
    expect(errorOf(() => assignWorlds(sources))).toBe(
      "flat repository vendor/a, vendor/b has no distribution to derive a world from, and the mirror has several worlds (bookworm, jammy): set world on each to the world whose clients use it (e.g. world: 'bookworm')");
    expect(assignWorlds([...sources.slice(0, 2), flat('a', 'jammy'), flat('b', 'bookworm')])).toEqual(['bookworm', 'jammy', 'jammy', 'bookworm']);
  });

  test('an explicit world wins over the derived one', () => {
    expect(assignWorlds([source({ world: 'bookworm-lts' })])).toEqual(['bookworm-lts']);
  });
});
