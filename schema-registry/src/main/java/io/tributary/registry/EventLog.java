package io.tributary.registry;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The registry's durable state: an append-only file of JSON lines, one {@link Event} each, replayed in order
 * at start. Every append is forced to disk before the change becomes visible, so an id that a client was
 * given (and may have written into a Kafka record) survives a crash or restart. A last line cut short by a
 * crash is dropped at the next start; any other unreadable line stops the start.
 */
final class EventLog implements Closeable {

    static final String FILE_NAME = "registry-events.jsonl";

    private static final System.Logger LOG = System.getLogger(EventLog.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** One change to the registry state. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "event")
    @JsonSubTypes({
            @JsonSubTypes.Type(value = ContentAdded.class, name = "content"),
            @JsonSubTypes.Type(value = ArtifactAdded.class, name = "artifact"),
            @JsonSubTypes.Type(value = VersionAdded.class, name = "version"),
            @JsonSubTypes.Type(value = RuleChanged.class, name = "rule") })
    @JsonInclude(JsonInclude.Include.NON_NULL)
    sealed interface Event permits ContentAdded, ArtifactAdded, VersionAdded, RuleChanged {
    }

    /** New content; {@code canonicalHash} (canonical text plus references) is its identity. */
    record ContentAdded(long contentId, String content, String contentHash, String canonicalHash,
            List<Api.ArtifactReference> references) implements Event {
    }

    record ArtifactAdded(String groupId, String artifactId, String artifactType, String name, String description,
            Map<String, String> labels, String createdOn) implements Event {
    }

    /** A version; {@code contentHash} is the hash of the text this version was submitted with. */
    record VersionAdded(long globalId, String groupId, String artifactId, String version, long contentId,
            String contentHash, String name, String description, Map<String, String> labels, String createdOn)
            implements Event {
    }

    /**
     * A rule set ({@code config} non-null) or removed; global when {@code groupId} is null, a group rule when
     * only {@code artifactId} is null.
     */
    record RuleChanged(String groupId, String artifactId, String ruleType, String config) implements Event {
    }

    private final FileChannel channel;

    private EventLog(FileChannel channel) {
        this.channel = channel;
    }

    /** Opens (creating if needed) the log in {@code dir} and passes every stored event to {@code replay}. */
    static EventLog open(Path dir, Consumer<Event> replay) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE_NAME);
        boolean created = !Files.exists(file);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            lock(channel, file);
            long good = replay(file, Files.readAllBytes(file), replay);
            if (good < channel.size()) {
                LOG.log(System.Logger.Level.WARNING, "Dropping an incomplete last line ({0} bytes) of {1}",
                        channel.size() - good, file);
                channel.truncate(good);
                channel.force(true);
            }
            channel.position(good);
            if (created) {
                channel.force(true);
                syncDirectory(dir);
            }
            return new EventLog(channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Replays the complete lines and returns the length of the part of the file that holds them. */
    private static long replay(Path file, byte[] bytes, Consumer<Event> replay) throws IOException {
        int start = 0;
        int lineNumber = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '\n') {
                continue;
            }
            lineNumber++;
            String line = new String(bytes, start, i - start, StandardCharsets.UTF_8).strip();
            if (!line.isEmpty()) {
                Event event;
                try {
                    event = JSON.readValue(line, Event.class);
                } catch (IOException e) {
                    throw new IOException("Corrupt line " + lineNumber + " in " + file + ": " + e.getMessage(), e);
                }
                replay.accept(event);
            }
            start = i + 1;
        }
        return start;
    }

    /** Writes one event and forces it to disk. */
    synchronized void append(Event event) throws IOException {
        byte[] line = (JSON.writeValueAsString(event) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.wrap(line);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        channel.force(false);
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }

    /** One server per data directory: a second writer would interleave ids. Released when the channel closes. */
    private static void lock(FileChannel channel, Path file) throws IOException {
        try {
            if (channel.tryLock() != null) {
                return;
            }
        } catch (OverlappingFileLockException e) {
            // held by this JVM
        }
        throw new IOException(file + " is in use by another registry server");
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // not every platform can sync a directory; the file itself is synced
        }
    }
}
