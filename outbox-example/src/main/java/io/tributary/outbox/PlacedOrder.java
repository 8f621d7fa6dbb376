package io.tributary.outbox;

import java.math.BigDecimal;
import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A row of the demo table {@code orders} (schemas/src/main/resources/demo/schema.sql). */
@Entity
@Table(name = "orders")
public class PlacedOrder {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "customer_id", nullable = false)
    public long customerId;

    @Column(nullable = false, precision = 12, scale = 2)
    public BigDecimal amount;

    // text as in the demo schema: else schema-management "update" alters the captured table to varchar(255)
    @Column(nullable = false, columnDefinition = "text")
    public String currency;

    @Column(nullable = false, columnDefinition = "text")
    public String status;

    @Column(name = "placed_at", nullable = false)
    public Instant placedAt;
}
