import { MirrorSourceProps } from '../../src';

/** The typed-props source most tests start from: Debian bookworm main, one query, placeholder hosts. */
export const BOOKWORM: MirrorSourceProps = {
  prefix: 'debian',
  name: 'bookworm',
  url: 'http://debian.mirror.example/debian',
  keyUrl: 'https://debian.mirror.example/key.asc',
  distribution: 'bookworm',
  components: ['main'],
  packages: ['nginx'],
};
