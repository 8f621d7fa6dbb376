package io.tributary.processor.config;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.Startup;
import io.tributary.processor.enrich.ReferenceTables;
import io.tributary.processor.messaging.AvroDecoder;
import io.tributary.processor.messaging.ChangeConsumer;
import io.tributary.processor.messaging.ViewTopics;
import io.tributary.processor.view.Masker;
import io.tributary.processor.view.ViewProcessor;
import io.tributary.processor.view.ViewSpec;

/** Builds the plain core from the typed configuration, and checks it at start-up. */
public class ProcessorBeans {

    /**
     * The core, built at start: fails start-up when a view hashes a column and {@code processor.masking.key} is
     * missing, or when a view's source topic is not matched by the changes channel's topic pattern. Creates
     * the missing view topics (compacted) before anything can be published.
     */
    @Produces
    @Singleton
    @Startup
    ViewProcessor viewProcessor(ProcessorConfig config, ReferenceTables references, ViewTopics viewTopics,
            @ConfigProperty(name = "mp.messaging.incoming." + ChangeConsumer.CHANGES_CHANNEL + ".topic") Optional<String> pattern) {
        List<ViewSpec> views = config.views().entrySet().stream()
                .map(e -> ViewSpec.from(e.getKey(), e.getValue(), config.viewTopicPrefix())).toList();
        if (pattern.isPresent()) {
            Pattern regex = Pattern.compile(pattern.get());
            for (ViewSpec view : views) {
                if (!regex.matcher(view.sourceTopic()).matches()) {
                    throw new IllegalStateException("view '" + view.name() + "' follows " + view.sourceTopic()
                            + ", which mp.messaging.incoming.changes.topic (" + pattern.get() + ") does not match");
                }
            }
        }
        Masker masker = new Masker(config.masking().key(), config.masking().redactedValue());
        ViewProcessor processor = new ViewProcessor(views, references, masker, config.retry().initialBackoff(),
                config.retry().maxBackoff());
        viewTopics.ensure(views);
        return processor;
    }

    /** Decoder of change records, against the schema registry. */
    @Produces
    @Singleton
    AvroDecoder avroDecoder(@ConfigProperty(name = "apicurio.registry.url") String registryUrl) {
        return new AvroDecoder(registryUrl);
    }

    void closeDecoder(@Disposes AvroDecoder decoder) {
        decoder.close();
    }
}
