package io.tributary.tools.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.stack.LocalStack;
import io.tributary.stack.PostgresServer;
import io.tributary.tools.workload.WorkloadGenerator.Kind;

/** The generator writes what it says it wrote, and stays within its rate. */
class WorkloadGeneratorIT {

    @TempDir
    static Path dir;
    static PostgresServer postgres;

    @BeforeAll
    static void start() {
        postgres = new PostgresServer(dir.resolve("pg"), LocalStack.Ports.free().postgres(), "tributary");
        postgres.start();
    }

    @AfterAll
    static void stop() {
        postgres.stop();
    }

    @Test
    void tableContentsMatchTheCountsItReports() throws Exception {
        try (Connection c = postgres.connect()) {
            var settings = new WorkloadGenerator.Settings(0, Duration.ZERO, 2_000, 10, 42, WorkloadGenerator.Settings.DEFAULT_MIX);
            var result = new WorkloadGenerator(c, settings).run(p -> { });

            assertThat(result.changes()).isEqualTo(2_000);
            assertThat(result.byKind().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(2_000);
            assertThat(result.byKind().get(Kind.CUSTOMER_DELETE)).isPositive();
            assertThat(result.byKind().get(Kind.ORDER_UPDATE)).isPositive();
            assertThat(count(c, "customers")).isEqualTo(result.byKind().get(Kind.CUSTOMER_INSERT) - result.byKind().get(Kind.CUSTOMER_DELETE));
            assertThat(count(c, "orders")).isEqualTo(result.byKind().get(Kind.ORDER_INSERT));
            assertThat(count(c, "customer_segments")).isEqualTo(WorkloadGenerator.SEGMENTS);
        }
    }

    @Test
    void pacedRunDoesNotExceedItsRate() throws Exception {
        try (Connection c = postgres.connect()) {
            var settings = new WorkloadGenerator.Settings(100, Duration.ofMillis(1500), 0, 1, 7, WorkloadGenerator.Settings.DEFAULT_MIX);
            List<WorkloadGenerator.Progress> seconds = new ArrayList<>();
            var result = new WorkloadGenerator(c, settings).run(seconds::add);

            // paced at 100/s for 1.5 s: change n is due at n/100 s, so at most 151 can start before the deadline
            assertThat(result.changes()).isPositive().isLessThanOrEqualTo(151);
            assertThat(seconds).isNotEmpty();
        }
    }

    private static long count(Connection c, String table) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
