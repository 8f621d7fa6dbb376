package io.tributary.processor.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

import io.tributary.processor.enrich.ReferenceTables;

/** Down when the reference-table follower died: joins would no longer see new reference rows. */
@Liveness
@ApplicationScoped
public class ReferenceTablesLiveness implements HealthCheck {

    private final ReferenceTables tables;

    ReferenceTablesLiveness(ReferenceTables tables) {
        this.tables = tables;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("reference-tables-following").status(tables.failure().isEmpty())
                .withData("topics", String.join(",", tables.topics())).build();
    }
}
