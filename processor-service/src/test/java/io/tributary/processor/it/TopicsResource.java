package io.tributary.processor.it;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.tributary.testsupport.TestServices;

/** Creates the demo change topics before the application starts, and sets the test's masking key. */
public class TopicsResource implements QuarkusTestResourceLifecycleManager {

    public static final String CUSTOMERS = "tributary.public.customers";
    public static final String SEGMENTS = "tributary.public.customer_segments";
    public static final String ORDERS = "tributary.public.orders";
    public static final String CUSTOMER_VIEW = "tributary.view.customer_view";
    public static final String ORDER_VIEW = "tributary.view.order_view";
    public static final String DLQ = "tributary.processor.dlq";
    public static final String MASKING_KEY = "it-masking-key";
    /** A reference table with a registered schema and no row. */
    public static final String REGIONS = "tributary.public.regions";
    public static final String ORDER_REGION_VIEW = "tributary.view.order_region_view";

    @Override
    public Map<String, String> start() {
        TestServices services = TestServices.shared();
        try (KafkaTestClient client = new KafkaTestClient(services.kafka().bootstrapServers(), services.registry().url())) {
            client.createTopics(CUSTOMERS, SEGMENTS, ORDERS, REGIONS);
            client.register(REGIONS, io.tributary.processor.Changes.segmentChange(io.tributary.avro.Op.INSERT, 1, "r", "t"));
        }
        return Map.of("processor.masking.key", MASKING_KEY,
                "processor.retry.initial-backoff", "100ms",
                "processor.retry.max-backoff", "1s",
                "mp.messaging.incoming.changes.metadata.max.age.ms", "1000",
                // a third view, test only: joined with an empty reference table
                "processor.views.order_region_view.source-topic", ORDERS,
                "processor.views.order_region_view.columns", "id,customer_id",
                "processor.views.order_region_view.joins.region.reference-topic", REGIONS,
                "processor.views.order_region_view.joins.region.lookup-field", "customer_id",
                "processor.views.order_region_view.joins.region.fields", "name:region_name");
    }

    @Override
    public void stop() {
    }
}
