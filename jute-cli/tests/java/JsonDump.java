// Java-side values of Jute records, for jute-cli/tests/java_values.rs: reads lines
// "<record name without org.apache.zookeeper.> <hex>" on stdin, deserializes each with Apache's
// record class and BinaryInputArchive, and prints "<name> <hex> <json>" where the JSON holds
// every field's value, read back by reflection from the Java object, keyed by field name.
// Floats are printed with Float.toString/Double.toString (NaN and infinities as strings);
// buffers as lowercase hex; strings with every non-ASCII character escaped.

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.jute.BinaryInputArchive;
import org.apache.jute.Record;

public final class JsonDump {
    private static final String PREFIX = "org.apache.zookeeper.";

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        StringBuilder out = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            line = line.trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split(" ");
            String hex = parts.length > 1 ? parts[1] : "";
            Record record = (Record) Class.forName(PREFIX + parts[0]).getDeclaredConstructor().newInstance();
            record.deserialize(BinaryInputArchive.getArchive(new ByteArrayInputStream(unhex(hex))), "record");
            out.append(parts[0]).append(' ').append(hex).append(' ');
            json(record, out);
            out.append('\n');
        }
        System.out.print(out);
    }

    private static void json(Object value, StringBuilder out) throws Exception {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Integer || value instanceof Long || value instanceof Byte
                || value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof Float) {
            number(Float.toString((Float) value), out);
        } else if (value instanceof Double) {
            number(Double.toString((Double) value), out);
        } else if (value instanceof String) {
            string((String) value, out);
        } else if (value instanceof byte[]) {
            out.append('"');
            for (byte b : (byte[]) value) {
                out.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
            }
            out.append('"');
        } else if (value instanceof List) {
            out.append('[');
            boolean first = true;
            for (Object item : (List<?>) value) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                json(item, out);
            }
            out.append(']');
        } else if (value instanceof Map) {
            out.append('[');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                out.append('[');
                json(e.getKey(), out);
                out.append(',');
                json(e.getValue(), out);
                out.append(']');
            }
            out.append(']');
        } else if (value instanceof Record) {
            out.append('{');
            boolean first = true;
            for (Field f : value.getClass().getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                f.setAccessible(true);
                if (!first) {
                    out.append(',');
                }
                first = false;
                string(f.getName(), out);
                out.append(':');
                json(f.get(value), out);
            }
            out.append('}');
        } else {
            throw new IllegalStateException("unsupported value " + value.getClass());
        }
    }

    private static void number(String text, StringBuilder out) {
        if (text.equals("NaN") || text.endsWith("Infinity")) {
            string(text, out);
        } else {
            out.append(text);
        }
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }

    private static byte[] unhex(String hex) {
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
