// The Java side of zk-recipes' interoperability tests: Apache Curator's InterProcessMutex on a
// path, driven by commands. Run in source-file mode (no javac needed):
//   java -cp <curator and zookeeper jars> CuratorHarness.java CONNECT COMMAND LOCK [ARG]
// Commands:
//   contend LOCK N   N times: acquire, run the shared critical section, release; prints DONE
//   hold LOCK        acquire, print "HELD <node>", wait for a line on stdin, release
//   try LOCK MS      acquire within MS milliseconds: "ACQUIRED <node>" (then release) or TIMEOUT
//   hold-read LOCK, hold-write LOCK, try-read LOCK MS, try-write LOCK MS: the same with a side
//                    of Curator's InterProcessReadWriteLock on LOCK
//   sem-hold PATH MAX  take a lease of InterProcessSemaphoreV2(PATH, MAX): "HELD <lease node>",
//                    return it on a line on stdin
//   sem-try PATH MAX MS  a lease within MS milliseconds: "ACQUIRED <lease node>" (then
//                    returned) or TIMEOUT
//                    (for both, a MAX starting with "/" is the path of a SharedCount, seeded 1,
//                    whose value is the limit: InterProcessSemaphoreV2(PATH, SharedCountReader))
//   latch PATH ID    join a LeaderLatch election as ID: prints STARTED, then LEADER / NOT_LEADER
//                    as leadership changes; leaves (prints CLOSED) on a line on stdin
// The critical section (the Rust side runs the same): create the ephemeral /holder (exists
// already: two holders at once, print OVERLAP and exit 3), add 1 to /counter, append the
// holder's fencing token (its lock node's czxid) to /log as a sequential node ("java:<czxid>"),
// delete /holder.
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreV2;
import org.apache.curator.framework.recipes.locks.Lease;
import org.apache.curator.framework.recipes.shared.SharedCount;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

public class CuratorHarness {
    // The semaphore on PATH: MAX leases, or as many as the SharedCount at MAX (a path) says.
    static InterProcessSemaphoreV2 semaphore(CuratorFramework client, String path, String max)
            throws Exception {
        if (!max.startsWith("/")) {
            return new InterProcessSemaphoreV2(client, path, Integer.parseInt(max));
        }
        SharedCount count = new SharedCount(client, max, 1);
        count.start();
        return new InterProcessSemaphoreV2(client, path, count);
    }

    public static void main(String[] args) throws Exception {
        String connect = args[0], command = args[1], lock = args[2];
        CuratorFramework client = CuratorFrameworkFactory.newClient(
                connect, 6000, 15000, new ExponentialBackoffRetry(100, 5));
        client.start();
        if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
            System.out.println("NOT CONNECTED");
            System.exit(2);
        }
        if (command.equals("sem-hold")) {
            InterProcessSemaphoreV2 sem = semaphore(client, lock, args[3]);
            Lease lease = sem.acquire();
            System.out.println("HELD " + lease.getNodeName());
            System.out.flush();
            System.in.read();
            sem.returnLease(lease);
            System.out.println("RELEASED");
            System.out.flush();
            client.close();
            return;
        }
        if (command.equals("sem-try")) {
            InterProcessSemaphoreV2 sem = semaphore(client, lock, args[3]);
            Lease lease = sem.acquire(Long.parseLong(args[4]), TimeUnit.MILLISECONDS);
            if (lease == null) {
                System.out.println("TIMEOUT");
            } else {
                System.out.println("ACQUIRED " + lease.getNodeName());
                sem.returnLease(lease);
            }
            System.out.flush();
            client.close();
            return;
        }
        if (command.equals("latch")) {
            LeaderLatch latch = new LeaderLatch(client, lock, args[3]);
            latch.addListener(new LeaderLatchListener() {
                public void isLeader() {
                    System.out.println("LEADER");
                    System.out.flush();
                }

                public void notLeader() {
                    System.out.println("NOT_LEADER");
                    System.out.flush();
                }
            });
            latch.start();
            System.out.println("STARTED");
            System.out.flush();
            System.in.read();
            latch.close();
            System.out.println("CLOSED");
            System.out.flush();
            client.close();
            return;
        }
        InterProcessMutex mutex;
        if (command.endsWith("-read")) {
            mutex = new InterProcessReadWriteLock(client, lock).readLock();
            command = command.substring(0, command.length() - 5);
        } else if (command.endsWith("-write")) {
            mutex = new InterProcessReadWriteLock(client, lock).writeLock();
            command = command.substring(0, command.length() - 6);
        } else {
            mutex = new InterProcessMutex(client, lock);
        }
        switch (command) {
            case "contend": {
                int n = Integer.parseInt(args[3]);
                for (int i = 0; i < n; i++) {
                    mutex.acquire();
                    critical(client, holderNode(client, mutex));
                    mutex.release();
                }
                System.out.println("DONE");
                break;
            }
            case "hold": {
                mutex.acquire();
                System.out.println("HELD " + holderNode(client, mutex));
                System.out.flush();
                System.in.read();
                mutex.release();
                System.out.println("RELEASED");
                break;
            }
            case "try": {
                if (mutex.acquire(Long.parseLong(args[3]), TimeUnit.MILLISECONDS)) {
                    System.out.println("ACQUIRED " + holderNode(client, mutex));
                    mutex.release();
                } else {
                    System.out.println("TIMEOUT");
                }
                break;
            }
            default:
                System.out.println("unknown command " + command);
                System.exit(2);
        }
        System.out.flush();
        client.close();
    }

    /** Our lock node: the first participant while we hold a mutex or a write lock; for a
     *  reader, the participant whose node is ours (Curator does not say which: the one
     *  owned by our session). */
    static String holderNode(CuratorFramework client, InterProcessMutex mutex) throws Exception {
        long session = client.getZookeeperClient().getZooKeeper().getSessionId();
        for (String node : mutex.getParticipantNodes()) {
            Stat stat = client.checkExists().forPath(node);
            if (stat != null && stat.getEphemeralOwner() == session) {
                return node;
            }
        }
        throw new IllegalStateException("no participant node of ours");
    }

    static void critical(CuratorFramework client, String node) throws Exception {
        try {
            client.create().withMode(CreateMode.EPHEMERAL).forPath("/holder");
        } catch (KeeperException.NodeExistsException e) {
            System.out.println("OVERLAP");
            System.out.flush();
            System.exit(3);
        }
        Stat stat = new Stat();
        byte[] data = client.getData().storingStatIn(stat).forPath("/counter");
        int count = Integer.parseInt(new String(data, StandardCharsets.UTF_8));
        Thread.sleep(2);
        client.setData().withVersion(stat.getVersion())
                .forPath("/counter", Integer.toString(count + 1).getBytes(StandardCharsets.UTF_8));
        long token = client.checkExists().forPath(node).getCzxid();
        client.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                .forPath("/log/t-", ("java:" + token).getBytes(StandardCharsets.UTF_8));
        client.delete().forPath("/holder");
    }
}
