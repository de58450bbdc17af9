#!/bin/sh
# Prints, one per line, the Debian packages that provide the shared libraries the given ELF
# files name (NEEDED), as `ldd` resolves them. The image's build stage runs it on the handler
# and the plugins, and the runtime stage installs exactly that list (apt adds their own
# dependencies): no library is guessed, and a new dependency cannot be forgotten. Fails when
# a library is missing or no package owns it.
#
#   runtime-packages.sh /opt/iter8/bin/handler /opt/iter8/lib/iter8/plugins/*.so
set -eu

[ "$#" -gt 0 ] || { echo "usage: runtime-packages.sh ELF..." >&2; exit 2; }
for f in "$@"; do
  [ -f "$f" ] || { echo "runtime-packages: no file $f" >&2; exit 1; }
done

# The libraries each file names itself (NEEDED); apt brings their own dependencies.
needed=$(for f in "$@"; do readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; done | sort -u)
libs=$(ldd "$@" | awk -v needed="$needed" '
  BEGIN { n = split(needed, list, "\n"); for (i = 1; i <= n; i++) want[list[i]] = 1 }
  !($1 in want) { next }
  /not found/ { print "MISSING " $1; next }
  $2 == "=>" && $3 ~ /^\// { print $3 }
' | sort -u)
case "$libs" in *MISSING*)
  echo "runtime-packages: ldd cannot find: $(echo "$libs" | sed -n 's/^MISSING //p' | tr '\n' ' ')" >&2
  exit 1
esac

packages=
for lib in $libs; do
  pkg=
  # With merged /usr, ldd may name /lib/... for a file dpkg records as /usr/lib/... (or the
  # reverse), or the link name of a versioned file: try each spelling.
  real=$(readlink -f "$lib")
  for candidate in "$lib" "/usr$lib" "${lib#/usr}" "$real" "/usr$real" "${real#/usr}"; do
    pkg=$(dpkg-query -S "$candidate" 2>/dev/null | sed -n '/^diversion/!{s/:.*//p;q}') || true
    [ -n "$pkg" ] && break
  done
  if [ -z "$pkg" ]; then
    echo "runtime-packages: no Debian package owns $lib" >&2
    exit 1
  fi
  packages="$packages $pkg"
done
[ -n "$packages" ] || { echo "runtime-packages: no shared library found in $*" >&2; exit 1; }
printf '%s\n' $packages | sort -u
