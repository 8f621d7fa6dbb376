package io.tributary.sink.parquet;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Classes parquet loads by name while {@link ParquetRowWriter} writes a file, registered for the native image
 * (native-image analysis cannot see a class loaded from a computed name): the compression codecs, which
 * parquet's {@code CodecFactory} loads with {@code Class.forName} from
 * {@code CompressionCodecName.getHadoopCompressionCodecClassName()} and creates with Hadoop's
 * {@code ReflectionUtils.newInstance} (uncompressed has none), and the bit-packing classes whose static
 * {@code factory} field parquet's {@code Packer} reads by name when the first level or dictionary encoder is made.
 * Their nested classes are used directly, so they are left out.
 *
 * <p>Not verified by a native build here (no GraalVM or Mandrel on these machines). {@code ParquetReflectionTest}
 * checks that every name exists, that every configurable compression's codec is listed, and that every
 * factory {@code Packer} loads is listed.
 */
@RegisterForReflection(ignoreNested = true, classNames = {
        "org.apache.parquet.hadoop.codec.SnappyCodec",
        "org.apache.parquet.hadoop.codec.ZstandardCodec",
        "org.apache.hadoop.io.compress.GzipCodec",
        "org.apache.parquet.column.values.bitpacking.LemireBitPackingBE",
        "org.apache.parquet.column.values.bitpacking.LemireBitPackingLE",
        "org.apache.parquet.column.values.bitpacking.ByteBitPackingBE",
        "org.apache.parquet.column.values.bitpacking.ByteBitPackingLE",
        "org.apache.parquet.column.values.bitpacking.ByteBitPackingForLongBE",
        "org.apache.parquet.column.values.bitpacking.ByteBitPackingForLongLE"})
final class ParquetReflection {
    private ParquetReflection() {
    }
}
