// Golden bytes for zk-records' hand-written multi records: builds fixed multi requests and
// responses with ZooKeeper's own classes (MultiOperationRecord, MultiResponse, Op, OpResult),
// serializes them with BinaryOutputArchive and prints "<name> <hex>" per record.
// Run by zk-records/tests/java_multi.rs in Java's source-file mode (no javac needed).

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.apache.jute.BinaryOutputArchive;
import org.apache.jute.Record;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.MultiOperationRecord;
import org.apache.zookeeper.MultiResponse;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.Stat;

public final class MultiGolden {
    public static void main(String[] args) throws Exception {
        byte[] data = "node data".getBytes("UTF-8");
        MultiOperationRecord write = new MultiOperationRecord(Arrays.asList(
            Op.create("/a", data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
            Op.create("/b", null, ZooDefs.Ids.READ_ACL_UNSAFE, CreateMode.EPHEMERAL_SEQUENTIAL),
            Op.create("/c", data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.CONTAINER),
            Op.create("/d", data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_WITH_TTL, 5000L),
            Op.delete("/e", 3),
            Op.setData("/f", data, -1),
            Op.check("/g", 7)));
        MultiOperationRecord read = new MultiOperationRecord(Arrays.asList(
            Op.getData("/a"), Op.getChildren("/b")));
        Stat stat = new Stat(1L, 2L, 3L, 4L, 5, 6, 7, 8L, 9, 10, 11L);
        MultiResponse response = new MultiResponse();
        response.add(new OpResult.CreateResult("/a"));
        response.add(new OpResult.CreateResult("/b0000000001", stat));
        response.add(new OpResult.DeleteResult());
        response.add(new OpResult.SetDataResult(stat));
        response.add(new OpResult.CheckResult());
        response.add(new OpResult.ErrorResult(-101));
        MultiResponse readResponse = new MultiResponse();
        readResponse.add(new OpResult.GetDataResult(data, stat));
        readResponse.add(new OpResult.GetChildrenResult(Arrays.asList("x", "y")));
        readResponse.add(new OpResult.ErrorResult(-101));
        print("write", write);
        print("read", read);
        print("response", response);
        print("read-response", readResponse);
    }

    private static void print(String name, Record record) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        record.serialize(BinaryOutputArchive.getArchive(bytes), "record");
        StringBuilder hex = new StringBuilder();
        for (byte b : bytes.toByteArray()) {
            hex.append(String.format("%02x", b & 0xff));
        }
        System.out.println(name + " " + hex);
    }
}
