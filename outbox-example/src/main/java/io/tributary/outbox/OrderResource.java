package io.tributary.outbox;

import java.math.BigDecimal;
import java.net.URI;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** {@code POST /orders {"customer_id": 7, "amount": "19.99", "currency": "EUR"}}. */
@Path("/orders")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class OrderResource {

    /** The request body. */
    public record PlaceOrder(long customer_id, BigDecimal amount, String currency) {
    }

    /** The answer. */
    public record Placed(long id) {
    }

    private final OrderService orders;

    public OrderResource(OrderService orders) {
        this.orders = orders;
    }

    @POST
    public Response place(PlaceOrder request) {
        if (request.amount() == null || request.amount().signum() <= 0 || request.currency() == null) {
            return Response.status(Response.Status.BAD_REQUEST).build();
        }
        PlacedOrder order = orders.place(request.customer_id(), request.amount(), request.currency());
        return Response.created(URI.create("/orders/" + order.id)).entity(new Placed(order.id)).build();
    }
}
