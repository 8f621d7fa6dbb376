package io.tributary.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Redis with an append-only file (fsync every second), so writes survive a restart. */
public final class RedisServer extends ProcessService {

    private final int port;

    public RedisServer(Path dir, int port) {
        super(dir, Duration.ofSeconds(15));
        this.port = port;
    }

    @Override
    public String name() {
        return "redis";
    }

    public int port() {
        return port;
    }

    @Override
    public String address() {
        return "127.0.0.1:" + port;
    }

    /** Redis client URI, e.g. for quarkus.redis.hosts. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    @Override
    protected void prepare() {
        Binaries.require("redis-server", "redis-server");
    }

    @Override
    protected List<Integer> listenPorts() {
        return List.of(port);
    }

    @Override
    protected List<String> command() {
        return List.of(Binaries.require("redis-server", "redis-server").toString(),
                "--bind", "127.0.0.1", "--port", Integer.toString(port),
                "--dir", dir.toString(),
                "--save", "",
                "--appendonly", "yes", "--appendfsync", "everysec",
                "--daemonize", "no", "--protected-mode", "yes");
    }

    @Override
    public boolean isHealthy() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[7];
            int n = in.readNBytes(reply, 0, 7);
            return n == 7 && new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }
}
