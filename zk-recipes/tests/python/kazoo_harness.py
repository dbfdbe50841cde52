"""The Python side of zk-recipes' kazoo interoperability tests: kazoo's Lock on a path.

Run with Debian's Python (python3-kazoo):
    /usr/bin/python3 kazoo_harness.py CONNECT COMMAND LOCK [ARG]
Commands (as the Curator harness):
    contend LOCK N   N times: acquire, run the shared critical section, release; prints DONE
    hold LOCK        acquire, print "HELD <node>", wait for a line on stdin, release
    try LOCK MS      acquire within MS milliseconds: "ACQUIRED <node>" (then release) or TIMEOUT
    elect PATH ID    kazoo's Election as ID: prints LEADER while leading, until a line on
                     stdin, then RELEASED
The critical section: create the ephemeral /holder (exists already: print OVERLAP, exit 3),
add 1 to /counter, log "python:<czxid of our lock node>" under /log, delete /holder.
"""
import sys
import time

from kazoo.client import KazooClient
from kazoo.exceptions import LockTimeout, NodeExistsError


def critical(zk, lock):
    try:
        zk.create("/holder", b"", ephemeral=True)
    except NodeExistsError:
        print("OVERLAP", flush=True)
        sys.exit(3)
    data, stat = zk.get("/counter")
    time.sleep(0.002)
    zk.set("/counter", str(int(data) + 1).encode(), version=stat.version)
    token = zk.exists(lock.path + "/" + lock.node).czxid
    zk.create("/log/t-", ("python:%d" % token).encode(), sequence=True)
    zk.delete("/holder")


def main():
    connect, command, path = sys.argv[1], sys.argv[2], sys.argv[3]
    zk = KazooClient(hosts=connect, timeout=6.0)
    zk.start(timeout=30)
    if command == "elect":
        def lead():
            print("LEADER", flush=True)
            sys.stdin.readline()
        zk.Election(path, sys.argv[4]).run(lead)
        print("RELEASED", flush=True)
        zk.stop()
        zk.close()
        return
    lock = zk.Lock(path)
    if command == "contend":
        for _ in range(int(sys.argv[4])):
            with lock:
                critical(zk, lock)
        print("DONE", flush=True)
    elif command == "hold":
        lock.acquire()
        print("HELD %s/%s" % (path, lock.node), flush=True)
        sys.stdin.readline()
        lock.release()
        print("RELEASED", flush=True)
    elif command == "try":
        try:
            got = lock.acquire(timeout=int(sys.argv[4]) / 1000.0)
        except LockTimeout:
            got = False
        if got:
            print("ACQUIRED %s/%s" % (path, lock.node), flush=True)
            lock.release()
        else:
            print("TIMEOUT", flush=True)
    else:
        print("unknown command " + command, flush=True)
        sys.exit(2)
    zk.stop()
    zk.close()


if __name__ == "__main__":
    main()
