#!/usr/bin/env bash
# make check: the static checks CI runs before the tests.
#  1. every C++ file follows the repository's .clang-format (clang-format --dry-run --Werror);
#  2. every project header compiles alone (the header_check target, cmake/header_check.cmake).
# Usage: scripts/check.sh <build dir>   (a configured build tree, e.g. build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/check.sh <build dir>}

mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/smm-format.$$; then
  grep -E '^[^ ].*: (error|warning):' /tmp/smm-format.$$ | cut -d: -f1 | sort -u |
    sed 's/^/check: not formatted: /' >&2
  rm -f /tmp/smm-format.$$
  echo "check: run clang-format -i on the files above" >&2
  exit 1
fi
rm -f /tmp/smm-format.$$
echo "check: ${#files[@]} files follow .clang-format"

cmake --build "$build" --target header_check
echo "check: every header compiles alone"
