#!/usr/bin/env bash
# Times `chancery demo --no-serve` (release): content load, 9 accounts (argon2), sources,
# data-pack import, three reports through the real workflow. Prints each run and the median.
# Usage: bench/demo.sh [RUNS]   (default 5)
cd "$(dirname "$0")/.."
set -euo pipefail
RUNS=${1:-5}
cargo build --release -q -p chancery-cli
WORK=$(mktemp -d /tmp/chancery-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
times=()
for i in $(seq 1 "$RUNS"); do
  rm -f "$WORK"/demo.db*
  start=$(date +%s.%N)
  target/release/chancery --database "sqlite:$WORK/demo.db" demo --no-serve > /dev/null
  end=$(date +%s.%N)
  t=$(python3 -c "print(f'{$end - $start:.3f}')")
  echo "run $i: ${t} s"
  times+=("$t")
done
python3 -c "import statistics, sys; print(f'median: {statistics.median(map(float, sys.argv[1:])):.3f} s')" "${times[@]}"
