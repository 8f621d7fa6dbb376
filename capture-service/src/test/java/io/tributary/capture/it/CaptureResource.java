package io.tributary.capture.it;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points the capture-service under test at its own database on the shared real services. Init args:
 * {@code db} (database name, also slot and topic prefix), {@code script} (extra SQL run after the demo
 * schema), {@code tables} (capture.tables), and any {@code capture.*} key to set.
 */
public class CaptureResource implements QuarkusTestResourceLifecycleManager {

    private Map<String, String> args;
    private CaptureDatabase db;

    @Override
    public void init(Map<String, String> initArgs) {
        this.args = initArgs;
    }

    @Override
    public Map<String, String> start() {
        db = new CaptureDatabase(args.get("db"));
        db.create(args.get("script"));
        Map<String, String> config = db.config(args.get("tables"));
        args.forEach((k, v) -> {
            if (k.startsWith("capture.")) {
                config.put(k, v);
            }
        });
        config.put("tributary.it.db", db.name());
        return config;
    }

    @Override
    public void stop() {
        if (db != null) {
            db.drop();
        }
    }
}
