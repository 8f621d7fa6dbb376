package io.tributary.processor.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.tributary.processor.enrich.ReferenceTables;

/** Ready once every reference table is read up to the end offsets seen at start. */
@Readiness
@ApplicationScoped
public class ReferenceTablesReadiness implements HealthCheck {

    private final ReferenceTables tables;

    ReferenceTablesReadiness(ReferenceTables tables) {
        this.tables = tables;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("reference-tables-loaded").status(tables.loading().isEmpty())
                .withData("loading", String.join(",", tables.loading())).build();
    }
}
