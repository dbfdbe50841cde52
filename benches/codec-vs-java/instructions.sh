#!/usr/bin/env bash
# Instructions per operation under callgrind: (Ir of N iterations - Ir of 0) / N, for each
# record and operation given (default: all). Build first:
#   cargo build --release -p codec-bench --bin codec-profile
# Usage: benches/codec-vs-java/instructions.sh [N] [RECORD...]
set -euo pipefail
bin=${CARGO_TARGET_DIR:-target}/release/codec-profile
n=${1:-2000}; shift || true
records=("$@")
[ ${#records[@]} -gt 0 ] || records=(Stat ReplyHeader GetDataReply_1KiB GetDataReply_512KiB GetChildrenResponse_1000 SetWatches2_10000 CreateRequest_3ACL MultiTxn_4 ReconfigRequest_512KiB)
ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$@" 2>&1 | sed -n 's/.*Collected : //p'; }
printf "record\tencode\tdecode_slice\tdecode_bytes\tdecode_view\n"
for r in "${records[@]}"; do
  row=$r
  for op in encode decode_slice decode_bytes decode_view; do
    m=$n; case $r in *512KiB|SetWatches2*) m=$((n / 20 + 1));; esac
    a=$(ir "$r" "$op" 0); b=$(ir "$r" "$op" "$m")
    row+=$'\t'$(( (b - a) / m ))
  done
  printf '%s\n' "$row"
done
