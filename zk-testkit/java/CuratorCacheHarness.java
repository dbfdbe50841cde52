// The Java side of zk-recipes' tree cache interoperability test: Apache Curator's CuratorCache
// on a path, printing its events as the Rust test's model logs them. Source-file mode:
//   java -cp <curator and zookeeper jars> CuratorCacheHarness.java CONNECT PATH
// Prints "+PATH=DATA" for a created node, "~PATH=DATA" for changed data, "-PATH" for a deleted
// node and "live" once the initial contents were read; closes (prints "closed") on a line on
// stdin.
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.retry.ExponentialBackoffRetry;

public class CuratorCacheHarness {
    static synchronized void print(String line) {
        System.out.println(line);
        System.out.flush();
    }

    static String text(ChildData node) {
        byte[] data = node.getData();
        return data == null ? "" : new String(data, StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        CuratorFramework client = CuratorFrameworkFactory.newClient(
                args[0], 6000, 15000, new ExponentialBackoffRetry(100, 5));
        client.start();
        if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
            print("NOT CONNECTED");
            System.exit(2);
        }
        CuratorCache cache = CuratorCache.build(client, args[1]);
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forCreates(node -> print("+" + node.getPath() + "=" + text(node)))
                .forChanges((old, node) -> print("~" + node.getPath() + "=" + text(node)))
                .forDeletes(old -> print("-" + old.getPath()))
                .forInitialized(() -> print("live"))
                .build());
        cache.start();
        System.in.read();
        cache.close();
        client.close();
        print("closed");
    }
}
