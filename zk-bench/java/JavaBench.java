//! The zk-bench workload through Apache's Java ZooKeeper client (async API), for
//! `cargo xtask bench client`: same flags, same node names, same histogram layout and the
//! same TSV row as `zk-bench --tsv`.
//!
//! Compiled at run time: `javac -cp /usr/share/java/zookeeper.jar JavaBench.java` (the jar's
//! manifest brings its dependencies). Closed loop: a semaphore per session allows `--pipeline`
//! outstanding requests; open loop (`--rate`): a dispatcher starts operations at their
//! scheduled times, limited by the same semaphores, and latency counts from the scheduled time
//! (from the wake-up when the dispatcher slept until it).

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import org.apache.zookeeper.AsyncCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

public final class JavaBench {
    // ---- the histogram of zk-bench/harness/src/hist.rs: exact below 128, 64 sub-buckets per octave.
    static final int SUB_BITS = 6;
    static final long MAX_VALUE = (1L << 40) - 1;
    static final int BUCKETS = ((40 - 1 - SUB_BITS) << SUB_BITS) + (2 << SUB_BITS);

    static int index(long v) {
        v = Math.max(0, Math.min(v, MAX_VALUE));
        if (v < (2 << SUB_BITS)) return (int) v;
        int msb = 63 - Long.numberOfLeadingZeros(v);
        int shift = msb - SUB_BITS;
        return (shift << SUB_BITS) + (int) (v >>> shift);
    }

    static long value(int i) {
        if (i < (2 << SUB_BITS)) return i;
        int shift = (i >> SUB_BITS) - 1;
        long sub = (i & ((1 << SUB_BITS) - 1)) + (1L << SUB_BITS);
        return (sub << shift) + ((1L << shift) >> 1);
    }

    static final AtomicLongArray HIST = new AtomicLongArray(BUCKETS);
    static final AtomicLong RECORDED = new AtomicLong();
    static final AtomicLong ERRORS = new AtomicLong();
    static final AtomicLong LAST_DONE = new AtomicLong();
    static volatile String firstError;

    static long quantile(double q) {
        long total = RECORDED.get();
        if (total == 0) return 0;
        long rank = Math.max(1, Math.min(total, (long) Math.ceil(q * total)));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += HIST.get(i);
            if (seen >= rank) return value(i);
        }
        return value(BUCKETS - 1);
    }

    // ---- options (the zk-bench flags this harness understands)
    static String server;
    static long serverPid = -1;
    static int sessions = 1, pipeline = 1, valueSize = 100, keys = 1000;
    static double durationS = 10, warmupS = 2, rate = 0;
    static long count = -1;
    static String mixSpec = "read", label = "java";

    static double parseDuration(String s) {
        if (s.endsWith("ms")) return Double.parseDouble(s.substring(0, s.length() - 2)) / 1000;
        if (s.endsWith("s")) return Double.parseDouble(s.substring(0, s.length() - 1));
        if (s.endsWith("m")) return Double.parseDouble(s.substring(0, s.length() - 1)) * 60;
        return Double.parseDouble(s);
    }

    // ---- the mix
    static final String[] OPS = {"get", "set", "create", "delete", "exists", "watch", "children"};
    static int[] cumulative;
    static int[] kinds;
    static int totalWeight;

    static void parseMix(String spec) {
        switch (spec) {
            case "read": spec = "get=100"; break;
            case "write": spec = "set=100"; break;
            case "mixed": spec = "get=80,set=10,create=5,delete=5"; break;
            case "churn": spec = "create=50,delete=50"; break;
            case "watch": spec = "watch=100"; break;
            case "children": spec = "children=100"; break;
            default: break;
        }
        List<int[]> table = new ArrayList<>();
        int total = 0;
        for (String part : spec.split(",")) {
            if (part.isEmpty()) continue;
            String[] kv = part.split("=");
            int kind = java.util.Arrays.asList(OPS).indexOf(kv[0].trim());
            if (kind < 0) throw new IllegalArgumentException("unknown operation " + kv[0]);
            int w = kv.length > 1 ? Integer.parseInt(kv[1].trim()) : 1;
            if (w > 0) {
                total += w;
                table.add(new int[] {total, kind});
            }
        }
        cumulative = new int[table.size()];
        kinds = new int[table.size()];
        for (int i = 0; i < table.size(); i++) {
            cumulative[i] = table.get(i)[0];
            kinds[i] = table.get(i)[1];
        }
        totalWeight = total;
    }

    /** xorshift64*, as in zk-bench. */
    static final class Rng {
        long s;
        Rng(long seed) { s = (seed * 0x9E3779B97F4A7C15L) | 1; }
        long next() {
            long x = s;
            x ^= x >>> 12;
            x ^= x << 25;
            x ^= x >>> 27;
            s = x;
            return x * 0x2545F4914F6CDD1DL;
        }
        int below(int n) { return (int) Long.remainderUnsigned(next(), n); }
    }

    static int pick(Rng rng) {
        int r = (int) Long.remainderUnsigned(rng.next(), totalWeight);
        for (int i = 0; i < cumulative.length; i++) if (r < cumulative[i]) return kinds[i];
        return 0;
    }

    // ---- CPU from /proc (utime + stime in USER_HZ ticks)
    static double cpuSeconds(String pid) {
        try {
            String stat = new String(Files.readAllBytes(Paths.get("/proc/" + pid + "/stat")));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    // ---- the run
    static String[] keyPaths;
    static byte[] value;
    static long measureStart, measureEnd = Long.MAX_VALUE;
    static final AtomicLong REMAINING = new AtomicLong(Long.MAX_VALUE);
    static volatile boolean stop;
    static final AtomicLong SEQ = new AtomicLong();
    static final ConcurrentLinkedQueue<String> CREATED = new ConcurrentLinkedQueue<>();
    static String prefix;

    /** One session: its client and the semaphore bounding its outstanding operations. */
    static final class Session {
        final ZooKeeper zk;
        final Semaphore permits;
        Session(ZooKeeper zk) { this.zk = zk; this.permits = new Semaphore(pipeline); }
    }

    /** Called once per finished operation. */
    static void done(Session s, long start, int rc, String what) {
        long now = System.nanoTime();
        s.permits.release();
        if (start < measureStart || now > measureEnd) return;
        if (REMAINING.decrementAndGet() < 0) {
            stop = true;
            return;
        }
        if (rc == 0) {
            HIST.incrementAndGet(index(now - start));
            RECORDED.incrementAndGet();
            LAST_DONE.accumulateAndGet(now, Math::max);
        } else {
            ERRORS.incrementAndGet();
            if (firstError == null) firstError = what + ": " + KeeperException.Code.get(rc);
        }
    }

    /** Starts one operation (the permit is already held). */
    static void start(Session s, int kind, Rng rng, long start) {
        ZooKeeper zk = s.zk;
        String key = keyPaths[rng.below(keyPaths.length)];
        switch (kind) {
            case 0:
                zk.getData(key, false, (rc, path, ctx, data, stat) -> done(s, start, rc, "get"), null);
                break;
            case 1:
                zk.setData(key, value, -1, (rc, path, ctx, stat) -> done(s, start, rc, "set"), null);
                break;
            case 3: {
                String victim = CREATED.poll();
                if (victim != null) {
                    zk.delete(victim, -1, (rc, path, ctx) -> done(s, start, rc, "delete"), null);
                    break;
                }
                create(s, start);
                break;
            }
            case 2:
                create(s, start);
                break;
            case 4:
                zk.exists(key, false, (rc, path, ctx, stat) -> done(s, start, rc, "exists"), null);
                break;
            case 5: {
                // A fresh watcher object each time (the client keeps a set per path).
                Watcher w = event -> done(s, start, 0, "watch");
                zk.getData(key, w, (rc, path, ctx, data, stat) -> {
                    if (rc != 0) {
                        done(s, start, rc, "watch get");
                        return;
                    }
                    zk.setData(key, value, -1, (rc2, p2, c2, st2) -> {
                        if (rc2 != 0) done(s, start, rc2, "watch set");
                    }, null);
                }, null);
                break;
            }
            case 6:
                zk.getChildren("/zk-bench/k", false,
                    (rc, path, ctx, children) -> done(s, start, rc, "children"), null);
                break;
            default:
                throw new IllegalStateException();
        }
    }

    static void create(Session s, long start) {
        String path = prefix + "-" + SEQ.getAndIncrement();
        s.zk.create(path, value, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT,
            (rc, p, ctx, name) -> {
                if (rc == 0) CREATED.add(path);
                done(s, start, rc, "create");
            }, null);
    }

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--server": server = args[++i]; break;
                case "--server-pid": serverPid = Long.parseLong(args[++i]); break;
                case "--sessions": sessions = Integer.parseInt(args[++i]); break;
                case "--pipeline": pipeline = Integer.parseInt(args[++i]); break;
                case "--mix": mixSpec = args[++i]; break;
                case "--value-size": valueSize = Integer.parseInt(args[++i]); break;
                case "--keys": keys = Integer.parseInt(args[++i]); break;
                case "--duration": durationS = parseDuration(args[++i]); break;
                case "--count": count = Long.parseLong(args[++i]); break;
                case "--warmup": warmupS = parseDuration(args[++i]); break;
                case "--rate": rate = Double.parseDouble(args[++i]); break;
                case "--label": label = args[++i]; break;
                case "--tsv": break;
                default: throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        if (server == null) throw new IllegalArgumentException("--server is required");
        parseMix(mixSpec);
        keyPaths = new String[keys];
        for (int i = 0; i < keys; i++) keyPaths[i] = String.format("/zk-bench/k/%07d", i);
        value = new byte[valueSize];
        java.util.Arrays.fill(value, (byte) 'v');
        prefix = "/zk-bench/c/" + label + "-" + ProcessHandle.current().pid();

        List<Session> all = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            CountDownLatch connected = new CountDownLatch(1);
            ZooKeeper zk = new ZooKeeper(server, 30000, e -> {
                if (e.getState() == Watcher.Event.KeeperState.SyncConnected) connected.countDown();
            });
            if (!connected.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("no connection");
            all.add(new Session(zk));
        }

        long t0 = System.nanoTime();
        measureStart = t0 + (long) (warmupS * 1e9);
        if (count >= 0) REMAINING.set(count);
        else measureEnd = measureStart + (long) (durationS * 1e9);

        // Closed loop: one dispatcher per session, so a session whose permits are all taken
        // never holds back the others. Open loop: one dispatcher hands slots out round-robin.
        List<Thread> dispatchers = new ArrayList<>();
        if (rate > 0) {
            dispatchers.add(new Thread(() -> dispatch(all, t0, 1), "dispatcher"));
        } else {
            for (int i = 0; i < all.size(); i++) {
                List<Session> one = List.of(all.get(i));
                long seed = i + 1;
                dispatchers.add(new Thread(() -> dispatch(one, t0, seed), "dispatcher-" + seed));
            }
        }
        for (Thread d : dispatchers) d.start();
        long sleep = measureStart - System.nanoTime();
        if (sleep > 0) Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        String pid = String.valueOf(serverPid);
        double cpu0 = cpuSeconds("self"), scpu0 = serverPid > 0 ? cpuSeconds(pid) : Double.NaN;
        double cpu1, scpu1;
        long end;
        if (count < 0) {
            sleep = measureEnd - System.nanoTime();
            if (sleep > 0) Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
            cpu1 = cpuSeconds("self");
            scpu1 = serverPid > 0 ? cpuSeconds(pid) : Double.NaN;
            stop = true;
            for (Thread d : dispatchers) d.join();
            end = measureEnd;
        } else {
            for (Thread d : dispatchers) d.join();
            for (Session s : all) s.permits.acquire(pipeline);
            cpu1 = cpuSeconds("self");
            scpu1 = serverPid > 0 ? cpuSeconds(pid) : Double.NaN;
            end = LAST_DONE.get();
        }
        long ops = RECORDED.get();
        double elapsed = Math.max(1e-9, (end - measureStart) / 1e9);
        if (firstError != null) System.err.println(ERRORS.get() + " operations failed; the first: " + firstError);
        System.out.println("client\tops\tops_per_s\tp50_us\tp99_us\tp999_us\tclient_cpu_us_per_op\tserver_cpu_us_per_op\terrors");
        System.out.println(String.format(java.util.Locale.ROOT, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.2f\t%.2f\t%d",
            label, ops, ops / elapsed, quantile(0.5) / 1000.0, quantile(0.99) / 1000.0,
            quantile(0.999) / 1000.0, (cpu1 - cpu0) * 1e6 / ops, (scpu1 - scpu0) * 1e6 / ops, ERRORS.get()));
        System.out.flush();
        // Closing waits for each session's close; the numbers are out already.
        for (Session s : all) s.zk.close(2000);
        System.exit(0);
    }

    /** Starts operations on `all` (round-robin): as fast as permits allow (closed loop) or at
     * the scheduled times. */
    static void dispatch(List<Session> all, long t0, long seed) {
        Rng rng = new Rng(seed);
        double interval = rate > 0 ? 1e9 / rate : 0;
        long k = 0;
        int next = 0;
        while (!stop) {
            long start;
            if (rate > 0) {
                long slot = t0 + (long) (interval * k++);
                long now = System.nanoTime();
                if (slot > now) {
                    LockSupport.parkNanos(slot - now);
                    start = System.nanoTime();
                } else {
                    start = slot;
                }
            } else {
                start = -1;
            }
            Session s = all.get(next);
            next = (next + 1) % all.size();
            try {
                while (!s.permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    if (stop) return;
                }
            } catch (InterruptedException e) {
                return;
            }
            if (start < 0) start = System.nanoTime();
            start(s, pick(rng), rng, start);
        }
    }
}
