#!/bin/bash
# Writes the inputs of the zk-log / zk-snapshot benchmark (BENCHMARKS.md, "Data files") into
# DIR (default /tmp/zk-files-bench): a real ZooKeeper 3.8 server (Debian package) logs
# 100,000 creates of 100-byte nodes (kazoo, pipelined), is stopped and restarted, and writes a
# snapshot of the 100,000 znodes; the snapshot is also gzip-compressed (`.gz`, which Apache's
# SnapshotFormatter reads by name). Needs `apt-get install -y zookeeper python3-kazoo`.
set -eu
DIR=${1:-/tmp/zk-files-bench}
PORT=${PORT:-21810}
CP=/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-nop.jar
rm -rf "$DIR"; mkdir -p "$DIR/data"
cat > "$DIR/zoo.cfg" <<CFG
tickTime=2000
dataDir=$DIR/data
clientPort=$PORT
clientPortAddress=127.0.0.1
admin.enableServer=false
snapCount=10000000
forceSync=no
CFG
start() {
    java -Xmx512m -cp "$CP" org.apache.zookeeper.server.ZooKeeperServerMain "$DIR/zoo.cfg" \
        > "$DIR/server.log" 2>&1 &
    echo $! > "$DIR/pid"
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$PORT" && echo srvr >&3 && grep -q Mode <&3) 2>/dev/null; then
            return
        fi
        sleep 0.2
    done
    echo "ZooKeeper did not start" >&2; exit 1
}
stop() { kill "$(cat "$DIR/pid")"; wait "$(cat "$DIR/pid")" 2>/dev/null || true; }
start
/usr/bin/python3 - "127.0.0.1:$PORT" <<'PY'
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1]); zk.start()
zk.create("/bench", b"")
data = bytes(range(100))
for base in range(0, 100000, 2000):
    pending = [zk.create_async("/bench/n%06d" % i, data) for i in range(base, base + 2000)]
    for p in pending:
        p.get()
zk.stop(); zk.close()
PY
stop
start   # loading the data writes a snapshot of it
stop
cd "$DIR/data/version-2"
log=$(ls log.* | head -1); snap=$(ls snapshot.* | tail -1)
# Apache's tools want the names (SnapshotFormatter reads the zxid and the compression from it).
cp "$log" "$DIR/$log"; cp "$snap" "$DIR/$snap"; gzip -c "$snap" > "$DIR/$snap.gz"
ln -sf "$log" "$DIR/log"; ln -sf "$snap" "$DIR/snapshot"; ln -sf "$snap.gz" "$DIR/snapshot.gz"
ls -lL "$DIR/log" "$DIR/snapshot" "$DIR/snapshot.gz"
