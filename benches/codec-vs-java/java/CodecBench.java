// CodecBench: the Java half of `cargo xtask bench codec`. Times Apache's generated record
// classes (serialize/deserialize through BinaryOutputArchive/BinaryInputArchive) on the exact
// bytes the Rust side wrote to DIR/<name>.bin, with the same method as the Rust side: warm up,
// size a batch to last about BATCH_MS, time BATCHES batches, report the median ns/op.
//
// Usage: java -cp zookeeper-jute.jar:. CodecBench DIR [WARMUP_MS BATCH_MS BATCHES [NAME]]
// Output: tab-separated lines "record  encode  decode_stream  decode_bytebuffer" (ns/op).

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import org.apache.jute.BinaryInputArchive;
import org.apache.jute.BinaryOutputArchive;
import org.apache.jute.Record;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.GetChildrenResponse;
import org.apache.zookeeper.proto.GetDataResponse;
import org.apache.zookeeper.proto.ReconfigRequest;
import org.apache.zookeeper.proto.ReplyHeader;
import org.apache.zookeeper.proto.SetWatches2;
import org.apache.zookeeper.txn.MultiTxn;

public class CodecBench {
    /** Blackhole: every decoded record is published here, so the JIT cannot drop the work. */
    static volatile Object sinkObject;
    /** Blackhole for encoded sizes. */
    static volatile long sinkLong;

    interface Op {
        void run() throws IOException;
    }

    /** The record classes, in wire order, for each case name written by the Rust side. */
    @SuppressWarnings("unchecked")
    static List<Supplier<Record>> classesOf(String name) {
        switch (name) {
            case "Stat": return List.of(Stat::new);
            case "ReplyHeader": return List.of(ReplyHeader::new);
            case "GetDataReply_1KiB":
            case "GetDataReply_512KiB": return List.of(ReplyHeader::new, GetDataResponse::new);
            case "GetChildrenResponse_1000": return List.of(GetChildrenResponse::new);
            case "SetWatches2_10000": return List.of(SetWatches2::new);
            case "CreateRequest_3ACL": return List.of(CreateRequest::new);
            case "MultiTxn_4": return List.of(MultiTxn::new);
            case "ReconfigRequest_512KiB": return List.of(ReconfigRequest::new);
            default: throw new IllegalArgumentException("unknown case " + name);
        }
    }

    static final String[] CASES = {
        "Stat", "ReplyHeader", "GetDataReply_1KiB", "GetDataReply_512KiB",
        "GetChildrenResponse_1000", "SetWatches2_10000", "CreateRequest_3ACL", "MultiTxn_4",
        "ReconfigRequest_512KiB",
    };

    /** The same method as the Rust side's `Method::measure`: median ns/op of timed batches. */
    static double measure(Op op, long warmUpNs, long batchNs, int batches) throws IOException {
        long start = System.nanoTime();
        long calls = 0;
        while (System.nanoTime() - start < warmUpNs || calls == 0) {
            op.run();
            calls++;
        }
        double perCall = (double) (System.nanoTime() - start) / calls;
        long iters = Math.max(1, (long) (batchNs / perCall));
        double[] samples = new double[batches];
        for (int b = 0; b < batches; b++) {
            long t = System.nanoTime();
            for (long i = 0; i < iters; i++) {
                op.run();
            }
            samples[b] = (double) (System.nanoTime() - t) / iters;
        }
        Arrays.sort(samples);
        return samples[batches / 2];
    }

    /** A DataInput over a heap ByteBuffer: Java's fastest way to feed BinaryInputArchive. */
    static final class BufferInput implements DataInput {
        final ByteBuffer bb;

        BufferInput(ByteBuffer bb) {
            this.bb = bb;
        }

        private void need(int n) throws EOFException {
            if (bb.remaining() < n) {
                throw new EOFException();
            }
        }

        public void readFully(byte[] b) throws IOException { readFully(b, 0, b.length); }
        public void readFully(byte[] b, int off, int len) throws IOException { need(len); bb.get(b, off, len); }
        public int skipBytes(int n) { int k = Math.min(n, bb.remaining()); bb.position(bb.position() + k); return k; }
        public boolean readBoolean() throws IOException { need(1); return bb.get() != 0; }
        public byte readByte() throws IOException { need(1); return bb.get(); }
        public int readUnsignedByte() throws IOException { need(1); return bb.get() & 0xff; }
        public short readShort() throws IOException { need(2); return bb.getShort(); }
        public int readUnsignedShort() throws IOException { need(2); return bb.getShort() & 0xffff; }
        public char readChar() throws IOException { need(2); return bb.getChar(); }
        public int readInt() throws IOException { need(4); return bb.getInt(); }
        public long readLong() throws IOException { need(8); return bb.getLong(); }
        public float readFloat() throws IOException { need(4); return bb.getFloat(); }
        public double readDouble() throws IOException { need(8); return bb.getDouble(); }
        public String readLine() { throw new UnsupportedOperationException(); }
        public String readUTF() { throw new UnsupportedOperationException(); }
    }

    public static void main(String[] args) throws Exception {
        String dir = args[0];
        long warmUpNs = (args.length > 1 ? Long.parseLong(args[1]) : 3000) * 1_000_000L;
        long batchNs = (args.length > 2 ? Long.parseLong(args[2]) : 20) * 1_000_000L;
        int batches = args.length > 3 ? Integer.parseInt(args[3]) : 15;
        String only = args.length > 4 ? args[4] : null;

        System.out.println("record\tencode\tdecode_stream\tdecode_bytebuffer");
        for (String name : CASES) {
            if (only != null && !only.equals(name)) {
                continue;
            }
            byte[] bytes = Files.readAllBytes(Paths.get(dir, name + ".bin"));
            List<Supplier<Record>> classes = classesOf(name);

            // Decode once and check that Java writes back exactly the same bytes.
            List<Record> records = new ArrayList<>();
            BinaryInputArchive once = BinaryInputArchive.getArchive(new ByteArrayInputStream(bytes));
            for (Supplier<Record> make : classes) {
                Record r = make.get();
                r.deserialize(once, "");
                records.add(r);
            }
            ByteArrayOutputStream baos = new ByteArrayOutputStream(bytes.length);
            BinaryOutputArchive oa = BinaryOutputArchive.getArchive(baos);
            for (Record r : records) {
                r.serialize(oa, "");
            }
            if (!Arrays.equals(baos.toByteArray(), bytes)) {
                throw new IllegalStateException(name + ": Java re-encodes different bytes");
            }
            Record[] recs = records.toArray(new Record[0]);

            // Encode: into a reused ByteArrayOutputStream (reset()) through a reused archive.
            double encode = measure(() -> {
                baos.reset();
                for (Record r : recs) {
                    r.serialize(oa, "");
                }
                sinkLong = baos.size();
            }, warmUpNs, batchNs, batches);

            // Decode, the way ZooKeeper's client does it (BinaryInputArchive.getArchive over an
            // InputStream: a DataInputStream), from a reused ByteArrayInputStream rewound by reset().
            ByteArrayInputStream bais = new ByteArrayInputStream(bytes);
            BinaryInputArchive streamArchive = new BinaryInputArchive(new DataInputStream(bais));
            double decodeStream = measure(() -> {
                bais.reset();
                for (Supplier<Record> make : classes) {
                    Record r = make.get();
                    r.deserialize(streamArchive, "");
                    sinkObject = r;
                }
            }, warmUpNs, batchNs, batches);

            // Decode from a heap ByteBuffer through a minimal DataInput (no stream locking).
            ByteBuffer bb = ByteBuffer.wrap(bytes);
            BinaryInputArchive bufferArchive = new BinaryInputArchive(new BufferInput(bb));
            double decodeBuffer = measure(() -> {
                bb.clear();
                for (Supplier<Record> make : classes) {
                    Record r = make.get();
                    r.deserialize(bufferArchive, "");
                    sinkObject = r;
                }
            }, warmUpNs, batchNs, batches);

            System.out.printf("%s\t%.1f\t%.1f\t%.1f%n", name, encode, decodeStream, decodeBuffer);
        }
    }
}
