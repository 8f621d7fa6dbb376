package io.tributary.capture.snapshot;

import java.util.Map;

import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.tributary.capture.engine.CaptureEngine;

/** {@code POST /capture/snapshots/{schema}.{table}}: an incremental snapshot of one watched table, while streaming goes on. */
@Path("/capture/snapshots")
public class SnapshotResource {

    private final CaptureEngine engine;

    public SnapshotResource(CaptureEngine engine) {
        this.engine = engine;
    }

    @POST
    @Path("/{table}")
    @Produces(MediaType.APPLICATION_JSON)
    public Response snapshot(@PathParam("table") String table) {
        try {
            String id = engine.requestSnapshot(table);
            return Response.accepted(Map.of("signal_id", id, "table", table)).build();
        } catch (IllegalArgumentException e) {
            return Response.status(Response.Status.NOT_FOUND).entity(Map.of("error", e.getMessage())).build();
        }
    }
}
