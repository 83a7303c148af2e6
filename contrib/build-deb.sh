#!/bin/bash
# build-deb.sh - build the Debian source package intxd and its binary
# packages intxd, libintx1 and libintx-dev.
#
#   contrib/build-deb.sh [OUTDIR]
#
# The way a Debian archive does it: the upstream tree becomes the orig
# tarball (intxd_VERSION.orig.tar.gz), contrib/debian becomes debian/, and
# `dpkg-source -b` makes the source package (format 3.0 (quilt)).  The
# binary packages are then built from that source package unpacked afresh
# (`dpkg-source -x`, `dpkg-buildpackage -us -uc`), so a file missing from
# it fails here.  Everything lands in OUTDIR (default: ./deb): .dsc,
# .orig.tar.gz, .debian.tar.xz, .deb, .buildinfo, .changes.
#
# Which tree: the working tree's files that git knows or would add (tracked
# and untracked-but-not-ignored), or with BUILD_DEB_REF=REF (e.g. HEAD)
# that commit as `git archive` gives it; outside a git checkout, the whole
# directory but build-*/, deb/ and .git.  DEB_BUILD_OPTIONS is passed
# through (nocheck skips `make check`, parallel=N builds in parallel).
# Needs dpkg-dev, debhelper and the Build-Depends of contrib/debian/control
# (contrib/deps.sh --test installs them; dpkg-buildpackage names what is
# missing).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=$(mkdir -p "${1:-deb}" && cd "${1:-deb}" && pwd)

for c in dpkg-source dpkg-buildpackage dh; do
	if ! command -v "$c" >/dev/null 2>&1; then
		echo "build-deb.sh: $c is missing; install dpkg-dev and debhelper" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/build-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
version=$(dpkg-parsechangelog -l "$here/debian/changelog" -S Version)
upstream=${version#*:}
upstream=${upstream%-*}
src=$tmp/up/intxd-$upstream
mkdir -p "$src"

if [ -n "${BUILD_DEB_REF:-}" ]; then
	git -C "$top" archive "$BUILD_DEB_REF" | tar -x -C "$src"
elif git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	untracked=$(git -C "$top" ls-files -o --exclude-standard)
	if [ -n "$untracked" ]; then
		echo "build-deb.sh: including files git does not track:" $untracked >&2
	fi
	(cd "$top" && git ls-files -z -c -o --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -x -C "$src"
else
	tar -C "$top" --exclude=.git --exclude='./build*' --exclude='./deb' -cf - . |
		tar -x -C "$src"
fi
rm -rf "$src/debian"

# a tree that was configured in place would confuse the build
if [ -e "$src/config.status" ]; then
	echo "build-deb.sh: the source tree is configured in place; run make distclean" >&2
	exit 1
fi

# The orig tarball, reproducibly: sorted names, no owners, and the date of
# the changelog entry for every mtime.
date=$(dpkg-parsechangelog -l "$here/debian/changelog" -S Timestamp)
orig=intxd_$upstream.orig.tar.gz
tar -C "$tmp/up" --sort=name --owner=0 --group=0 --numeric-owner \
	--mtime="@$date" --format=gnu -cf - "intxd-$upstream" | gzip -9n >"$tmp/up/$orig"

# The source package: upstream's tree plus debian/.
cp -r "$here/debian" "$src/debian"
(cd "$tmp/up" && dpkg-source -b "intxd-$upstream")

# The binary packages, from the source package alone.
mkdir "$tmp/build"
cp "$tmp/up/$orig" "$tmp/up/"*.debian.tar.* "$tmp/up/"*.dsc "$tmp/build/"
(cd "$tmp/build" && dpkg-source -x ./*.dsc "intxd-$upstream" &&
	cd "intxd-$upstream" && dpkg-buildpackage -us -uc)

for f in "$tmp/build"/*.dsc "$tmp/build"/*.tar.* "$tmp/build"/*.deb \
	"$tmp/build"/*.buildinfo "$tmp/build"/*.changes; do
	[ -e "$f" ] && cp "$f" "$out/"
done
echo "build-deb.sh: packages in $out:"
ls -1 "$out"/*.dsc "$out"/*.deb
