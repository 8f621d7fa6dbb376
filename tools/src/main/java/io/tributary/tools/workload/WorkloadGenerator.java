package io.tributary.tools.workload;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Writes a paced mix of inserts, updates and deletes into the demo tables (customers, customer_segments,
 * orders) of schemas' {@code demo/schema.sql}, so the pipeline has changes to carry. Deterministic for a
 * seed, apart from the ids PostgreSQL hands out.
 */
public final class WorkloadGenerator {

    /** What one change does. */
    public enum Kind {
        CUSTOMER_INSERT, CUSTOMER_UPDATE, CUSTOMER_DELETE, ORDER_INSERT, ORDER_UPDATE, SEGMENT_UPDATE
    }

    /** How to run: at most {@code changes} changes (0 = no limit) within {@code duration}, at {@code rate} per second (0 = as fast as possible). */
    public record Settings(double rate, Duration duration, long changes, int transactionSize, long seed, Map<Kind, Integer> mix) {

        public static final Map<Kind, Integer> DEFAULT_MIX = Map.of(
                Kind.CUSTOMER_INSERT, 35, Kind.CUSTOMER_UPDATE, 25, Kind.CUSTOMER_DELETE, 5,
                Kind.ORDER_INSERT, 25, Kind.ORDER_UPDATE, 9, Kind.SEGMENT_UPDATE, 1);

        public Settings {
            if (rate < 0) {
                throw new IllegalArgumentException("--rate must be >= 0, was " + rate);
            }
            if (transactionSize < 1) {
                throw new IllegalArgumentException("--tx-size must be >= 1, was " + transactionSize);
            }
            if (changes <= 0 && (duration == null || duration.isZero())) {
                throw new IllegalArgumentException("give --changes or --duration, else the workload never ends");
            }
        }
    }

    /** Progress after each second, and the final counts. */
    public record Progress(Duration elapsed, long changes, Map<Kind, Long> byKind) {

        public double ratePerSecond() {
            return elapsed.isZero() ? 0 : changes / (elapsed.toNanos() / 1e9);
        }
    }

    static final int SEGMENTS = 5;
    private static final String[] TIERS = {"bronze", "silver", "gold"};
    private static final String[] STATUSES = {"NEW", "PAID", "SHIPPED", "CANCELLED"};
    private static final String[] CURRENCIES = {"EUR", "USD", "GBP"};
    private static final String[] NAMES = {"Ada", "Grace", "Alan", "Barbara", "Edsger", "Margaret", "Donald", "Frances", "Ken", "Radia"};

    private final Connection connection;
    private final Settings settings;
    private final Random random;
    private final List<Long> customers = new ArrayList<>();
    private final List<Long> orders = new ArrayList<>();
    private final Map<Kind, Long> counts = new EnumMap<>(Kind.class);
    private final Kind[] wheel;

    public WorkloadGenerator(Connection connection, Settings settings) {
        this.connection = connection;
        this.settings = settings;
        this.random = new Random(settings.seed());
        List<Kind> slots = new ArrayList<>();
        settings.mix().forEach((kind, weight) -> {
            for (int i = 0; i < weight; i++) {
                slots.add(kind);
            }
        });
        slots.sort(null);
        this.wheel = slots.toArray(Kind[]::new);
        if (wheel.length == 0) {
            throw new IllegalArgumentException("the mix has no positive weight");
        }
        for (Kind kind : Kind.values()) {
            counts.put(kind, 0L);
        }
    }

    /** Creates the demo tables when missing and the reference segments 1..5; idempotent. */
    public static void createDemoSchema(Connection connection) throws SQLException {
        try (InputStream in = WorkloadGenerator.class.getClassLoader().getResourceAsStream("demo/schema.sql");
                Statement statement = connection.createStatement()) {
            if (in == null) {
                throw new IllegalStateException("demo/schema.sql not on the classpath (module tributary-schemas)");
            }
            statement.execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            for (int id = 1; id <= SEGMENTS; id++) {
                statement.execute("INSERT INTO customer_segments (id, name, tier, discount) VALUES (" + id + ", 'segment-" + id
                        + "', '" + TIERS[id % TIERS.length] + "', " + (id * 2.5) + ") ON CONFLICT (id) DO NOTHING");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs the workload to its end and returns the final counts. */
    public Progress run(Consumer<Progress> everySecond) throws SQLException {
        createDemoSchema(connection);
        loadIds();
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        long start = System.nanoTime();
        long deadline = settings.duration() == null || settings.duration().isZero() ? Long.MAX_VALUE
                : start + settings.duration().toNanos();
        long nextReport = start + 1_000_000_000L;
        long done = 0;
        try {
            while ((settings.changes() <= 0 || done < settings.changes()) && System.nanoTime() < deadline) {
                if (settings.rate() > 0) {
                    long due = start + (long) (done / settings.rate() * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                change();
                done++;
                if (done % settings.transactionSize() == 0) {
                    connection.commit();
                }
                if (System.nanoTime() >= nextReport) {
                    everySecond.accept(progress(start, done));
                    nextReport += 1_000_000_000L;
                }
            }
            connection.commit();
        } catch (InterruptedException e) {
            connection.commit();
            Thread.currentThread().interrupt();
        } finally {
            connection.setAutoCommit(autoCommit);
        }
        return progress(start, done);
    }

    private Progress progress(long start, long done) {
        return new Progress(Duration.ofNanos(System.nanoTime() - start), done, Map.copyOf(counts));
    }

    private void loadIds() throws SQLException {
        try (Statement statement = connection.createStatement()) {
            try (ResultSet rs = statement.executeQuery("SELECT id FROM customers")) {
                while (rs.next()) {
                    customers.add(rs.getLong(1));
                }
            }
            try (ResultSet rs = statement.executeQuery("SELECT id FROM orders")) {
                while (rs.next()) {
                    orders.add(rs.getLong(1));
                }
            }
        }
    }

    private void change() throws SQLException {
        Kind kind = wheel[random.nextInt(wheel.length)];
        // updates and deletes need rows: fall back to inserts until there are some
        if (customers.isEmpty() && kind != Kind.SEGMENT_UPDATE) {
            kind = Kind.CUSTOMER_INSERT;
        } else if (orders.isEmpty() && kind == Kind.ORDER_UPDATE) {
            kind = Kind.ORDER_INSERT;
        }
        switch (kind) {
            case CUSTOMER_INSERT -> insertCustomer();
            case CUSTOMER_UPDATE -> updateCustomer();
            case CUSTOMER_DELETE -> deleteCustomer();
            case ORDER_INSERT -> insertOrder();
            case ORDER_UPDATE -> updateOrder();
            case SEGMENT_UPDATE -> updateSegment();
        }
        counts.merge(kind, 1L, Long::sum);
    }

    private void insertCustomer() throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "INSERT INTO customers (name, email, phone, segment_id) VALUES (?, ?, ?, ?) RETURNING id")) {
            String name = NAMES[random.nextInt(NAMES.length)] + " " + (char) ('A' + random.nextInt(26)) + ".";
            ps.setString(1, name);
            ps.setString(2, random.nextInt(10) == 0 ? null : "user" + Math.abs(random.nextLong() % 1_000_000_000L) + "@example.com");
            ps.setString(3, random.nextInt(10) == 0 ? null : String.format("+1-555-%07d", random.nextInt(10_000_000)));
            ps.setObject(4, random.nextInt(20) == 0 ? null : 1 + random.nextInt(SEGMENTS));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                customers.add(rs.getLong(1));
            }
        }
    }

    private void updateCustomer() throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "UPDATE customers SET email = ?, segment_id = ?, updated_at = now() WHERE id = ?")) {
            ps.setString(1, "user" + Math.abs(random.nextLong() % 1_000_000_000L) + "@example.org");
            ps.setObject(2, 1 + random.nextInt(SEGMENTS));
            ps.setLong(3, pick(customers));
            ps.executeUpdate();
        }
    }

    private void deleteCustomer() throws SQLException {
        int index = random.nextInt(customers.size());
        long id = customers.get(index);
        customers.set(index, customers.get(customers.size() - 1));
        customers.remove(customers.size() - 1);
        try (PreparedStatement ps = connection.prepareStatement("DELETE FROM customers WHERE id = ?")) {
            ps.setLong(1, id);
            ps.executeUpdate();
        }
    }

    private void insertOrder() throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "INSERT INTO orders (customer_id, amount, currency, status) VALUES (?, ?, ?, 'NEW') RETURNING id")) {
            ps.setLong(1, pick(customers));
            ps.setBigDecimal(2, BigDecimal.valueOf(random.nextInt(1_000_000), 2).setScale(2, RoundingMode.UNNECESSARY));
            ps.setString(3, CURRENCIES[random.nextInt(CURRENCIES.length)]);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                orders.add(rs.getLong(1));
            }
        }
    }

    private void updateOrder() throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("UPDATE orders SET status = ? WHERE id = ?")) {
            ps.setString(1, STATUSES[1 + random.nextInt(STATUSES.length - 1)]);
            ps.setLong(2, pick(orders));
            ps.executeUpdate();
        }
    }

    private void updateSegment() throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("UPDATE customer_segments SET tier = ?, discount = ? WHERE id = ?")) {
            ps.setString(1, TIERS[random.nextInt(TIERS.length)]);
            ps.setBigDecimal(2, BigDecimal.valueOf(random.nextInt(5000), 2));
            ps.setInt(3, 1 + random.nextInt(SEGMENTS));
            ps.executeUpdate();
        }
    }

    private long pick(List<Long> ids) {
        return ids.get(random.nextInt(ids.size()));
    }
}
