package io.tributary.sink.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;

import org.apache.parquet.column.values.bitpacking.BytePackerFactory;
import org.apache.parquet.column.values.bitpacking.BytePackerForLongFactory;
import org.apache.parquet.column.values.bitpacking.IntPackerFactory;
import org.apache.parquet.column.values.bitpacking.Packer;
import org.junit.jupiter.api.Test;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.tributary.sink.config.SinkConfig.Compression;

/**
 * The native-image registration of the classes parquet loads by name stays in step with the compressions offered
 * and the parquet version. That each codec writes a file is checked by {@code ParquetRowWriterTest}.
 */
class ParquetReflectionTest {

    private static final List<String> REGISTERED = List.of(ParquetReflection.class.getAnnotation(RegisterForReflection.class).classNames());

    @Test
    void everyRegisteredNameIsAClassOnTheClasspath() throws Exception {
        for (String name : REGISTERED) {
            assertThat(Class.forName(name, false, getClass().getClassLoader())).as(name).isNotNull();
        }
    }

    @Test
    void everyCompressionCodecIsRegistered() {
        int codecs = 0;
        for (Compression compression : Compression.values()) {
            String codec = ParquetRowWriter.codecName(compression).getHadoopCompressionCodecClassName();
            if (codec != null) {
                codecs++;
                assertThat(REGISTERED).as("%s codec", compression).contains(codec);
            }
        }
        assertThat(codecs).as("snappy, zstd and gzip").isEqualTo(3);
    }

    /** Packer keeps the {@code factory} of each class it loads by name in a static field; each is the registered class's. */
    @Test
    void everyFactoryPackerLoadsByNameIsRegistered() throws Exception {
        int factories = 0;
        for (Field field : Packer.class.getDeclaredFields()) {
            if (!Modifier.isStatic(field.getModifiers()) || !isPackerFactory(field.getType())) {
                continue;
            }
            field.setAccessible(true);
            Object factory = field.get(null);
            if (factory == null) {
                continue; // the vector packer factory: loaded only by newBytePackerVector, from parquet-encoding-vector (not a dependency)
            }
            factories++;
            Class<?> owner = factory.getClass().getEnclosingClass();
            assertThat(REGISTERED).as("Packer.%s", field.getName()).contains(owner.getName());
            Field registered = Class.forName(owner.getName()).getField("factory");
            registered.setAccessible(true);
            assertThat(registered.get(null)).as(owner.getName()).isSameAs(factory);
        }
        assertThat(factories).as("int, byte and long packers, both endians").isEqualTo(6);
    }

    private static boolean isPackerFactory(Class<?> type) {
        return type == IntPackerFactory.class || type == BytePackerFactory.class || type == BytePackerForLongFactory.class;
    }
}
