package io.tributary.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
        this(dir, port, security, Duration.ofSeconds(15));
    }

    /** With the time it may take to answer at start-up, past which only a Redis still loading its data is waited for. */
    RedisServer(Path dir, int port, StackSecurity security, Duration startTimeout) {
        super(dir, startTimeout);
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

    /** PING answers {@code +PONG}; in a secure stack after AUTH as {@code tools} answered {@code +OK}. */
    @Override
    public boolean isHealthy() {
        return (security == null ? List.of("+PONG\r\n") : List.of("+OK\r\n", "+PONG\r\n")).equals(ping());
    }

    /**
     * PING answers {@code -LOADING} while Redis reads its append-only file at start-up, which takes longer than
     * the start timeout once it holds millions of keys (about 10 s for 2.6 million here; the dedupe keys of a
     * demo left running grow that fast).
     */
    @Override
    protected boolean isLoading() {
        List<String> reply = ping();
        return reply != null && reply.get(reply.size() - 1).startsWith("-LOADING");
    }

    /**
     * The reply lines to PING (after AUTH as {@code tools} in a secure stack, over TLS verifying the server
     * certificate against the local CA), each with its CRLF; null when Redis cannot be reached.
     */
    private List<String> ping() {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            String commands = security == null ? "PING\r\n" : "AUTH tools " + security.redisPassword("tools") + "\r\nPING\r\n";
            out.write(commands.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            List<String> lines = new ArrayList<>();
            for (int i = security == null ? 1 : 2; i > 0; i--) {
                lines.add(readLine(in));
            }
            return lines;
        } catch (IOException e) {
            return null;
        }
    }

    private Socket connect() throws IOException {
        Socket socket = security == null ? new Socket() : security.sslContext().getSocketFactory().createSocket();
        if (socket instanceof SSLSocket tls) {
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(parameters);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
        socket.setSoTimeout(1000);
        return socket;
    }

    /** One RESP line with its CRLF (as much of it as came, if the connection ends first). */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c >= 0; c = in.read()) {
            line.append((char) c);
            if (c == '\n') {
                break;
            }
        }
        return line.toString();
    }
}
