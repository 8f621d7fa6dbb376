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

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Redis with an append-only file (fsync every second), so writes survive a restart.
 * <p>
 * Secure mode ({@link StackSecurity} given): no plain TCP port ({@code --port 0}); the same port number is a
 * TLS port with the stack's server certificate (clients are not asked for certificates: server-authenticated
 * TLS plus ACL passwords); users from an ACL file ({@code users.acl}, 0600, passwords as SHA-256 hashes) written
 * from {@link StackSecurity#REDIS_ACL}, with {@code default} disabled.
 */
public final class RedisServer extends ProcessService {

    /**
     * The AOF is rewritten (compacted, by a forked child) once it doubled and is at least this large; Redis's default
     * is 64mb. The bench's writes reached 64mb about 15 s into its 5k changes/s run, and the rewrite took a core for
     * two seconds of it on a machine of two, which delayed everything behind Redis for about four
     * (docs/BENCHMARKS.md). A whole bench run writes about 260mb. A local stack with this setting rewrites later and
     * more at a time.
     */
    static final String AOF_REWRITE_MIN_SIZE = "512mb";

    private final int port;
    private final StackSecurity security;

    public RedisServer(Path dir, int port) {
        this(dir, port, null);
    }

    /** Redis of a secure stack when {@code security} is not null. */
    public RedisServer(Path dir, int port, StackSecurity security) {
        super(dir, Duration.ofSeconds(15));
        this.port = port;
        this.security = security;
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

    /**
     * Redis client URI, e.g. for quarkus.redis.hosts. In secure mode {@code rediss://127.0.0.1:port} without
     * a user, which can run nothing: clients use {@link StackSecurity#redisUri(String)}.
     */
    public String uri() {
        return (security == null ? "redis://" : "rediss://") + "127.0.0.1:" + port;
    }

    private Path aclFile() {
        return dir.resolve("users.acl");
    }

    @Override
    protected void prepare() {
        Binaries.require("redis-server", "redis-server");
        if (security != null) {
            StackSecurity.writePrivate(aclFile(), security.redisAclFile());
        }
    }

    @Override
    protected List<Integer> listenPorts() {
        return List.of(port);
    }

    @Override
    protected List<String> command() {
        if (security == null) {
            return List.of(Binaries.require("redis-server", "redis-server").toString(),
                    "--bind", "127.0.0.1", "--port", Integer.toString(port),
                    "--dir", dir.toString(),
                    "--save", "",
                    "--appendonly", "yes", "--appendfsync", "everysec",
                    "--auto-aof-rewrite-min-size", AOF_REWRITE_MIN_SIZE,
                    "--daemonize", "no", "--protected-mode", "yes");
        }
        return List.of(Binaries.require("redis-server", "redis-server").toString(),
                "--bind", "127.0.0.1", "--port", "0", "--tls-port", Integer.toString(port),
                "--tls-cert-file", security.serverCert().toString(),
                "--tls-key-file", security.serverKey().toString(),
                "--tls-ca-cert-file", security.caCert().toString(),
                "--tls-auth-clients", "no",
                "--aclfile", aclFile().toString(),
                "--dir", dir.toString(),
                "--save", "",
                "--appendonly", "yes", "--appendfsync", "everysec",
                "--auto-aof-rewrite-min-size", AOF_REWRITE_MIN_SIZE,
                "--daemonize", "no", "--protected-mode", "yes");
    }

    @Override
    public boolean isHealthy() {
        return security == null ? plainPing() : tlsPing();
    }

    /** AUTH as {@code tools} then PING, over TLS verifying the server certificate against the local CA. */
    private boolean tlsPing() {
        try (SSLSocket socket = (SSLSocket) security.sslContext().getSocketFactory().createSocket()) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            socket.setSoTimeout(1000);
            socket.startHandshake();
            OutputStream out = socket.getOutputStream();
            out.write(("AUTH tools " + security.redisPassword("tools") + "\r\nPING\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] expected = "+OK\r\n+PONG\r\n".getBytes(StandardCharsets.US_ASCII);
            byte[] reply = socket.getInputStream().readNBytes(expected.length);
            return java.util.Arrays.equals(reply, expected);
        } catch (IOException e) {
            return false;
        }
    }

    private boolean plainPing() {
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
