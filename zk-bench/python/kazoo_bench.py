#!/usr/bin/python3
"""The zk-bench workload through the Python kazoo client (async API), for
`cargo xtask bench client`: same flags, same node names, same histogram layout and the same
TSV row as `zk-bench --tsv`. Run with Debian's /usr/bin/python3 (package python3-kazoo).

A dispatcher (the main thread) starts operations while a semaphore per session allows
`--pipeline` outstanding ones (closed loop), or at scheduled times with `--rate` (open loop:
latency counts from the scheduled time, or from the wake-up when it slept until it).
"""

import argparse
import logging
import math
import os
import sys
import threading
import time

from kazoo.client import KazooClient

# ---- the histogram of zk-bench/harness/src/hist.rs: exact below 128, 64 sub-buckets per octave.
SUB_BITS = 6
MAX_VALUE = (1 << 40) - 1
BUCKETS = ((40 - 1 - SUB_BITS) << SUB_BITS) + (2 << SUB_BITS)


def index(v):
    v = max(0, min(v, MAX_VALUE))
    if v < (2 << SUB_BITS):
        return v
    shift = v.bit_length() - 1 - SUB_BITS
    return (shift << SUB_BITS) + (v >> shift)


def value(i):
    if i < (2 << SUB_BITS):
        return i
    shift = (i >> SUB_BITS) - 1
    sub = (i & ((1 << SUB_BITS) - 1)) + (1 << SUB_BITS)
    return (sub << shift) + ((1 << shift) >> 1)


def quantile(hist, total, q):
    if total == 0:
        return 0
    rank = max(1, min(total, math.ceil(q * total)))
    seen = 0
    for i, c in enumerate(hist):
        seen += c
        if seen >= rank:
            return value(i)
    return value(BUCKETS - 1)


def parse_duration(s):
    if s.endswith("ms"):
        return float(s[:-2]) / 1000
    if s.endswith("s"):
        return float(s[:-1])
    if s.endswith("m"):
        return float(s[:-1]) * 60
    return float(s)


PRESETS = {
    "read": "get=100",
    "write": "set=100",
    "mixed": "get=80,set=10,create=5,delete=5",
    "churn": "create=50,delete=50",
    "watch": "watch=100",
    "children": "children=100",
}
OPS = ["get", "set", "create", "delete", "exists", "watch", "children"]


class Rng:
    """xorshift64*, as in zk-bench."""

    def __init__(self, seed):
        self.s = ((seed * 0x9E3779B97F4A7C15) | 1) & 0xFFFFFFFFFFFFFFFF

    def next(self):
        x = self.s
        x ^= x >> 12
        x ^= (x << 25) & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 27
        self.s = x
        return (x * 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / 100.0
    except (OSError, ValueError, IndexError):
        return float("nan")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--server", required=True)
    p.add_argument("--server-pid", type=int, default=-1)
    p.add_argument("--sessions", type=int, default=1)
    p.add_argument("--pipeline", type=int, default=1)
    p.add_argument("--mix", default="read")
    p.add_argument("--value-size", type=int, default=100)
    p.add_argument("--keys", type=int, default=1000)
    p.add_argument("--duration", default="10s")
    p.add_argument("--count", type=int, default=-1)
    p.add_argument("--warmup", default="2s")
    p.add_argument("--rate", type=float, default=0.0)
    p.add_argument("--label", default="kazoo")
    p.add_argument("--tsv", action="store_true")
    a = p.parse_args()
    logging.basicConfig(level=logging.CRITICAL)

    table, total_w = [], 0
    for part in PRESETS.get(a.mix, a.mix).split(","):
        if not part:
            continue
        name, _, w = part.partition("=")
        w = int(w or 1)
        if w > 0:
            total_w += w
            table.append((total_w, OPS.index(name.strip())))

    keys = ["/zk-bench/k/%07d" % i for i in range(a.keys)]
    val = b"v" * a.value_size
    prefix = "/zk-bench/c/%s-%d" % (a.label, os.getpid())

    clients = []
    for _ in range(a.sessions):
        c = KazooClient(hosts=a.server, timeout=30.0)
        c.start(timeout=30)
        clients.append((c, threading.Semaphore(a.pipeline)))

    lock = threading.Lock()
    hist = [0] * BUCKETS
    st = {"recorded": 0, "errors": 0, "first": None, "last": 0, "remaining": a.count, "seq": 0}
    created = []
    stop = threading.Event()
    t0 = time.monotonic_ns()
    measure_start = t0 + int(parse_duration(a.warmup) * 1e9)
    measure_end = measure_start + int(parse_duration(a.duration) * 1e9) if a.count < 0 else 1 << 62

    def done(sem, start, ok, what):
        now = time.monotonic_ns()
        sem.release()
        if start < measure_start or now > measure_end:
            return
        with lock:
            if a.count >= 0:
                st["remaining"] -= 1
                if st["remaining"] < 0:
                    stop.set()
                    return
            if ok is True:
                hist[index(now - start)] += 1
                st["recorded"] += 1
                st["last"] = max(st["last"], now)
            else:
                st["errors"] += 1
                if st["first"] is None:
                    st["first"] = "%s: %r" % (what, ok)

    def finished(sem, start, what, on_ok=None):
        def cb(res):
            exc = res.exception
            if exc is None and on_ok is not None:
                on_ok()
            done(sem, start, True if exc is None else exc, what)
        return cb

    def create(c, sem, start):
        with lock:
            path = "%s-%d" % (prefix, st["seq"])
            st["seq"] += 1
        c.create_async(path, val).rawlink(
            finished(sem, start, "create", lambda: created.append(path)))

    def start_op(c, sem, kind, key, start):
        if kind == 0:
            c.get_async(key).rawlink(finished(sem, start, "get"))
        elif kind == 1:
            c.set_async(key, val).rawlink(finished(sem, start, "set"))
        elif kind == 2:
            create(c, sem, start)
        elif kind == 3:
            try:
                victim = created.pop(0)
            except IndexError:
                create(c, sem, start)
                return
            c.delete_async(victim).rawlink(finished(sem, start, "delete"))
        elif kind == 4:
            c.exists_async(key).rawlink(finished(sem, start, "exists"))
        elif kind == 6:
            c.get_children_async("/zk-bench/k").rawlink(finished(sem, start, "children"))
        else:
            def on_get(res):
                if res.exception is not None:
                    done(sem, start, res.exception, "watch get")
                    return
                c.set_async(key, val)

            c.get_async(key, watch=lambda event: done(sem, start, True, "watch")).rawlink(on_get)

    def dispatch(sessions, seed):
        rng = Rng(seed)
        interval = 1e9 / a.rate if a.rate > 0 else 0
        k = 0
        n = 0
        while not stop.is_set():
            start = -1
            if a.rate > 0:
                slot = t0 + int(interval * k)
                k += 1
                now = time.monotonic_ns()
                if slot > now:
                    time.sleep((slot - now) / 1e9)
                    start = time.monotonic_ns()
                else:
                    start = slot
            c, sem = sessions[n]
            n = (n + 1) % len(sessions)
            while not sem.acquire(timeout=0.1):
                if stop.is_set():
                    return
            if start < 0:
                start = time.monotonic_ns()
            r = rng.next() % total_w
            kind = next((kd for upto, kd in table if r < upto), 0)
            start_op(c, sem, kind, keys[rng.next() % len(keys)], start)

    # Closed loop: one dispatcher per session (a full session never holds back the others);
    # open loop: one dispatcher hands slots out round-robin.
    if a.rate > 0:
        threads = [threading.Thread(target=dispatch, args=(clients, 1), daemon=True)]
    else:
        threads = [threading.Thread(target=dispatch, args=([c], i + 1), daemon=True)
                   for i, c in enumerate(clients)]
    for th in threads:
        th.start()
    time.sleep(max(0, (measure_start - time.monotonic_ns()) / 1e9))
    cpu0, scpu0 = cpu_seconds("self"), cpu_seconds(a.server_pid) if a.server_pid > 0 else float("nan")
    if a.count < 0:
        time.sleep(max(0, (measure_end - time.monotonic_ns()) / 1e9))
        cpu1, scpu1 = cpu_seconds("self"), cpu_seconds(a.server_pid) if a.server_pid > 0 else float("nan")
        stop.set()
        end = measure_end
    else:
        stop.wait()
        cpu1, scpu1 = cpu_seconds("self"), cpu_seconds(a.server_pid) if a.server_pid > 0 else float("nan")
        end = st["last"]
    for th in threads:
        th.join(timeout=5)
    ops = st["recorded"]
    elapsed = max(1e-9, (end - measure_start) / 1e9)
    if st["first"] is not None:
        print("%d operations failed; the first: %s" % (st["errors"], st["first"]), file=sys.stderr)
    per_op = (lambda c: c * 1e6 / ops) if ops else (lambda c: float("nan"))
    print("client\tops\tops_per_s\tp50_us\tp99_us\tp999_us\tclient_cpu_us_per_op\tserver_cpu_us_per_op\terrors")
    print("%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.2f\t%.2f\t%d" % (
        a.label, ops, ops / elapsed, quantile(hist, ops, 0.5) / 1000, quantile(hist, ops, 0.99) / 1000,
        quantile(hist, ops, 0.999) / 1000, per_op(cpu1 - cpu0), per_op(scpu1 - scpu0), st["errors"]))
    sys.stdout.flush()
    for c, _ in clients:
        try:
            c.stop()
            c.close()
        except Exception:  # noqa: BLE001 -- the numbers are out already
            pass
    os._exit(0)


if __name__ == "__main__":
    main()
