package io.tributary.processor.messaging;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.jboss.logging.Logger;

import io.smallrye.common.annotation.Identifier;
import io.tributary.processor.view.ViewSpec;

/**
 * Makes sure every view topic exists and is compacted ({@code cleanup.policy=compact}) before the first
 * record is published, so that a view topic ends with only live keys. A missing view topic is created with
 * as many partitions as its source topic (1 if that is unknown). An existing one is left alone; a warning
 * says when it is not compacted.
 */
@ApplicationScoped
public class ViewTopics {

    private static final Logger LOG = Logger.getLogger(ViewTopics.class);
    private static final long TIMEOUT_SECONDS = 60;

    private final Map<String, Object> kafkaConfig;

    public ViewTopics(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig) {
        this.kafkaConfig = kafkaConfig;
    }

    /** Creates the missing view topics, compacted; fails when Kafka cannot be reached within a minute. */
    public void ensure(Collection<ViewSpec> views) {
        if (views.isEmpty()) {
            return;
        }
        Map<String, Object> config = new HashMap<>();
        kafkaConfig.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k)) {
                config.put(k, v);
            }
        });
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Duration.ofSeconds(TIMEOUT_SECONDS).toMillis());
        try (Admin admin = Admin.create(config)) {
            for (ViewSpec view : views) {
                ensure(admin, view);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating view topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create the view topics: " + e.getMessage(), e);
        }
    }

    private void ensure(Admin admin, ViewSpec view) throws InterruptedException, ExecutionException, TimeoutException {
        int partitions = partitions(admin, view.sourceTopic()).orElse(1);
        NewTopic topic = new NewTopic(view.viewTopic(), Optional.of(partitions), Optional.empty())
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        try {
            admin.createTopics(List.of(topic)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            LOG.infof("created view topic %s (compacted, %d partitions)", view.viewTopic(), partitions);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, view.viewTopic());
            Config existing = admin.describeConfigs(List.of(resource)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .get(resource);
            var policy = existing.get(TopicConfig.CLEANUP_POLICY_CONFIG);
            if (policy == null || !policy.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
                LOG.warnf("view topic %s exists with cleanup.policy=%s: it should be compacted", view.viewTopic(),
                        policy == null ? "?" : policy.value());
            }
        }
    }

    private static Optional<Integer> partitions(Admin admin, String topic)
            throws InterruptedException, ExecutionException, TimeoutException {
        try {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(topic);
            return Optional.of(description.partitions().size());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
