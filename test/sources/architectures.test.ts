import { AptlyConfig, MirrorSource, MirrorSourceProps } from '../../src';
import { checkMirrorArchitectures } from '../../src/sources/architectures';
import { resolvedSources, resolveSources } from '../../src/sources/resolution';
import { BOOKWORM } from '../support/source-props';

const BASE: MirrorSourceProps = BOOKWORM;
const source = (props: Partial<MirrorSourceProps> = {}) => new MirrorSource({ ...BASE, ...props });
const archs = (s: MirrorSource, options: Parameters<typeof resolvedSources>[1] = {}) => resolvedSources([s], options)[0].architectures;

describe('architecture resolution', () => {
  test('the source\'s own list wins over everything', () => {
    const s = source({ architectures: ['arm64'], aptlyConfig: AptlyConfig.fromJson({ architectures: ['i386'] }) });
    expect(archs(s, { architectures: ['amd64'] })).toEqual(['arm64']);
  });

  test('then the source\'s aptly config, then the default aptly config, when they have the key', () => {
    const defaultAptlyConfig = AptlyConfig.fromJson({ architectures: ['armhf'] });
    expect(archs(source({ aptlyConfig: AptlyConfig.fromJson({ architectures: ['i386'] }) }), { defaultAptlyConfig })).toEqual(['i386']);
    expect(archs(source(), { defaultAptlyConfig })).toEqual(['armhf']);
    // A source's own aptly.conf without the key replaces the default: the mirror's list applies.
    expect(archs(source({ aptlyConfig: AptlyConfig.fromJson({ downloadConcurrency: 2 }) }), { defaultAptlyConfig, architectures: ['s390x'] })).toEqual(['s390x']);
  });

  test('an explicit empty list in the aptly config means every architecture upstream lists (null)', () => {
    expect(archs(source({ aptlyConfig: AptlyConfig.fromJson({ architectures: [] }) }))).toBeNull();
    expect(archs(source(), { defaultAptlyConfig: AptlyConfig.fromProps({ architectures: [] }) })).toBeNull();
  });

  test('else the mirror\'s architectures, amd64 by default; the default typed aptly config has no architectures key', () => {
    expect(archs(source())).toEqual(['amd64']);
    expect(archs(source(), { architectures: ['amd64', 'arm64'], defaultAptlyConfig: AptlyConfig.fromProps() })).toEqual(['amd64', 'arm64']);
    expect(AptlyConfig.fromProps().json).not.toHaveProperty('architectures');
  });

  test('resolved copies keep the resolution, also "every architecture"', () => {
    const every = source({ prefix: 'every', aptlyConfig: AptlyConfig.fromJson({ architectures: [] }) });
    const copies = resolveSources([source(), every, source({ prefix: 'flat', distribution: './', components: [] })], { architectures: ['arm64'] });
    expect(copies.map(c => c.architectures)).toEqual([['arm64'], [], ['arm64']]);
    expect(copies.map(c => c.world)).toEqual(['bookworm', 'bookworm', 'bookworm']);
    expect(resolvedSources(copies).map(r => r.architectures)).toEqual([['arm64'], null, ['arm64']]);
    expect(copies[0].packagesTxt).toBe('nginx\n');
  });

  test.each([
    [['amd64', 'arm64'], []],
    [[], ['architectures is empty: list the architectures of your clients, e.g. ["amd64"]']],
    [['all'], ['"all" is not a client architecture: arch:all packages are mirrored with every architecture; list the architectures of your clients, e.g. amd64']],
    [['arm64', 'arm64'], ['architecture "arm64" is listed twice']],
  ])('mirror architectures %j', (list, problems) => {
    expect(checkMirrorArchitectures(list)).toEqual(problems);
  });
});
