// Golden bytes for zk-records: fills each Jute record class given on the command line with
// pseudo-random values from a fixed seed (through its all-fields constructor), serializes it
// with Apache's BinaryOutputArchive and prints "<class name without org.apache.zookeeper.> <hex>".
// Strings stay in the Basic Multilingual Plane: Java writes other characters as CESU-8, which
// the Rust side reads but deliberately does not write (see java_golden.rs).
// Run by zk-records/tests/java_golden.rs; the output is checked in as tests/data/golden.txt.

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.jute.BinaryOutputArchive;
import org.apache.jute.Record;

public final class Golden {
    private static final String PREFIX = "org.apache.zookeeper.";
    private static final String[] TEXTS = {
        "", "/", "/zookeeper/quota", "world", "anyone", "digest", "caf\u00e9", "\u4e2d\u6587/\u8282\u70b9",
        "\u00fcber/\u00df", "\u0391\u03b8\u03ae\u03bd\u03b1", "tab\tand\nnewline", "NUL\u0000byte",
    };
    private static final int SAMPLES = 3;

    public static void main(String[] args) throws Exception {
        Random random = new Random(20240229L);
        StringBuilder out = new StringBuilder();
        for (String name : args) {
            Class<?> cls = Class.forName(PREFIX + name);
            for (int sample = 0; sample < SAMPLES; sample++) {
                Record record = (Record) fill(cls, random, 0);
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                record.serialize(BinaryOutputArchive.getArchive(bytes), "record");
                out.append(name).append(' ').append(hex(bytes.toByteArray())).append('\n');
            }
        }
        System.out.print(out);
    }

    private static Object fill(Class<?> cls, Random random, int depth) throws Exception {
        Constructor<?> all = null;
        for (Constructor<?> c : cls.getConstructors()) {
            if (all == null || c.getParameterCount() > all.getParameterCount()) {
                all = c;
            }
        }
        if (all == null) {
            throw new IllegalStateException("no public constructor on " + cls);
        }
        Type[] types = all.getGenericParameterTypes();
        Object[] values = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
            values[i] = value(types[i], random, depth);
        }
        return all.newInstance(values);
    }

    private static Object value(Type type, Random random, int depth) throws Exception {
        if (type == int.class) {
            return random.nextBoolean() ? random.nextInt() : random.nextInt(200) - 100;
        } else if (type == long.class) {
            return random.nextBoolean() ? random.nextLong() : (long) (random.nextInt(2000) - 1000);
        } else if (type == boolean.class) {
            return random.nextBoolean();
        } else if (type == byte.class) {
            return (byte) random.nextInt(256);
        } else if (type == float.class) {
            return random.nextFloat() * 1000f - 500f;
        } else if (type == double.class) {
            return random.nextDouble() * 1e6 - 5e5;
        } else if (type == String.class) {
            return TEXTS[random.nextInt(TEXTS.length)];
        } else if (type == byte[].class) {
            byte[] b = new byte[random.nextInt(12)];
            random.nextBytes(b);
            return b;
        } else if (type instanceof ParameterizedType && ((ParameterizedType) type).getRawType() == List.class) {
            Type element = ((ParameterizedType) type).getActualTypeArguments()[0];
            int n = depth > 2 ? 0 : random.nextInt(4);
            List<Object> list = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                list.add(value(element, random, depth + 1));
            }
            return list;
        } else if (type instanceof Class && Record.class.isAssignableFrom((Class<?>) type)) {
            return fill((Class<?>) type, random, depth + 1);
        }
        throw new IllegalStateException("unsupported field type " + type);
    }

    private static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            s.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return s.toString();
    }
}
