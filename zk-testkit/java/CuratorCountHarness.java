// The Java side of zk-recipes' SharedCount and barrier interoperability tests: Apache Curator's
// SharedCount, DistributedBarrier and DistributedDoubleBarrier, driven by commands. Source-file
// mode:
//   java -cp <curator and zookeeper jars> CuratorCountHarness.java CONNECT COMMAND PATH [ARG...]
// Commands:
//   count-get PATH SEED        prints "COUNT <value> <version>"
//   count-set PATH SEED VALUE  setCount(VALUE); prints "SET"
//   count-cas PATH SEED VALUE  reads the versioned value, prints "READ <value>", waits for a line
//                              on stdin, then trySetCount(read, VALUE): prints "TRUE" or "FALSE"
//   count-watch PATH SEED      prints "COUNT <value>" for each change heard, until a line on stdin
//   barrier-wait PATH          prints "WAITING", then "PASSED" once the barrier is down
//   double PATH N              enters (prints "ENTERED"), waits for a line on stdin, leaves
//                              (prints "LEFT")
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.barriers.DistributedBarrier;
import org.apache.curator.framework.recipes.barriers.DistributedDoubleBarrier;
import org.apache.curator.framework.recipes.shared.SharedCount;
import org.apache.curator.framework.recipes.shared.SharedCountListener;
import org.apache.curator.framework.recipes.shared.SharedCountReader;
import org.apache.curator.framework.recipes.shared.VersionedValue;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;

public class CuratorCountHarness {
    static synchronized void print(String line) {
        System.out.println(line);
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        String connect = args[0], command = args[1], path = args[2];
        CuratorFramework client = CuratorFrameworkFactory.newClient(
                connect, 6000, 15000, new ExponentialBackoffRetry(100, 5));
        client.start();
        if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
            print("NOT CONNECTED");
            System.exit(2);
        }
        switch (command) {
            case "count-get": {
                SharedCount count = new SharedCount(client, path, Integer.parseInt(args[3]));
                count.start();
                VersionedValue<Integer> v = count.getVersionedValue();
                print("COUNT " + v.getValue() + " " + v.getVersion());
                count.close();
                break;
            }
            case "count-set": {
                SharedCount count = new SharedCount(client, path, Integer.parseInt(args[3]));
                count.start();
                count.setCount(Integer.parseInt(args[4]));
                print("SET");
                count.close();
                break;
            }
            case "count-cas": {
                SharedCount count = new SharedCount(client, path, Integer.parseInt(args[3]));
                count.start();
                VersionedValue<Integer> read = count.getVersionedValue();
                print("READ " + read.getValue());
                System.in.read();
                print(count.trySetCount(read, Integer.parseInt(args[4])) ? "TRUE" : "FALSE");
                count.close();
                break;
            }
            case "count-watch": {
                SharedCount count = new SharedCount(client, path, Integer.parseInt(args[3]));
                count.addListener(new SharedCountListener() {
                    public void countHasChanged(SharedCountReader reader, int value) {
                        print("COUNT " + value);
                    }

                    public void stateChanged(CuratorFramework c, ConnectionState state) {}
                });
                count.start();
                print("STARTED");
                System.in.read();
                count.close();
                break;
            }
            case "barrier-wait": {
                DistributedBarrier barrier = new DistributedBarrier(client, path);
                print("WAITING");
                barrier.waitOnBarrier();
                print("PASSED");
                break;
            }
            case "double": {
                DistributedDoubleBarrier barrier =
                        new DistributedDoubleBarrier(client, path, Integer.parseInt(args[3]));
                barrier.enter();
                print("ENTERED");
                System.in.read();
                barrier.leave();
                print("LEFT");
                break;
            }
            default:
                print("UNKNOWN COMMAND " + command);
                System.exit(2);
        }
        client.close();
    }
}
