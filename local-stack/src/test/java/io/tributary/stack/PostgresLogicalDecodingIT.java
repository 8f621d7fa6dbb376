package io.tributary.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stack's PostgreSQL decodes committed rows from a logical replication slot with pgoutput. */
class PostgresLogicalDecodingIT {

    @TempDir
    static Path dir;
    static PostgresServer postgres;

    @BeforeAll
    static void start() {
        postgres = new PostgresServer(dir.resolve("pg"), Processes.freePort(), "tributary");
        postgres.start();
    }

    @AfterAll
    static void stop() {
        postgres.stop();
    }

    @Test
    void insertedRowIsDecodedFromAPgoutputSlot() throws Exception {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SHOW wal_level")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("logical");
            }
            s.execute("CREATE TABLE decoded (id bigint PRIMARY KEY, note text)");
            s.execute("CREATE PUBLICATION decoded_pub FOR TABLE decoded");
            s.execute("SELECT pg_create_logical_replication_slot('decoded_slot', 'pgoutput')");
            try {
                s.execute("INSERT INTO decoded VALUES (42, 'hello from the WAL')");

                List<byte[]> messages = new ArrayList<>();
                try (ResultSet rs = s.executeQuery("SELECT data FROM pg_logical_slot_get_binary_changes('decoded_slot', NULL, NULL,"
                        + " 'proto_version', '1', 'publication_names', 'decoded_pub')")) {
                    while (rs.next()) {
                        messages.add(rs.getBytes(1));
                    }
                }
                // pgoutput: Begin, Relation, Insert, Commit; the Insert message ('I') carries the new tuple as text
                assertThat(messages).extracting(m -> (char) m[0]).containsSubsequence('B', 'R', 'I', 'C');
                byte[] insert = messages.stream().filter(m -> m[0] == 'I').findFirst().orElseThrow();
                assertThat(new String(insert, StandardCharsets.UTF_8)).contains("42").contains("hello from the WAL");
            } finally {
                s.execute("SELECT pg_drop_replication_slot('decoded_slot')");
            }
        }
    }

    @Test
    void startIsIdempotentAndTheDatabaseExists() throws Exception {
        postgres.start();
        try (Connection c = postgres.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_database()")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("tributary");
        }
    }
}
