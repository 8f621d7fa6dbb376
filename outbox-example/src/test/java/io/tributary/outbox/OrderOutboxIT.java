package io.tributary.outbox;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.tributary.testsupport.TestServices;

/** An order and its outbox event are written in one transaction (the test profile keeps the event row). */
@QuarkusTest
@QuarkusTestResource(value = DemoDatabaseResource.class, restrictToAnnotatedClass = true)
class OrderOutboxIT {

    @Test
    void placingAnOrderWritesTheRowAndItsOutboxEvent() throws Exception {
        long id = given().contentType(ContentType.JSON).body("{\"customer_id\": 7, \"amount\": \"19.99\", \"currency\": \"EUR\"}")
                .post("/orders").then().statusCode(201).extract().jsonPath().getLong("id");
        try (Connection c = TestServices.shared().postgres().connect()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT amount, status FROM orders WHERE id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getBigDecimal(1)).isEqualByComparingTo("19.99");
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT aggregatetype, type, payload, xmin::text FROM outboxevent WHERE aggregateid = ?");
                    PreparedStatement order = c.prepareStatement("SELECT xmin::text FROM orders WHERE id = ?")) {
                ps.setString(1, Long.toString(id));
                order.setLong(1, id);
                try (ResultSet rs = ps.executeQuery(); ResultSet o = order.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("Order");
                    assertThat(rs.getString(2)).isEqualTo("OrderPlaced");
                    assertThat(rs.getString(3)).contains("\"amount\":\"19.99\"");
                    assertThat(o.next()).isTrue();
                    assertThat(rs.getString(4)).as("same transaction").isEqualTo(o.getString(1));
                    assertThat(rs.next()).as("exactly one event").isFalse();
                }
            }
        }
        given().contentType(ContentType.JSON).body("{\"customer_id\": 7, \"amount\": \"-1\", \"currency\": \"EUR\"}")
                .post("/orders").then().statusCode(400);
    }
}
