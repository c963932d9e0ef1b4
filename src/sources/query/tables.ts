// Fixed vocabularies of aptly 1.5.0 and dpkg that the query checks compare against.

/** aptly's special fields (case-sensitive). */
export const SPECIAL_FIELDS = ['$Source', '$SourceVersion', '$Architecture', '$Version', '$PackageType'];

/** Control fields found in Packages and Sources indices, plus aptly's `Name`. */
export const KNOWN_FIELDS = [
  'Name', 'Source', 'Version', 'Architecture', 'Maintainer', 'Original-Maintainer', 'Uploaders',
  'Installed-Size', 'Section', 'Priority', 'Essential', 'Protected', 'Important', 'Build-Essential',
  'Multi-Arch', 'Depends', 'Pre-Depends', 'Recommends', 'Suggests', 'Enhances', 'Breaks', 'Conflicts',
  'Replaces', 'Provides', 'Built-Using', 'Static-Built-Using', 'Built-For-Profiles', 'Homepage',
  'Description', 'Description-md5', 'Tag', 'Task', 'Origin', 'Bugs', 'Supported', 'Phased-Update-Percentage',
  'Ruby-Versions', 'Python-Version', 'Python-Egg-Name', 'Go-Import-Path', 'Lua-Versions', 'Modaliases',
  'Gstreamer-Version', 'Gstreamer-Elements', 'Gstreamer-Decoders', 'Gstreamer-Encoders',
  'Gstreamer-Uri-Sources', 'Gstreamer-Uri-Sinks', 'Postgresql-Catversion', 'Kernel-Version',
  'Installer-Menu-Item', 'Subarchitecture', 'Build-Ids', 'Auto-Built-Package', 'Cnf-Extra-Commands',
  'Cnf-Visible-Pkgname', 'Cnf-Priority-Bonus', 'Cnf-Ignore-Commands', 'Efi-Vendor',
  'Binary', 'Format', 'Standards-Version', 'Build-Depends', 'Build-Depends-Indep', 'Build-Depends-Arch',
  'Build-Conflicts', 'Build-Conflicts-Indep', 'Build-Conflicts-Arch', 'Testsuite', 'Testsuite-Triggers',
  'Package-List', 'Dgit', 'Rules-Requires-Root', 'Vcs-Browser', 'Vcs-Git', 'Vcs-Svn', 'Vcs-Bzr', 'Vcs-Hg',
  'Vcs-Darcs', 'Vcs-Cvs', 'Vcs-Arch', 'Vcs-Mtn',
];

/** Fields aptly keeps out of the package stanza: queries on them never match. */
export const UNQUERYABLE_FIELDS: Record<string, string> = {
  Package: "aptly cannot query the 'Package' field: use 'Name' instead",
  Filename: "aptly cannot query the 'Filename' field",
  Size: "aptly cannot query the 'Size' field",
  MD5sum: "aptly cannot query the 'MD5sum' field",
  SHA1: "aptly cannot query the 'SHA1' field",
  SHA256: "aptly cannot query the 'SHA256' field",
  SHA512: "aptly cannot query the 'SHA512' field",
};

/** Fields whose values come from a fixed, lower-case set. */
export const ENUM_FIELDS: Record<string, string[]> = {
  'Priority': ['required', 'important', 'standard', 'optional', 'extra'],
  'Multi-Arch': ['same', 'foreign', 'allowed', 'no'],
  'Essential': ['yes', 'no'],
  'Protected': ['yes', 'no'],
  '$PackageType': ['deb', 'udeb', 'source'],
};

/** dpkg's architecture names for Linux (`dpkg-architecture -L`). */
export const LINUX_ARCHITECTURES = [
  'alpha', 'amd64', 'arc', 'arm', 'arm64', 'arm64ilp32', 'armeb', 'armel', 'armhf', 'avr32', 'hppa', 'i386',
  'ia64', 'loong64', 'm32r', 'm68k', 'mips', 'mips64', 'mips64el', 'mips64r6', 'mips64r6el', 'mipsel',
  'mipsn32', 'mipsn32el', 'mipsn32r6', 'mipsn32r6el', 'mipsr6', 'mipsr6el', 'nios2', 'or1k', 'powerpc',
  'powerpcel', 'powerpcspe', 'ppc64', 'ppc64el', 'riscv64', 's390', 's390x', 'sh3', 'sh3eb', 'sh4', 'sh4eb',
  'sparc', 'sparc64', 'tilegx', 'x32',
];

/** dpkg's prefixes for non-Linux ports, e.g. `hurd-i386`, `kfreebsd-amd64`. */
export const PORT_PREFIXES = [
  'aix', 'darwin', 'dragonflybsd', 'freebsd', 'hurd', 'kfreebsd', 'knetbsd', 'kopensolaris', 'mint',
  'musl-linux', 'netbsd', 'openbsd', 'solaris', 'uclibc-linux', 'uclinux',
];

/** Names from other ecosystems for Debian architectures. */
export const ARCHITECTURE_ALIASES: Record<string, string> = {
  'x86_64': 'amd64',
  'x86-64': 'amd64',
  'x64': 'amd64',
  'aarch64': 'arm64',
  'armv8': 'arm64',
  'arm64v8': 'arm64',
  'i486': 'i386',
  'i586': 'i386',
  'i686': 'i386',
  'x86': 'i386',
  'armv7': 'armhf',
  'armv7l': 'armhf',
  'armv7hl': 'armhf',
  'armhfp': 'armhf',
  'arm32v7': 'armhf',
  'armv5': 'armel',
  'armv5tel': 'armel',
  'ppc64le': 'ppc64el',
  'powerpc64le': 'ppc64el',
  'riscv': 'riscv64',
  'loongarch64': 'loong64',
  'noarch': 'all',
  'src': 'source',
};

/** Operators that order values. */
export const ORDER_OPERATORS = ['<<', '<=', '>=', '>>'];

/** Escapes Go's regexp accepts after a backslash (letters only; punctuation is always fine). */
export const REGEXP_LETTER_ESCAPES = 'abfnrtvxpPdDsSwWBAzQEC';
