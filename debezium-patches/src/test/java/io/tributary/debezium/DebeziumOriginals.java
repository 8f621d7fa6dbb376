package io.tributary.debezium;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Set;
import java.util.jar.JarFile;

/**
 * Debezium's own versions of the classes this module replaces with copies (src/main/java/io/debezium), read from
 * Debezium's jar: on the test class path the copies come first, so the originals are defined here in a loader of their
 * own. Every other class they use comes from the test class path.
 */
public final class DebeziumOriginals extends ClassLoader {

    /** The Debezium release the copies were taken from; when it changes, compare the copies with the new sources. */
    public static final String COPIED_FROM = "3.5.0.Final";

    private final Path jar;
    private final Set<String> names;

    /**
     * The originals of {@code names}, from the jar holding {@code neighbour}: a Debezium class in the same jar that
     * this module does not replace.
     */
    public DebeziumOriginals(Class<?> neighbour, String... names) {
        super(DebeziumOriginals.class.getClassLoader());
        try {
            this.jar = Path.of(neighbour.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        this.names = Set.of(names);
        assertThat(jar.getFileName().toString())
                .as("Debezium's jar; the copies in src/main/java/io/debezium were taken from %s", COPIED_FROM)
                .endsWith("-" + COPIED_FROM + ".jar");
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!names.contains(name)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> loaded = findLoadedClass(name);
            if (loaded == null) {
                byte[] bytes = read(name.replace('.', '/') + ".class");
                loaded = defineClass(name, bytes, 0, bytes.length);
            }
            return loaded;
        }
    }

    private byte[] read(String entry) throws ClassNotFoundException {
        try (JarFile file = new JarFile(jar.toFile()); InputStream in = openEntry(file, entry)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream openEntry(JarFile file, String entry) throws IOException, ClassNotFoundException {
        var e = file.getJarEntry(entry);
        if (e == null) {
            throw new ClassNotFoundException(entry + " in " + file.getName());
        }
        return file.getInputStream(e);
    }

    /** Calls the original's static or instance method; what it throws is thrown as is. */
    public static Object call(Object target, Class<?> type, String method, Class<?> parameter, Object argument) throws Throwable {
        try {
            Method m = type.getMethod(method, parameter);
            return m.invoke(target, argument);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
