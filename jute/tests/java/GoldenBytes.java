// Golden bytes for the jute crate's tests, produced by Apache's own BinaryOutputArchive.
//
//   javac -cp zookeeper-jute.jar -d OUT GoldenBytes.java
//   java -cp zookeeper-jute.jar:OUT GoldenBytes write          -> "name hex" lines on stdout
//   java -cp zookeeper-jute.jar:OUT GoldenBytes read-string HEX -> the code points Java decodes
//
// The record `Everything` (see everything.jute) is written field by field with the same archive
// calls that Rcc-generated code makes; Rcc's own Java output for vector<int> and map fields does
// not compile, so it cannot be used directly.
import org.apache.jute.BinaryInputArchive;
import org.apache.jute.BinaryOutputArchive;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

public class GoldenBytes {
    interface Body { void write(BinaryOutputArchive a) throws IOException; }

    static void emit(String name, Body body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        body.write(BinaryOutputArchive.getArchive(out));
        StringBuilder hex = new StringBuilder();
        for (byte b : out.toByteArray()) hex.append(String.format("%02x", b));
        System.out.println(name + " " + hex);
    }

    static void inner(BinaryOutputArchive a, int i, String s) throws IOException {
        a.startRecord(null, "inner");
        a.writeInt(i, "i");
        a.writeString(s, "s");
        a.endRecord(null, "inner");
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 2 && args[0].equals("read-string")) {
            byte[] bytes = new byte[args[1].length() / 2];
            for (int i = 0; i < bytes.length; i++)
                bytes[i] = (byte) Integer.parseInt(args[1].substring(2 * i, 2 * i + 2), 16);
            String s = BinaryInputArchive.getArchive(new ByteArrayInputStream(bytes)).readString("s");
            StringBuilder cps = new StringBuilder();
            s.codePoints().forEach(cp -> cps.append(String.format("U+%04X ", cp)));
            System.out.println(cps.toString().trim());
            return;
        }
        emit("byte_min", a -> a.writeByte(Byte.MIN_VALUE, "v"));
        emit("byte_max", a -> a.writeByte(Byte.MAX_VALUE, "v"));
        emit("byte_minus_one", a -> a.writeByte((byte) -1, "v"));
        emit("bool_true", a -> a.writeBool(true, "v"));
        emit("bool_false", a -> a.writeBool(false, "v"));
        emit("int_zero", a -> a.writeInt(0, "v"));
        emit("int_min", a -> a.writeInt(Integer.MIN_VALUE, "v"));
        emit("int_max", a -> a.writeInt(Integer.MAX_VALUE, "v"));
        emit("int_minus_one", a -> a.writeInt(-1, "v"));
        emit("long_min", a -> a.writeLong(Long.MIN_VALUE, "v"));
        emit("long_max", a -> a.writeLong(Long.MAX_VALUE, "v"));
        emit("long_value", a -> a.writeLong(0x0102030405060708L, "v"));
        emit("float_one_and_half", a -> a.writeFloat(1.5f, "v"));
        emit("float_negative_zero", a -> a.writeFloat(-0.0f, "v"));
        emit("float_infinity", a -> a.writeFloat(Float.POSITIVE_INFINITY, "v"));
        emit("float_min_positive", a -> a.writeFloat(Float.MIN_VALUE, "v"));
        emit("double_pi", a -> a.writeDouble(Math.PI, "v"));
        emit("double_negative_infinity", a -> a.writeDouble(Double.NEGATIVE_INFINITY, "v"));
        emit("double_max", a -> a.writeDouble(Double.MAX_VALUE, "v"));
        emit("string_null", a -> a.writeString(null, "v"));
        emit("string_empty", a -> a.writeString("", "v"));
        emit("string_ascii", a -> a.writeString("/zookeeper/quota", "v"));
        emit("string_nul", a -> a.writeString("a\u0000b", "v"));
        emit("string_non_ascii", a -> a.writeString("Grüße, €, 日本語, \uFFFD", "v"));
        emit("string_non_bmp", a -> a.writeString("x\uD83D\uDE00y\uDBFF\uDFFF", "v"));
        emit("buffer_null", a -> a.writeBuffer(null, "v"));
        emit("buffer_empty", a -> a.writeBuffer(new byte[0], "v"));
        emit("buffer_bytes", a -> a.writeBuffer(new byte[] {0, 1, (byte) 0x7f, (byte) 0x80, (byte) 0xff}, "v"));
        emit("vector_null", a -> { a.startVector(null, "v"); a.endVector(null, "v"); });
        emit("vector_empty", a -> { a.startVector(new ArrayList<Integer>(), "v"); a.endVector(new ArrayList<Integer>(), "v"); });
        // Java cannot write a null map: startMap(null) throws NullPointerException.
        emit("vector_ints", a -> {
            List<Integer> v = Arrays.asList(1, -2, 300000);
            a.startVector(v, "v");
            for (int x : v) a.writeInt(x, "e");
            a.endVector(v, "v");
        });
        emit("everything", a -> {
            a.startRecord(null, "everything");
            a.writeByte((byte) -7, "b");
            a.writeBool(true, "yes");
            a.writeBool(false, "no");
            a.writeInt(-123456, "i");
            a.writeLong(0x7766554433221100L, "l");
            a.writeFloat(-2.25f, "f");
            a.writeDouble(6.02214076e23, "d");
            a.writeString("Grüße", "s");
            a.writeString("\uD83D\uDE00", "nonBmp");
            a.writeBuffer(new byte[] {(byte) 0xca, (byte) 0xfe}, "buf");
            List<Integer> ints = Arrays.asList(3, 1, 2);
            a.startVector(ints, "ints");
            for (int x : ints) a.writeInt(x, "e");
            a.endVector(ints, "ints");
            List<String> strs = Arrays.asList("", "a", "bc");
            a.startVector(strs, "strs");
            for (String x : strs) a.writeString(x, "e");
            a.endVector(strs, "strs");
            List<List<Long>> nested = Arrays.asList(Arrays.asList(1L, 2L), new ArrayList<Long>(), Arrays.asList(-3L));
            a.startVector(nested, "nested");
            for (List<Long> v : nested) {
                a.startVector(v, "e");
                for (long x : v) a.writeLong(x, "e");
                a.endVector(v, "e");
            }
            a.endVector(nested, "nested");
            List<Integer> inners = Arrays.asList(1, 2);
            a.startVector(inners, "inners");
            inner(a, 1, "one");
            inner(a, 2, "two");
            a.endVector(inners, "inners");
            TreeMap<String, Integer> m = new TreeMap<>();
            m.put("b", 2);
            m.put("a", 1);
            m.put("c", 3);
            a.startMap(m, "m");
            for (java.util.Map.Entry<String, Integer> e : m.entrySet()) {
                a.writeString(e.getKey(), "k");
                a.writeInt(e.getValue(), "v");
            }
            a.endMap(m, "m");
            TreeMap<Integer, List<String>> mv = new TreeMap<>();
            mv.put(10, Arrays.asList("x"));
            mv.put(-5, new ArrayList<String>());
            a.startMap(mv, "mv");
            for (java.util.Map.Entry<Integer, List<String>> e : mv.entrySet()) {
                a.writeInt(e.getKey(), "k");
                a.startVector(e.getValue(), "v");
                for (String x : e.getValue()) a.writeString(x, "e");
                a.endVector(e.getValue(), "v");
            }
            a.endMap(mv, "mv");
            inner(a, 42, "inner");
            a.endRecord(null, "everything");
        });
    }
}
