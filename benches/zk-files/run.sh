#!/bin/bash
# Times `zk log` / `zk snapshot` and Apache's TxnLogToolkit / SnapshotFormatter on
# the files make-data.sh wrote, one after the other in one run, output to /dev/null:
# wall time and peak RSS from /usr/bin/time -v. Prints one Markdown table row per run.
# Usage: run.sh [DIR] [ROUNDS]   (zk from target/release: cargo build --release -p zk-command)
# OLD=path/to/an/older/jute (one with `jute zk-log`/`zk-snapshot`) adds its rows (snapshots,
# and the crafted log of crafted-resync.py with 1 MiB, DIR/crafted-1m.log, when present);
# DIR/crafted-4m.log is timed when present.
set -eu
DIR=${1:-/tmp/zk-files-bench}
ROUNDS=${2:-3}
ZK=${ZK:-${CARGO_TARGET_DIR:-target}/release/zk}
CP=/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-nop.jar
LOG=$(cd "$DIR" && ls log.* | head -1)
SNAP=$(cd "$DIR" && ls snapshot.* | grep -v '\.gz$' | tail -1)
measure() {
    local name=$1; shift
    /usr/bin/time -v "$@" > /dev/null 2> "$DIR/time.txt" || true
    local wall rss
    wall=$(grep 'Elapsed (wall clock)' "$DIR/time.txt" | sed 's/.*: //')
    rss=$(grep 'Maximum resident' "$DIR/time.txt" | sed 's/.*: //')
    printf '| %s | %s | %d MiB |\n' "$name" "$wall" $((rss / 1024))
}
echo "| run | wall (m:ss) | peak RSS |"
echo "|---|---|---|"
for _ in $(seq "$ROUNDS"); do
    measure "zk log $LOG" "$ZK" log "$DIR/$LOG"
    measure "TxnLogToolkit $LOG" java -cp "$CP" org.apache.zookeeper.server.persistence.TxnLogToolkit "$DIR/$LOG"
    measure "zk snapshot $SNAP" "$ZK" snapshot "$DIR/$SNAP"
    measure "SnapshotFormatter -d $SNAP" java -cp "$CP" org.apache.zookeeper.server.SnapshotFormatter -d "$DIR/$SNAP"
    measure "zk snapshot $SNAP.gz" "$ZK" snapshot "$DIR/$SNAP.gz"
    measure "SnapshotFormatter -d $SNAP.gz" java -cp "$CP" org.apache.zookeeper.server.SnapshotFormatter -d "$DIR/$SNAP.gz"
    if [ -n "${OLD:-}" ]; then
        measure "old jute zk-snapshot $SNAP" "$OLD" zk-snapshot "$DIR/$SNAP"
        measure "old jute zk-snapshot $SNAP.gz" "$OLD" zk-snapshot "$DIR/$SNAP.gz"
    fi
    for f in crafted-1m.log crafted-4m.log; do
        [ -f "$DIR/$f" ] && measure "zk log $f" "$ZK" log "$DIR/$f"
    done
    if [ -n "${OLD:-}" ] && [ -f "$DIR/crafted-1m.log" ]; then
        measure "old jute zk-log crafted-1m.log" "$OLD" zk-log "$DIR/crafted-1m.log"
    fi
done
