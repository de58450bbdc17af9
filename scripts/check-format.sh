#!/usr/bin/env bash
# Fails when a C or C++ file of the repo differs from what clang-format makes of it
# (.clang-format at the top). Fix with: git ls-files '*.cpp' '*.h' '*.c' '*.hpp' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check-format: clang-format is not installed (scripts/install-deps.sh)"; exit 1; }
files=$(git ls-files '*.cpp' '*.h' '*.c' '*.hpp')
if ! echo "$files" | xargs clang-format --dry-run -Werror 2>"${TMPDIR:-/tmp}/check-format.$$"; then
  grep -oE '^[^: ]+\.(cpp|h|c|hpp):[0-9]+' "${TMPDIR:-/tmp}/check-format.$$" | sort -u | head -20
  rm -f "${TMPDIR:-/tmp}/check-format.$$"
  echo "check-format: the files above are not formatted; run clang-format -i on them"
  exit 1
fi
rm -f "${TMPDIR:-/tmp}/check-format.$$"
echo "check-format: $(echo "$files" | wc -l) files formatted as .clang-format says"
