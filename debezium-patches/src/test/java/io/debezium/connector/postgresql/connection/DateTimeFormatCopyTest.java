package io.debezium.connector.postgresql.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.debezium.connector.postgresql.PostgresConnector;
import io.tributary.debezium.DebeziumOriginals;

/** This module's copy of {@link DateTimeFormat} reads what PostgreSQL prints as Debezium's own does, mostly by hand. */
class DateTimeFormatCopyTest {

    private static final String[] OFFSETS = {"+00", "+01", "-05", "+05:30", "-03:30", "+05:45", "+14", "-12", "+13:45", "-09:30"};

    private static Class<?> original;
    private static Object originalFormat;
    private final DateTimeFormat copy = DateTimeFormat.get();

    @BeforeAll
    static void loadOriginal() throws Exception {
        String name = DateTimeFormat.class.getName();
        DebeziumOriginals originals = new DebeziumOriginals(PostgresConnector.class, name, name + "$ISODateTimeFormat");
        original = originals.loadClass(name + "$ISODateTimeFormat");
        originalFormat = original.getDeclaredConstructor().newInstance();
        assertThat(original.getClassLoader()).isSameAs(originals);
    }

    /** {@code yyyy-MM-dd HH:mm:ss[.ffffff]} as PostgreSQL prints it: microseconds, trailing zeros left out. */
    private static String plain(Random random) {
        int year = random.nextInt(10) == 0 ? 1 + random.nextInt(9999) : 1970 + random.nextInt(100);
        String s = String.format("%04d-%02d-%02d %02d:%02d:%02d", year, 1 + random.nextInt(12), 1 + random.nextInt(28),
                random.nextInt(24), random.nextInt(60), random.nextInt(60));
        int micros = random.nextInt(3) == 0 ? 0 : random.nextInt(1_000_000);
        if (micros != 0) {
            s += "." + String.format("%06d", micros).replaceAll("0+$", "");
        }
        return s;
    }

    @Test
    void timestampsWithTimeZoneInPostgresFormAreReadByHandAndAgree() throws Throwable {
        Random random = new Random(11);
        for (int i = 0; i < 5_000; i++) {
            String s = plain(random) + OFFSETS[random.nextInt(OFFSETS.length)];
            assertThat(DateTimeFormat.PlainForm.offsetDateTime(s)).as("read by hand: %s", s).isNotNull();
            agree("timestampWithTimeZoneToOffsetDateTime", s);
        }
    }

    @Test
    void timestampsInPostgresFormAreReadByHandAndAgree() throws Throwable {
        Random random = new Random(12);
        for (int i = 0; i < 5_000; i++) {
            String s = plain(random);
            assertThat(DateTimeFormat.PlainForm.localDateTime(s, s.length())).as("read by hand: %s", s).isNotNull();
            agree("timestampToInstant", s);
        }
    }

    @Test
    void everyOtherFormGoesThroughDebeziumsFormattersErrorsIncluded() throws Throwable {
        List<String> withZone = new ArrayList<>(List.of(
                "1850-01-01 00:00:00+00:09:21", // a local mean time offset, with seconds
                "0044-03-15 12:00:00+00 BC", "0044-03-15 12:00:00.5+00 BC",
                "12345-06-07 08:09:10+00", "275760-09-13 00:00:00.000001-03:30",
                "2026-11-25 10:15:30.123456789+01", // nine digits: not PostgreSQL's, still ISO_LOCAL_TIME's
                "2026-11-25 10:15:30.+01", "2026-11-25 10:15+01", "2026-11-25T10:15:30+01", "2026-11-25 10:15:30",
                "2026-11-25 10:15:30+1", "2026-11-25 10:15:30+19", "2026-11-25 10:15:30+18:30", "2026-11-25 10:15:30+05:3x",
                "2026-02-30 10:15:30+00", "2026-13-01 10:15:30+00", "2026-11-25 24:00:00+00", "2026-11-25 10:60:00+00",
                "0000-01-01 00:00:00+00", "2026-1a-25 10:15:30+00", "garbage", ""));
        for (String s : withZone) {
            agree("timestampWithTimeZoneToOffsetDateTime", s);
        }
        List<String> local = List.of("0044-03-15 12:00:00 BC", "12345-06-07 08:09:10", "2026-11-25 10:15:30.123456789",
                "2026-11-25 10:15:30.", "2026-11-25 10:15:30+00", "2026-11-25 10:15:30 ", "2026-02-30 10:15:30",
                "2026-11-25 24:00:00", "0000-01-01 00:00:00", "garbage", "");
        for (String s : local) {
            agree("timestampToInstant", s);
        }
        assertThat(DateTimeFormat.PlainForm.offsetDateTime("0044-03-15 12:00:00+00 BC")).isNull();
        assertThat(DateTimeFormat.PlainForm.offsetDateTime("1850-01-01 00:00:00+00:09:21")).isNull();
        assertThat(DateTimeFormat.PlainForm.localDateTime("2026-02-30 10:15:30", 19)).isNull();
    }

    /** The copy returns what the original returns, or throws what it throws. */
    private void agree(String method, String s) throws Throwable {
        Object expected = null;
        Throwable expectedError = null;
        try {
            expected = DebeziumOriginals.call(originalFormat, original, method, String.class, s);
        } catch (RuntimeException e) {
            expectedError = e;
        }
        Object actual = null;
        Throwable actualError = null;
        try {
            actual = DebeziumOriginals.call(copy, DateTimeFormat.class, method, String.class, s);
        } catch (RuntimeException e) {
            actualError = e;
        }
        if (expectedError != null) {
            assertThat(actualError).as("%s(%s): Debezium's throws %s", method, s, expectedError).isNotNull()
                    .hasSameClassAs(expectedError);
        } else {
            assertThat(actualError).as("%s(%s)", method, s).isNull();
            assertThat(actual).as("%s(%s)", method, s).isEqualTo(expected);
        }
    }
}
