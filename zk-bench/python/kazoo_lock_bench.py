"""The Python side of `cargo xtask bench locks`: kazoo's Lock under contention.

    python3 kazoo_lock_bench.py CONNECT PATH CONTENDERS WARMUP_MS DURATION_MS LABEL

Each contender (a thread with its own KazooClient, so its own session): acquire, add 1 to an
in-memory counter, release, repeat. Prints a header and one tab-separated row: client,
contenders, acquisitions in the measured window, acquisitions per second.
"""
import os
import sys
import threading
import time

from kazoo.client import KazooClient


def main():
    connect, path = sys.argv[1], sys.argv[2]
    contenders = int(sys.argv[3])
    warmup_ms, duration_ms = int(sys.argv[4]), int(sys.argv[5])
    label = sys.argv[6]
    count = [0]
    count_lock = threading.Lock()
    locks = []
    for _ in range(contenders):
        zk = KazooClient(hosts=connect, timeout=30.0)
        zk.start(timeout=30)
        locks.append(zk.Lock(path))

    def contend(lock):
        try:
            while True:
                lock.acquire()
                with count_lock:
                    count[0] += 1
                lock.release()
        except Exception as e:  # noqa: BLE001 - any failure ends the run
            print("contender failed: %r" % e, file=sys.stderr, flush=True)
            os._exit(3)

    for lock in locks:
        threading.Thread(target=contend, args=(lock,), daemon=True).start()
    time.sleep(warmup_ms / 1000.0)
    start, before = time.monotonic(), count[0]
    time.sleep(duration_ms / 1000.0)
    acquisitions = count[0] - before
    secs = time.monotonic() - start
    print("client\tcontenders\tacquisitions\tacq_per_s")
    print("%s\t%d\t%d\t%.1f" % (label, contenders, acquisitions, acquisitions / secs), flush=True)
    # The contenders' threads and sessions end with the process.
    os._exit(0)


if __name__ == "__main__":
    main()
