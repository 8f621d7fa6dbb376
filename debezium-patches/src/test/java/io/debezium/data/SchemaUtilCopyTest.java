package io.debezium.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.debezium.pipeline.meters.CommonEventMeter;
import io.tributary.debezium.DebeziumOriginals;

/** This module's copy of {@link SchemaUtil} renders records as Debezium's own does, without an ObjectMapper. */
class SchemaUtilCopyTest {

    private static final Schema ROW = SchemaBuilder.struct().name("t.Value")
            .field("id", Schema.INT64_SCHEMA)
            .field("name", Schema.OPTIONAL_STRING_SCHEMA)
            .field("raw", Schema.OPTIONAL_BYTES_SCHEMA)
            .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
            .field("attrs", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).optional().build())
            .field("nested", SchemaBuilder.struct().name("t.Nested").optional().field("note", Schema.STRING_SCHEMA).build())
            .build();

    private static Class<?> original;

    @BeforeAll
    static void loadOriginal() throws Exception {
        String name = SchemaUtil.class.getName();
        DebeziumOriginals originals = new DebeziumOriginals(CommonEventMeter.class, name, name + "$RecordWriter", name + "$1");
        original = originals.loadClass(name);
        assertThat(original.getClassLoader()).isSameAs(originals);
    }

    /** Strings with what JSON escapes (quotes, backslashes, control characters) and what it leaves (non-ASCII, '/'). */
    private static String text(Random random) {
        String alphabet = "ab\"\\/\b\f\n\r\t\u0000\u0001\u001f\u007f é€\u2028\uD83D\uDE00<>&'";
        StringBuilder s = new StringBuilder();
        for (int i = random.nextInt(12); i > 0; i--) {
            int at = random.nextInt(alphabet.length());
            s.append(Character.isHighSurrogate(alphabet.charAt(at)) ? alphabet.substring(at, at + 2) : String.valueOf(alphabet.charAt(at)));
        }
        return s.toString();
    }

    @Test
    void rendersStructsSchemasAndRecordsAsDebeziumsOwn() throws Throwable {
        Random random = new Random(5);
        for (int i = 0; i < 2_000; i++) {
            Struct row = new Struct(ROW).put("id", (long) i)
                    .put("name", random.nextInt(5) == 0 ? null : text(random))
                    .put("raw", random.nextBoolean() ? ByteBuffer.wrap(text(random).getBytes()) : null)
                    .put("tags", List.of(text(random), text(random)))
                    .put("attrs", Map.of(text(random) + "k", text(random)))
                    .put("nested", new Struct(ROW.field("nested").schema()).put("note", text(random)));
            agree("asDetailedString", Struct.class, row);
            agree("asString", Struct.class, row);
            SourceRecord record = new SourceRecord(Map.of("server", text(random)), Map.of("lsn", (long) i), "t", null,
                    Schema.INT64_SCHEMA, (long) i, ROW, row);
            agree("asDetailedString", SourceRecord.class, record);
        }
        agree("asDetailedString", Schema.class, ROW);
    }

    private static void agree(String method, Class<?> parameter, Object value) throws Throwable {
        Object expected = DebeziumOriginals.call(null, original, method, parameter, value);
        Object actual = DebeziumOriginals.call(null, SchemaUtil.class, method, parameter, value);
        assertThat(actual).as("%s(%s)", method, expected).isEqualTo(expected);
    }
}
