// The Java side of zk-recipes' service-discovery tests: Apache Curator's ServiceDiscovery
// (curator-x-discovery, its default JSON serializer), driven by commands. Run in source-file
// mode: java -cp <curator, jackson and zookeeper jars> DiscoveryHarness.java CONNECT BASE COMMAND ARGS
// Commands:
//   register NAME ID   registers an instance with every field set (DYNAMIC, a map payload, a
//                      URI spec), prints "REGISTERED <its JSON, enabled included>", and on a
//                      line on stdin closes the discovery (unregistering it) and prints CLOSED
//   expect NAME ID JSON  finds ID among queryForInstances(NAME) and compares it with JSON read
//                      by Curator's serializer, with ServiceInstance.equals: prints EQUAL, or
//                      DIFFERENT <what was found>, or MISSING
//   provider NAME N    a round-robin ServiceProvider: prints the ids of N getInstance() calls
//                      on one line, sorted and deduplicated
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceProvider;
import org.apache.curator.x.discovery.ServiceType;
import org.apache.curator.x.discovery.UriSpec;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;

public class DiscoveryHarness {
    public static void main(String[] args) throws Exception {
        String connect = args[0], base = args[1], command = args[2];
        CuratorFramework client = CuratorFrameworkFactory.newClient(
                connect, 6000, 15000, new ExponentialBackoffRetry(100, 5));
        client.start();
        if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
            System.out.println("NOT CONNECTED");
            System.exit(2);
        }
        JsonInstanceSerializer<Object> full = new JsonInstanceSerializer<>(Object.class, false);
        ServiceDiscovery<Object> discovery = ServiceDiscoveryBuilder.builder(Object.class)
                .client(client)
                .basePath(base)
                .build();
        discovery.start();
        if (command.equals("register")) {
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("zone", "eu-1");
            payload.put("weight", 7);
            payload.put("tags", Arrays.asList("a", "b"));
            ServiceInstance<Object> instance = ServiceInstance.builder()
                    .name(args[3])
                    .id(args[4])
                    .address("10.1.2.3")
                    .port(8080)
                    .sslPort(8443)
                    .payload(payload)
                    .registrationTimeUTC(1700000000123L)
                    .serviceType(ServiceType.DYNAMIC)
                    .uriSpec(new UriSpec("{scheme}://{address}:{ssl-port}/api"))
                    .build();
            discovery.registerService(instance);
            System.out.println("REGISTERED " + new String(full.serialize(instance), "UTF-8"));
            System.out.flush();
            System.in.read();
            discovery.close();
            System.out.println("CLOSED");
        } else if (command.equals("expect")) {
            ServiceInstance<Object> expected = full.deserialize(args[5].getBytes("UTF-8"));
            String verdict = "MISSING";
            for (ServiceInstance<Object> found : discovery.queryForInstances(args[3])) {
                if (found.getId().equals(args[4])) {
                    verdict = found.equals(expected) ? "EQUAL" : "DIFFERENT " + found + " vs " + expected;
                }
            }
            System.out.println(verdict);
        } else if (command.equals("provider")) {
            ServiceProvider<Object> provider = discovery.serviceProviderBuilder().serviceName(args[3]).build();
            provider.start();
            TreeSet<String> ids = new TreeSet<>();
            for (int i = 0; i < Integer.parseInt(args[4]); i++) {
                ServiceInstance<Object> got = provider.getInstance();
                ids.add(got == null ? "null" : got.getId());
            }
            System.out.println(String.join(" ", ids));
            provider.close();
        } else {
            System.out.println("UNKNOWN COMMAND " + command);
            System.exit(2);
        }
        System.out.flush();
        client.close();
    }
}
