#!/usr/bin/env bash
# replay.sh FUZZER DIR...: runs FUZZER once on every file of the DIRs (the
# seed corpus and the regressions), without fuzzing. Fails on any crash,
# sanitizer report or broken invariant. Used by ctest (fuzz.<name>).
set -euo pipefail
fuzzer=$1
shift
files=()
for dir in "$@"; do
  [ -d "$dir" ] || continue
  while IFS= read -r -d '' file; do files+=("$file"); done < <(find "$dir" -type f -print0 | sort -z)
done
if [ "${#files[@]}" -eq 0 ]; then
  echo "no inputs in $*" >&2
  exit 1
fi
echo "replaying ${#files[@]} inputs through $(basename "$fuzzer")"
exec "$fuzzer" -timeout=60 -rss_limit_mb=2048 "${files[@]}"
