package io.tributary.outbox;

import java.math.BigDecimal;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import io.debezium.outbox.quarkus.ExportedEvent;

/** Places an order: the business row and its outbox event are written in one transaction. */
@ApplicationScoped
public class OrderService {

    private final EntityManager em;
    private final Event<ExportedEvent<?, ?>> events;

    public OrderService(EntityManager em, Event<ExportedEvent<?, ?>> events) {
        this.em = em;
        this.events = events;
    }

    @Transactional
    public PlacedOrder place(long customerId, BigDecimal amount, String currency) {
        PlacedOrder order = new PlacedOrder();
        order.customerId = customerId;
        order.amount = amount;
        order.currency = currency;
        order.status = "placed";
        order.placedAt = Instant.now();
        em.persist(order);
        em.flush();
        events.fire(new OrderPlacedEvent(order));
        return order;
    }
}
