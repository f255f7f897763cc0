#!/usr/bin/env bash
# Fuzzes every target for N minutes in total, shared equally (docs/fuzzing.md):
# the certificate core's pfx, pem, inspect and keys (crates/certcore/tests/fuzz) and the
# host's PowerShell parser (host/tests/fuzz.rs). Every run first replays
# tests/fuzz/regressions/. Exits non-zero when a target fails or crashes; a new failing
# input is saved under tests/fuzz/regressions/<target>/ with a line that replays it.
#
#   scripts/fuzz.sh                      # 2 minutes in total
#   scripts/fuzz.sh --minutes 60         # an hour, with a random seed per target
#   scripts/fuzz.sh --only certcore      # skip the host (its build takes ~10 minutes)
#   options: --seed N|random  --oracle-calls N  --only certcore|host
#            --max-nest N  (levels one nesting mutation adds, default 16; the parser's
#            exponential $( ) nesting hangs near 20, its stack overflows near 1000)
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=2 seed=random calls=400 nest=16 only=all
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --oracle-calls) calls="$2"; shift 2 ;;
    --max-nest) nest="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$only" in all|certcore|host) ;; *) echo "error: --only takes certcore or host" >&2; exit 2 ;; esac

certcore_targets=(pfx pem inspect keys)
host_targets=(ps_parser)
count=0
[ "$only" != host ] && count=$((count + ${#certcore_targets[@]}))
[ "$only" != certcore ] && count=$((count + ${#host_targets[@]}))
seconds=$(awk -v m="$minutes" -v n="$count" 'BEGIN { if (m <= 0) exit 1; printf "%.1f", m * 60 / n }') \
  || { echo "error: --minutes takes a positive number" >&2; exit 2; }

progress="${CARGO_TARGET_DIR:-$PWD/target}/fuzz-in-progress"
rm -rf "$progress"
export CERTHOST_FUZZ_SECONDS="$seconds" CERTHOST_FUZZ_SEED="$seed" \
  CERTHOST_FUZZ_ORACLE_CALLS="$calls" CERTHOST_FUZZ_MAX_NEST="$nest" \
  CERTHOST_FUZZ_IN_PROGRESS_DIR="$progress"
echo "fuzzing $count target(s) for ${seconds}s each (seed $seed, $calls oracle calls, nesting up to $nest)"

status=0
run() { # package, test names...
  local package="$1"; shift
  cargo test --release --locked -p "$package" --test fuzz -- --exact --test-threads 1 --nocapture "$@" || status=1
}
[ "$only" != host ] && run certhost-core "${certcore_targets[@]}"
[ "$only" != certcore ] && run certhost "${host_targets[@]}"

# A target that killed its test process (stack overflow, abort) left its input behind.
if [ -d "$progress" ]; then
  for file in "$progress"/*.in-progress.bin; do
    [ -e "$file" ] || continue
    target=$(basename "$file" .in-progress.bin)
    id=$(sha256sum "$file" | cut -c1-16)
    mkdir -p "tests/fuzz/regressions/$target"
    cp "$file" "tests/fuzz/regressions/$target/$id.bin"
    echo "CRASH $target: the test process died on tests/fuzz/regressions/$target/$id.bin"
    echo "  replay: CERTHOST_FUZZ_REPLAY=$PWD/tests/fuzz/regressions/$target/$id.bin cargo test --release -p $( [ "$target" = ps-parser ] && echo certhost || echo certhost-core ) --test fuzz -- --nocapture"
    status=1
  done
fi
exit $status
