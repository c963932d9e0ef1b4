/** A sources directory with 4 problems, for the CLI tests in and out of process: `writeTree(BROKEN)`. */
export const BROKEN = {
  'debian/bookworm/source.txt': 'http://debian.mirror.example/debian https://debian.mirror.example/key.asc bookworm\n',
  'debian/bookworm/packages.txt': 'nginx\nlibc6:amd64\n',
  'vendor/tools/source.txt': 'https://vendor.mirror.example/apt https://vendor.mirror.example/gpg stable main\n',
  'vendor/tools/packages.txt': 'vendor-cli(>= 2\n',
  'vendor/tools/aptly.conf': '{ "gpgDisableVerify": true }',
};
