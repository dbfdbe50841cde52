// The Java side of `cargo xtask bench locks`: Curator's InterProcessMutex under contention.
// Run in source-file mode with Curator's jars (zk_testkit::curator_classpath()):
//   java -cp <jars> CuratorLockBench.java CONNECT PATH CONTENDERS WARMUP_MS DURATION_MS LABEL
// Each contender (a thread with its own CuratorFramework, so its own session): acquire, add 1
// to an in-memory counter, release, repeat. Prints a header and one tab-separated row:
// client, contenders, acquisitions in the measured window, acquisitions per second.
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.ExponentialBackoffRetry;

public class CuratorLockBench {
    public static void main(String[] args) throws Exception {
        String connect = args[0], path = args[1];
        int contenders = Integer.parseInt(args[2]);
        long warmupMs = Long.parseLong(args[3]), durationMs = Long.parseLong(args[4]);
        String label = args[5];
        AtomicLong count = new AtomicLong();
        List<InterProcessMutex> mutexes = new ArrayList<>();
        for (int i = 0; i < contenders; i++) {
            CuratorFramework client = CuratorFrameworkFactory.newClient(
                    connect, 30000, 15000, new ExponentialBackoffRetry(100, 5));
            client.start();
            if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
                System.err.println("not connected to " + connect);
                System.exit(2);
            }
            mutexes.add(new InterProcessMutex(client, path));
        }
        for (InterProcessMutex mutex : mutexes) {
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        mutex.acquire();
                        count.incrementAndGet();
                        mutex.release();
                    }
                } catch (Exception e) {
                    System.err.println("contender failed: " + e);
                    System.exit(3);
                }
            });
            t.setDaemon(true);
            t.start();
        }
        Thread.sleep(warmupMs);
        long start = System.nanoTime(), before = count.get();
        Thread.sleep(durationMs);
        long acquisitions = count.get() - before;
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.println("client\tcontenders\tacquisitions\tacq_per_s");
        System.out.printf("%s\t%d\t%d\t%.1f%n", label, contenders, acquisitions, acquisitions / secs);
        System.out.flush();
        System.exit(0);
    }
}
