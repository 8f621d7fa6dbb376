package io.tributary.capture.envelope;

/** A captured table: {@code database}, {@code schema}, {@code table} as PostgreSQL names them. */
public record TableRef(String database, String schema, String table) {

    /** {@code schema.table}, the form Debezium's include lists and signals use. */
    public String qualified() {
        return schema + "." + table;
    }

    @Override
    public String toString() {
        return qualified();
    }
}
