#!/bin/bash
# build-deb.sh - build the Debian packages intxd, libintx1 and libintx-dev.
#
#   contrib/build-deb.sh [OUTDIR]
#
# Copies the source tree into a temporary directory, puts contrib/debian
# there as debian/, and runs `dpkg-buildpackage -us -uc -b`; the .deb files
# (and .buildinfo, .changes) land in OUTDIR (default: ./deb).
#
# Which tree: the working tree's files that git knows or would add (tracked
# and untracked-but-not-ignored), or with BUILD_DEB_REF=REF (e.g. HEAD)
# that commit as `git archive` gives it; outside a git checkout, the whole
# directory but build-*/ and .git.  DEB_BUILD_OPTIONS is passed through
# (nocheck skips `make check`, parallel=N builds in parallel).
# Installs debhelper and dpkg-dev with apt-get when they are missing and
# we are root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=$(mkdir -p "${1:-deb}" && cd "${1:-deb}" && pwd)

need=()
command -v dpkg-buildpackage >/dev/null 2>&1 || need+=(dpkg-dev)
command -v dh >/dev/null 2>&1 || need+=(debhelper)
if [ "${#need[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "build-deb.sh: missing ${need[*]}; install them (apt-get install ${need[*]})" >&2
		exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/build-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$here/debian/changelog")
src=$tmp/intxd-${version%-*}
mkdir -p "$src"

if [ -n "${BUILD_DEB_REF:-}" ]; then
	git -C "$top" archive "$BUILD_DEB_REF" | tar -x -C "$src"
elif git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z -c -o --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -x -C "$src"
else
	tar -C "$top" --exclude=.git --exclude='./build*' --exclude='./deb' -cf - . |
		tar -x -C "$src"
fi
rm -rf "$src/debian"
cp -r "$here/debian" "$src/debian"

# a tree that was configured in place would confuse the build
if [ -e "$src/config.status" ]; then
	echo "build-deb.sh: the source tree is configured in place; run make distclean" >&2
	exit 1
fi

(cd "$src" && dpkg-buildpackage -us -uc -b)
for f in "$tmp"/*.deb "$tmp"/*.buildinfo "$tmp"/*.changes; do
	[ -e "$f" ] && cp "$f" "$out/"
done
echo "build-deb.sh: packages in $out:"
ls -1 "$out"/*.deb
