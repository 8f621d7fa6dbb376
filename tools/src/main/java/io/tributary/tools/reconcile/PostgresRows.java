package io.tributary.tools.reconcile;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Reads a source table as text, rendered the way the pipeline renders the same values after their trip
 * through Avro ({@link io.tributary.schemas.text.AvroText}): numeric at its scale, timestamptz as an ISO
 * instant, timestamp as an ISO local date-time, bytea as Base64.
 */
public final class PostgresRows {

    private PostgresRows() {
    }

    /** The primary-key columns of a table, in key order. */
    public static List<String> primaryKey(Connection connection, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT a.attname FROM pg_index i
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                WHERE i.indrelid = ?::regclass AND i.indisprimary
                ORDER BY array_position(i.indkey, a.attnum)""")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("table " + table + " has no primary key: reconcile compares rows by key");
        }
        return columns;
    }

    /** Every row of {@code table}: key (key columns joined with ':') -> the given columns. */
    public static Rows read(Connection connection, String table, List<String> columns) throws SQLException {
        List<String> key = primaryKey(connection, table);
        Map<String, Map<String, String>> rows = new HashMap<>();
        String select = "SELECT * FROM " + table;
        try (PreparedStatement ps = connection.prepareStatement(select); ResultSet rs = ps.executeQuery()) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                Map<String, String> row = new HashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    String column = meta.getColumnName(i);
                    if (columns.contains(column) || key.contains(column)) {
                        row.put(column, render(rs, i, meta.getColumnTypeName(i)));
                    }
                }
                StringJoiner pk = new StringJoiner(":");
                key.forEach(k -> pk.add(row.get(k)));
                row.keySet().retainAll(columns);
                rows.put(pk.toString(), row);
            }
        }
        return new Rows("postgres", rows);
    }

    static String render(ResultSet rs, int i, String type) throws SQLException {
        if (rs.getObject(i) == null) {
            return null;
        }
        return switch (type) {
            case "timestamptz" -> rs.getObject(i, OffsetDateTime.class).toInstant().toString();
            case "timestamp" -> rs.getObject(i, LocalDateTime.class).toString();
            case "date" -> rs.getObject(i, LocalDate.class).toString();
            case "numeric" -> rs.getBigDecimal(i).toPlainString();
            case "bool" -> Boolean.toString(rs.getBoolean(i));
            case "bytea" -> Base64.getEncoder().encodeToString(rs.getBytes(i));
            default -> rs.getString(i);
        };
    }
}
