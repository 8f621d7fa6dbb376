package io.tributary.processor.view;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.tributary.processor.config.ProcessorConfig;

/**
 * PII masking: keyed HMAC-SHA256 tokens (equal inputs give equal tokens; without the key they reveal
 * nothing) and the redaction constant. Never logs or rethrows a value.
 */
public final class Masker {

    private final Mac prototype;
    private final String redactedValue;

    /**
     * @param key the HMAC key; empty is allowed only while no column is hashed
     * @param redactedValue what replaces a redacted string
     */
    public Masker(Optional<String> key, String redactedValue) {
        this.redactedValue = redactedValue;
        this.prototype = key.filter(k -> !k.isBlank()).map(Masker::mac).orElse(null);
    }

    private static Mac mac(String key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Whether a key is configured. */
    public boolean canHash() {
        return prototype != null;
    }

    /** Fails start-up when a view hashes a column and no key is configured. */
    public void requireKeyFor(String view) {
        if (prototype == null) {
            throw new IllegalStateException("view '" + view + "' hashes a column but " + ProcessorConfig.MASKING_KEY_PROPERTY
                    + " is not set: give it from a secret (e.g. env PROCESSOR_MASKING_KEY)");
        }
    }

    /** The lower-case hex HMAC-SHA256 of a non-null Avro value. */
    public String hash(Object value) {
        if (prototype == null) {
            throw new IllegalStateException(ProcessorConfig.MASKING_KEY_PROPERTY + " is not set");
        }
        byte[] bytes;
        if (value instanceof ByteBuffer buffer) {
            ByteBuffer copy = buffer.duplicate();
            bytes = new byte[copy.remaining()];
            copy.get(bytes);
        } else if (value instanceof byte[] array) {
            bytes = array;
        } else {
            bytes = value.toString().getBytes(StandardCharsets.UTF_8);
        }
        try {
            Mac mac = (Mac) prototype.clone();
            return HexFormat.of().formatHex(mac.doFinal(bytes));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("HmacSHA256 cannot be cloned", e);
        }
    }

    /** The constant that replaces a redacted string. */
    public String redactedValue() {
        return redactedValue;
    }
}
