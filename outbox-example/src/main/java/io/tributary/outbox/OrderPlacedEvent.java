package io.tributary.outbox;

import java.time.Instant;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.debezium.outbox.quarkus.ExportedEvent;

/** The outbox event of a placed order: aggregate type {@code Order}, aggregate id the order id. */
public record OrderPlacedEvent(PlacedOrder order) implements ExportedEvent<String, String> {

    public static final String AGGREGATE_TYPE = "Order";
    public static final String TYPE = "OrderPlaced";

    @Override
    public String getAggregateId() {
        return String.valueOf(order.id);
    }

    @Override
    public String getAggregateType() {
        return AGGREGATE_TYPE;
    }

    @Override
    public String getType() {
        return TYPE;
    }

    @Override
    public Instant getTimestamp() {
        return order.placedAt;
    }

    @Override
    public String getPayload() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("id", order.id);
        node.put("customer_id", order.customerId);
        node.put("amount", order.amount.toPlainString());
        node.put("currency", order.currency);
        node.put("status", order.status);
        return node.toString();
    }
}
