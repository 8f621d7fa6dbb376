/*
 * Copyright Debezium Authors.
 *
 * Licensed under the Apache Software License version 2.0, available at http://www.apache.org/licenses/LICENSE-2.0
 */
package io.debezium.connector.postgresql.connection;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.SignStyle;
import java.time.format.TextStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.function.Supplier;

import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.debezium.connector.postgresql.PostgresValueConverter;

/**
 * Transformer for time/date related string representations in replication messages.
 * <p>
 * <b>Tributary:</b> a copy of this interface from debezium-connector-postgres 3.5.0.Final, which the capture-service
 * loads instead of Debezium's own (application.properties, {@code quarkus.class-loading.removed-resources}). One
 * change: {@link ISODateTimeFormat#timestampToInstant} and {@link ISODateTimeFormat#timestampWithTimeZoneToOffsetDateTime}
 * read the form PostgreSQL prints ({@code 2026-11-25 10:15:30.123456+01}) by hand first. Debezium's
 * {@link DateTimeFormatter}s copy their parse state at every optional section; in the capture-service at 5k changes/s
 * that was a third of everything allocated. Any other form (an era, a year past 9999, an offset with seconds, a value
 * out of range) goes through the formatters as before, errors included. {@code DateTimeFormatCopyTest} compares both on
 * generated values and fails when the Debezium version changes.
 *
 * @author Jiri Pechanec
 *
 */
public interface DateTimeFormat {
    Instant timestampToInstant(String s);

    OffsetDateTime timestampWithTimeZoneToOffsetDateTime(String s);

    Instant systemTimestampToInstant(String s);

    LocalDate date(String s);

    LocalTime time(String s);

    OffsetTime timeWithTimeZone(String s);

    static DateTimeFormat get() {
        return new ISODateTimeFormat();
    }

    class ISODateTimeFormat implements DateTimeFormat {
        private static final Logger LOGGER = LoggerFactory.getLogger(ISODateTimeFormat.class);

        // This formatter is similar to standard Java's ISO_LOCAL_DATE. But this one is
        // using 'YEAR_OF_ERA + SignStyle.NEVER' instead of 'YEAR+SignStyle.EXCEEDS_PAD'
        // to support ChronoField.ERA at the end of the date string.
        private static final DateTimeFormatter NON_ISO_LOCAL_DATE = new DateTimeFormatterBuilder()
                .appendValue(ChronoField.YEAR_OF_ERA, 4, 10, SignStyle.NEVER)
                .appendLiteral('-')
                .appendValue(ChronoField.MONTH_OF_YEAR, 2)
                .appendLiteral('-')
                .appendValue(ChronoField.DAY_OF_MONTH, 2)
                .toFormatter();

        private static final String TS_FORMAT_PATTERN_HINT = "y..y-MM-dd HH:mm:ss[.S]";
        private static final DateTimeFormatter TS_FORMAT = new DateTimeFormatterBuilder()
                .append(NON_ISO_LOCAL_DATE)
                .appendLiteral(' ')
                .append(DateTimeFormatter.ISO_LOCAL_TIME)
                .optionalStart()
                .appendLiteral(" ")
                .appendText(ChronoField.ERA, TextStyle.SHORT)
                .optionalEnd()
                .toFormatter();

        private static final String TS_TZ_FORMAT_PATTERN_HINT = "y..y-MM-dd HH:mm:ss[.S]X";
        private static final DateTimeFormatter TS_TZ_FORMAT = new DateTimeFormatterBuilder()
                .append(NON_ISO_LOCAL_DATE)
                .appendLiteral(' ')
                .append(DateTimeFormatter.ISO_LOCAL_TIME)
                .appendOffset("+HH:mm", "")
                .optionalStart()
                .appendLiteral(" ")
                .appendText(ChronoField.ERA, TextStyle.SHORT)
                .optionalEnd()
                .toFormatter();
        private static final DateTimeFormatter TS_TZ_WITH_SECONDS_FORMAT = new DateTimeFormatterBuilder()
                .append(NON_ISO_LOCAL_DATE)
                .appendLiteral(' ')
                .append(DateTimeFormatter.ISO_LOCAL_TIME)
                .appendOffset("+HH:MM:SS", "")
                .optionalStart()
                .appendLiteral(" ")
                .appendText(ChronoField.ERA, TextStyle.SHORT)
                .optionalEnd()
                .toFormatter();

        private static final String SYSTEM_TS_FORMAT_PATTERN_HINT = "y..y-MM-dd HH:mm:ss.SSSSSSX";
        private static final DateTimeFormatter SYSTEM_TS_FORMAT = new DateTimeFormatterBuilder()
                .append(NON_ISO_LOCAL_DATE)
                .appendLiteral(' ')
                .append(DateTimeFormatter.ISO_LOCAL_TIME)
                .appendOffset("+HH:mm", "Z")
                .optionalStart()
                .appendLiteral(" ")
                .appendText(ChronoField.ERA, TextStyle.SHORT)
                .optionalEnd()
                .toFormatter();

        private static final String DATE_FORMAT_OPT_ERA_PATTERN_HINT = "y..y-MM-dd[ GG]";
        private static final DateTimeFormatter DATE_FORMAT_OPT_ERA = new DateTimeFormatterBuilder()
                .append(NON_ISO_LOCAL_DATE)
                .optionalStart()
                .appendLiteral(' ')
                .appendText(ChronoField.ERA, TextStyle.SHORT)
                .optionalEnd()
                .toFormatter();

        private static final String TIME_FORMAT_PATTERN = "HH:mm:ss[.S]";
        private static final DateTimeFormatter TIME_FORMAT = new DateTimeFormatterBuilder()
                .appendPattern("HH:mm:ss")
                .optionalStart()
                .appendFraction(ChronoField.MICRO_OF_SECOND, 0, 6, true)
                .optionalEnd()
                .toFormatter();

        private static final String TIME_TZ_FORMAT_PATTERN = "HH:mm:ss[.S]X";
        private static final DateTimeFormatter TIME_TZ_FORMAT = new DateTimeFormatterBuilder()
                .append(DateTimeFormatter.ISO_LOCAL_TIME)
                .appendOffset("+HH:mm", "")
                .toFormatter();

        @Override
        public LocalDate date(final String s) {
            return format(DATE_FORMAT_OPT_ERA_PATTERN_HINT, s, () -> {
                if ("infinity".equals(s)) {
                    return PostgresValueConverter.POSITIVE_INFINITY_LOCAL_DATE;
                }
                else if ("-infinity".equals(s)) {
                    return PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE;
                }
                else {
                    return LocalDate.parse(s, DATE_FORMAT_OPT_ERA);
                }
            });
        }

        @Override
        public LocalTime time(final String s) {
            return format(TIME_FORMAT_PATTERN, s, () -> LocalTime.parse(s, TIME_FORMAT));
        }

        @Override
        public OffsetTime timeWithTimeZone(final String s) {
            return format(TIME_TZ_FORMAT_PATTERN, s, () -> OffsetTime.parse(s, TIME_TZ_FORMAT)).withOffsetSameInstant(ZoneOffset.UTC);
        }

        private <T> T format(final String pattern, final String s, final Supplier<T> value) {
            try {
                return value.get();
            }
            catch (final DateTimeParseException e) {
                LOGGER.error("Cannot parse time/date value '{}', expected format '{}'", s, pattern);
                throw new ConnectException(e);
            }
        }

        @Override
        public Instant timestampToInstant(String s) {
            LocalDateTime read = PlainForm.localDateTime(s, s.length());
            if (read != null) {
                return read.toInstant(ZoneOffset.UTC);
            }
            return format(TS_FORMAT_PATTERN_HINT, s, () -> LocalDateTime.from(TS_FORMAT.parse(s)).toInstant(ZoneOffset.UTC));
        }

        @Override
        public OffsetDateTime timestampWithTimeZoneToOffsetDateTime(String s) {
            OffsetDateTime read = PlainForm.offsetDateTime(s);
            if (read != null) {
                return read;
            }
            return format(TS_TZ_FORMAT_PATTERN_HINT, s, () -> {
                TemporalAccessor parsedTimestamp;
                // Usually the timestamp contains only hour offset and optionally minutes
                // For very large negative timestamps the offset could contain seconds
                // The standard parsing library does not allow both optional minutes and seconds in offset,
                // so it is necessary to parse it with optional minutes and if that fails then retyr with
                // seconds
                try {
                    parsedTimestamp = TS_TZ_FORMAT.parse(s);
                }
                catch (DateTimeParseException e) {
                    parsedTimestamp = TS_TZ_WITH_SECONDS_FORMAT.parse(s);
                }
                return OffsetDateTime.from(parsedTimestamp);
            });
        }

        @Override
        public Instant systemTimestampToInstant(String s) {
            return format(SYSTEM_TS_FORMAT_PATTERN_HINT, s, () -> OffsetDateTime.from(SYSTEM_TS_FORMAT.parse(s)).toInstant());
        }
    }
    /**
     * Tributary: reads {@code yyyy-MM-dd HH:mm:ss[.fffffffff]} and, for {@code timestamptz}, an offset {@code +HH} or
     * {@code +HH:mm} after it: the form PostgreSQL prints for years 1 to 9999. Returns null for anything else, so that
     * the caller parses it as Debezium does.
     */
    final class PlainForm {
        private static final int SECONDS_END = 19; // "yyyy-MM-dd HH:mm:ss"

        private PlainForm() {
        }

        static OffsetDateTime offsetDateTime(String s) {
            int n = s.length();
            int sign = -1;
            for (int i = n - 3; i >= SECONDS_END && i >= n - 6; i--) {
                char c = s.charAt(i);
                if (c == '+' || c == '-') {
                    sign = i;
                    break;
                }
            }
            if (sign < 0) {
                return null;
            }
            int hours = twoDigits(s, sign + 1);
            int minutes = 0;
            if (n == sign + 6 && s.charAt(sign + 3) == ':') {
                minutes = twoDigits(s, sign + 4);
            }
            else if (n != sign + 3) {
                return null;
            }
            LocalDateTime local = localDateTime(s, sign);
            if (local == null || hours < 0 || minutes < 0 || hours > 18) {
                return null;
            }
            try {
                ZoneOffset offset = s.charAt(sign) == '+' ? ZoneOffset.ofHoursMinutes(hours, minutes)
                        : ZoneOffset.ofHoursMinutes(-hours, -minutes);
                return OffsetDateTime.of(local, offset);
            }
            catch (java.time.DateTimeException e) {
                return null;
            }
        }

        /** The date and time in {@code s} up to {@code end}, or null when that is not the plain form. */
        static LocalDateTime localDateTime(String s, int end) {
            if (end < SECONDS_END || end > s.length() || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != ' '
                    || s.charAt(13) != ':' || s.charAt(16) != ':') {
                return null;
            }
            int year = fourDigits(s, 0);
            int month = twoDigits(s, 5);
            int day = twoDigits(s, 8);
            int hour = twoDigits(s, 11);
            int minute = twoDigits(s, 14);
            int second = twoDigits(s, 17);
            int nanos = 0;
            if (end > SECONDS_END) {
                int digits = end - SECONDS_END - 1;
                if (s.charAt(SECONDS_END) != '.' || digits < 1 || digits > 9) {
                    return null;
                }
                for (int i = SECONDS_END + 1; i < end; i++) {
                    int d = s.charAt(i) - '0';
                    if (d < 0 || d > 9) {
                        return null;
                    }
                    nanos = nanos * 10 + d;
                }
                for (int i = digits; i < 9; i++) {
                    nanos *= 10;
                }
            }
            if (year < 1 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
                return null;
            }
            try {
                return LocalDateTime.of(year, month, day, hour, minute, second, nanos);
            }
            catch (java.time.DateTimeException e) {
                return null;
            }
        }

        private static int fourDigits(String s, int at) {
            int high = twoDigits(s, at);
            int low = twoDigits(s, at + 2);
            return high < 0 || low < 0 ? -1 : high * 100 + low;
        }

        /** The two decimal digits at {@code at}, or -1. */
        private static int twoDigits(String s, int at) {
            int tens = s.charAt(at) - '0';
            int ones = s.charAt(at + 1) - '0';
            return tens < 0 || tens > 9 || ones < 0 || ones > 9 ? -1 : tens * 10 + ones;
        }
    }
}
