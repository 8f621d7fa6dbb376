package io.tributary.tools.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.tributary.stack.StackSecurity;
import io.tributary.stack.StackSecurity.KafkaAcl;

/**
 * Offline checks of the Kubernetes manifests in {@code deploy/k8s} (no cluster needed):
 * <ol>
 * <li>schema validation of every document of both variants by {@code deploy/k8s/validate/validate.mjs} (Node, the
 * npm {@code kubernetes-models} packages and hand-written schemas of the Strimzi and Knative Kafka kinds), and a
 * deliberately broken manifest that it must reject;</li>
 * <li>cross-checks against what the services really read: every container env var is a config key of the service
 * (its {@code application.properties}, or a leaf of its {@code @ConfigMapping} interfaces), container ports are the
 * services' {@code quarkus.http.port}, probes are Quarkus's health endpoints, images are the ones pinned in the images
 * component, Secret/ConfigMap references resolve, and the Kafka resources (topics, KafkaSources) are the topics and
 * consumer groups the services use;</li>
 * <li>the secure configuration (SECURITY.md): every service on Kafka over SASL_SSL as its own KafkaUser, whose ACLs
 * are exactly {@link StackSecurity#ACLS}; Redis over TLS only with the ACL users of {@link StackSecurity#REDIS_ACL};
 * PostgreSQL with verify-full as the least-privilege role; the settings {@code SecureServices} gives each service
 * on the secure local stack.</li>
 * </ol>
 * Needs {@code node} (and {@code npm} the first time, to install the validator's pinned packages).
 */
class DeployManifestsIT {

    static final Path ROOT = repoRoot();
    static final Path K8S = ROOT.resolve("deploy/k8s");
    static final Path VALIDATOR = K8S.resolve("validate");
    static final Path IMAGES_COMPONENT = K8S.resolve("components/images/kustomization.yaml");
    static final List<String> SERVICES = List.of("capture-service", "processor-service", "sink-service");
    /** The default (Knative) variant and the plain one. */
    static final List<Path> VARIANTS = List.of(K8S, K8S.resolve("overlays/plain"));
    static final String HEALTH_LIVE = "/q/health/live";
    static final String HEALTH_READY = "/q/health/ready";
    /** capture-service's offsets topic is {@code <capture.topic-prefix> + this} (CaptureEngine.engineProperties). */
    static final String OFFSETS_TOPIC_SUFFIX = ".capture.offsets";

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    // ------------------------------------------------------------------ (a) schema validation, through node

    @Test
    void everyManifestOfBothVariantsIsValidAgainstItsSchema() throws Exception {
        installValidator();
        Result result = run(ROOT, 120, "node", VALIDATOR.resolve("validate.mjs").toString());
        assertThat(result.exitCode()).as("validate.mjs failed:%n%s", result.output()).isZero();
        assertThat(result.output()).contains("deploy/k8s: ", "deploy/k8s/overlays/plain: ").contains(" 0 failures");
    }

    @Test
    void theSchemaValidationRejectsABrokenManifest(@TempDir Path dir) throws Exception {
        installValidator();
        Files.writeString(dir.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - deployment.yaml
                  - source.yaml
                  - user.yaml
                """);
        Files.writeString(dir.resolve("user.yaml"), """
                apiVersion: kafka.strimzi.io/v1beta2
                kind: KafkaUser
                metadata:
                  name: broken-user
                  labels: {strimzi.io/cluster: tributary}
                spec:
                  authentication: {type: scram-sha-512}
                  authorization:
                    type: simple
                    acls:
                      - resource: {type: topic, name: t, patternType: prefix}
                        operations: [Reed]
                """);
        Files.writeString(dir.resolve("deployment.yaml"), """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: broken
                spec:
                  replicas: "one"
                  selector:
                    matchLabels: {app: broken}
                  template:
                    metadata:
                      labels: {app: broken}
                    spec:
                      containers:
                        - name: app
                          image: example/app:1
                """);
        Files.writeString(dir.resolve("source.yaml"), """
                apiVersion: sources.knative.dev/v1
                kind: KafkaSource
                metadata:
                  name: broken-source
                spec:
                  bootstrapServers: [kafka:9092]
                  topics: [t]
                  ordering: random
                  sink:
                    uri: http://example/
                """);

        Result result = run(ROOT, 120, "node", VALIDATOR.resolve("validate.mjs").toString(), dir.toString());

        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(result.output())
                .containsPattern("FAIL \\S*deployment\\.yaml Deployment/broken .*/spec/replicas must be integer")
                .containsPattern("FAIL \\S*source\\.yaml KafkaSource/broken-source .*/spec/ordering must be equal to one of the allowed values")
                .containsPattern("FAIL \\S*user\\.yaml KafkaUser/broken-user .*/spec/authorization/acls/0/operations/0 must be equal to one of the allowed values")
                .contains("3 failures");
    }

    // ------------------------------------------------------------------ (b) cross-checks with the services

    @Test
    void everyEnvVarIsAConfigKeyTheServiceReads() {
        SoftAssertions softly = new SoftAssertions();
        for (Path variant : VARIANTS) {
            Manifests m = Manifests.load(variant);
            for (Workload w : m.serviceWorkloads()) {
                ServiceConfig config = ServiceConfig.of(w.service());
                Set<String> helpers = w.interpolationHelpers();
                for (JsonNode env : w.container().path("env")) {
                    String name = env.path("name").asText();
                    if (helpers.contains(name)) {
                        // only there to be expanded as $(NAME) into a later variable the service reads
                        softly.assertThat(config.reads(name)).as("%s %s: helper %s is also a config key of the service",
                                rel(w.doc().file()), w.service(), name).isFalse();
                        continue;
                    }
                    softly.assertThat(config.reads(name))
                            .as("%s %s: env %s is not a config key %s reads%s", rel(w.doc().file()), w.service(), name,
                                    w.service(), config.hint(name))
                            .isTrue();
                }
                softly.assertThat(w.container().has("envFrom"))
                        .as("%s %s: envFrom hides the env names from this check; use env", rel(w.doc().file()), w.service())
                        .isFalse();
            }
        }
        softly.assertAll();
    }

    @Test
    void theEnvCheckRejectsNamesTheServicesDoNotRead() {
        ServiceConfig capture = ServiceConfig.of("capture-service");
        ServiceConfig processor = ServiceConfig.of("processor-service");
        ServiceConfig sink = ServiceConfig.of("sink-service");

        assertThat(capture.reads("CAPTURE_DATABASE_HOST")).isTrue();
        assertThat(capture.reads("CAPTURE_KAFKA_BOOTSTRAP_SERVERS")).isTrue();
        assertThat(capture.reads("TRIBUTARY_LOG_JSON")).isTrue();
        assertThat(processor.reads("QUARKUS_REDIS_HOSTS")).isTrue();
        assertThat(processor.reads("PROCESSOR_MASKING_KEY")).isTrue();
        assertThat(processor.reads("MP_MESSAGING_INCOMING_CHANGES_ENABLED")).isTrue();
        assertThat(sink.reads("SINK_LAKE_BUCKET")).isTrue();
        assertThat(sink.reads("APICURIO_REGISTRY_URL")).as("read as ${apicurio.registry.url}").isTrue();

        assertThat(capture.reads("CAPTURE_DATABASE_HOSTNAME")).as("a typo").isFalse();
        assertThat(capture.reads("KAFKA_BOOTSTRAP_SERVERS")).as("capture reads capture.kafka.bootstrap-servers").isFalse();
        assertThat(processor.reads("QUARKUS_REDIS_HOST")).isFalse();
        assertThat(processor.reads("MP_MESSAGING_INCOMING_NOPE_ENABLED")).as("no such channel").isFalse();
        assertThat(processor.reads("PROCESSOR_VIEWS_OTHER_VIEW_SOURCE_TOPIC"))
                .as("a map entry SmallRye cannot name from the environment alone").isFalse();
        assertThat(sink.reads("SINK_LAKE_BUCKETS")).isFalse();

        // kafka.* is the Kafka client's own configuration (Quarkus's default Kafka config, capture's KafkaClientSettings)
        assertThat(capture.reads("KAFKA_SASL_JAAS_CONFIG")).isTrue();
        assertThat(processor.reads("KAFKA_SSL_TRUSTSTORE_LOCATION")).isTrue();
        assertThat(sink.reads("KAFKA_SECURITY_PROTOCOL")).isTrue();
        assertThat(sink.reads("KAFKA_SASL_JASS_CONFIG")).as("not a Kafka client setting").isFalse();
        // the secure settings SecureServices gives each service
        assertThat(sink.reads("QUARKUS_TLS_TRIBUTARY_TRUST_STORE_PEM_CERTS")).isTrue();
        assertThat(capture.reads("CAPTURE_DATABASE_SSL_ROOT_CERT")).isTrue();
        assertThat(capture.reads("QUARKUS_REDIS_TLS_CONFIGURATION_NAME")).as("capture has no Redis").isFalse();
        assertThat(processor.reads("QUARKUS_S3_SYNC_CLIENT_TLS_TRUST_MANAGERS_PROVIDER_TYPE")).as("the sink's").isFalse();
        assertThat(sink.reads("QUARKUS_S3_SYNC_CLIENT_TLS_TRUST_MANAGERS_PROVIDER_FILE_STORE_PATH")).isTrue();
        // an entry of a map of values (capture.debezium.*): SmallRye Config 3 names it with '_' -> '.'
        // (CAPTURE_DEBEZIUM_PUBLICATION_AUTOCREATE_MODE -> debezium() key publication.autocreate.mode, checked with
        // smallrye-config 3.16.0), which suits Debezium's dotted property names
        assertThat(capture.reads("CAPTURE_DEBEZIUM_PUBLICATION_AUTOCREATE_MODE")).isTrue();
        assertThat(sink.reads("PROCESSOR_MASKING_KEY")).as("another service's key").isFalse();
    }

    @Test
    void containerPortsAreTheServicesHttpPorts() {
        SoftAssertions softly = new SoftAssertions();
        for (Path variant : VARIANTS) {
            Manifests m = Manifests.load(variant);
            for (Workload w : m.serviceWorkloads()) {
                int httpPort = w.httpPort();
                JsonNode ports = w.container().path("ports");
                softly.assertThat(ports.size()).as("%s %s: one container port", rel(w.doc().file()), w.service()).isEqualTo(1);
                softly.assertThat(ports.path(0).path("containerPort").asInt())
                        .as("%s %s: containerPort vs quarkus.http.port", rel(w.doc().file()), w.service())
                        .isEqualTo(httpPort);
                // a Kubernetes Service in front of a Deployment targets that port, by name or number
                m.find("v1", "Service", w.doc().name()).ifPresent(svc -> {
                    for (JsonNode p : svc.node().path("spec").path("ports")) {
                        String target = p.path("targetPort").asText();
                        softly.assertThat(target.equals(ports.path(0).path("name").asText())
                                || target.equals(Integer.toString(httpPort)))
                                .as("%s Service %s: targetPort %s is not the container's port", rel(svc.file()), svc.name(), target)
                                .isTrue();
                    }
                });
            }
        }
        softly.assertAll();
    }

    @Test
    void probesAreTheQuarkusHealthEndpointsOfTheServices() throws IOException {
        SoftAssertions softly = new SoftAssertions();
        for (String service : SERVICES) {
            ServiceConfig config = ServiceConfig.of(service);
            softly.assertThat(Files.readString(ROOT.resolve(service).resolve("pom.xml")))
                    .as("%s serves %s and %s only with quarkus-smallrye-health", service, HEALTH_LIVE, HEALTH_READY)
                    .contains("<artifactId>quarkus-smallrye-health</artifactId>");
            for (String moved : List.of("quarkus.smallrye-health.root-path", "quarkus.http.root-path",
                    "quarkus.http.non-application-root-path", "quarkus.management.enabled")) {
                softly.assertThat(config.anyProfileKeys()).as("%s sets %s: the probe paths/ports would move", service, moved)
                        .doesNotContain(moved);
            }
        }
        for (Path variant : VARIANTS) {
            Manifests m = Manifests.load(variant);
            for (Workload w : m.serviceWorkloads()) {
                String where = rel(w.doc().file()) + " " + w.service();
                softly.assertThat(w.container().path("livenessProbe").path("httpGet").path("path").asText())
                        .as("%s: liveness probe", where).isEqualTo(HEALTH_LIVE);
                softly.assertThat(w.container().path("readinessProbe").path("httpGet").path("path").asText())
                        .as("%s: readiness probe", where).isEqualTo(HEALTH_READY);
                for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
                    JsonNode httpGet = w.container().path(probe).path("httpGet");
                    if (probe.equals("startupProbe") && httpGet.isMissingNode()) {
                        continue;
                    }
                    softly.assertThat(httpGet.path("path").asText()).as("%s: %s path", where, probe)
                            .isIn(HEALTH_LIVE, HEALTH_READY, "/q/health/started");
                    JsonNode port = httpGet.path("port");
                    if (!port.isMissingNode()) {
                        softly.assertThat(port.asText()).as("%s: %s port", where, probe).isIn(
                                Integer.toString(w.httpPort()), w.container().path("ports").path(0).path("name").asText());
                    }
                }
                softly.assertThat(w.container().path("resources").path("requests").path("memory").asText())
                        .as("%s: a memory request", where).isNotEmpty();
                softly.assertThat(w.container().path("resources").path("limits").path("memory").asText())
                        .as("%s: a memory limit", where).isNotEmpty();
            }
        }
        softly.assertAll();
    }

    @Test
    void imagesAreTheServicesAndArePinnedInTheImagesComponent() {
        JsonNode component = Manifests.readDocs(IMAGES_COMPONENT).get(0);
        Map<String, String> pinned = new LinkedHashMap<>();
        component.path("images").forEach(i -> pinned.put(i.path("name").asText(), i.path("newTag").asText()));
        SoftAssertions softly = new SoftAssertions();
        pinned.forEach((name, tag) -> softly.assertThat(tag).as("images: %s has a newTag", name).isNotEmpty());
        for (String service : SERVICES) {
            softly.assertThat(pinned).as("images component pins tributary/%s", service).containsKey("tributary/" + service);
        }
        Set<String> used = new TreeSet<>();
        for (Path variant : VARIANTS) {
            Manifests m = Manifests.load(variant);
            softly.assertThat(m.serviceWorkloads().stream().map(Workload::service).toList())
                    .as("%s: one workload per service", rel(variant)).containsExactlyInAnyOrderElementsOf(SERVICES);
            for (Doc doc : m.docs()) {
                for (JsonNode c : containers(doc.node())) {
                    String image = c.path("image").asText();
                    used.add(image);
                    softly.assertThat(image).as("%s %s: name the image without a tag; the tag is set in %s", rel(doc.file()),
                            doc.name(), rel(IMAGES_COMPONENT)).doesNotContain(":").doesNotContain("@");
                    softly.assertThat(pinned).as("%s %s: image %s is not pinned in %s", rel(doc.file()), doc.name(), image,
                            rel(IMAGES_COMPONENT)).containsKey(image);
                }
            }
            for (Workload w : m.serviceWorkloads()) {
                softly.assertThat(w.container().path("name").asText()).as("%s: container name", rel(w.doc().file()))
                        .isEqualTo(w.service());
                softly.assertThat(w.doc().name()).as("%s: workload name", rel(w.doc().file())).isEqualTo(w.service());
            }
        }
        softly.assertThat(used).as("every pinned image is used").containsAll(pinned.keySet());
        softly.assertAll();
    }

    @Test
    void secretAndConfigMapReferencesResolve() {
        SoftAssertions softly = new SoftAssertions();
        for (Path variant : VARIANTS) {
            Manifests m = Manifests.load(variant);
            Map<String, Set<String>> secrets = m.secretKeys();
            Map<String, Set<String>> configMaps = m.configMapKeys();
            for (Doc doc : m.docs()) {
                String at = rel(doc.file()) + " " + doc.kind() + "/" + doc.name();
                for (JsonNode c : containers(doc.node())) {
                    for (JsonNode env : c.path("env")) {
                        for (String kind : List.of("secretKeyRef", "configMapKeyRef")) {
                            JsonNode ref = env.path("valueFrom").path(kind);
                            if (!ref.isMissingNode()) {
                                checkRef(softly, kind.equals("secretKeyRef") ? secrets : configMaps,
                                        kind.equals("secretKeyRef") ? "Secret" : "ConfigMap", ref.path("name").asText(),
                                        ref.path("key").asText(), at + ": env " + env.path("name").asText(), variant);
                            }
                        }
                    }
                }
                for (JsonNode volume : doc.node().path("spec").path("template").path("spec").path("volumes")) {
                    for (String kind : List.of("secret", "configMap")) {
                        JsonNode v = volume.path(kind);
                        if (v.isMissingNode()) {
                            continue;
                        }
                        String name = v.path(kind.equals("secret") ? "secretName" : "name").asText();
                        Map<String, Set<String>> known = kind.equals("secret") ? secrets : configMaps;
                        String what = at + ": volume " + volume.path("name").asText();
                        softly.assertThat(known).as("%s refers to %s %s, not in %s", what, kind, name, rel(variant)).containsKey(name);
                        for (JsonNode item : v.path("items")) {
                            checkRef(softly, known, kind, name, item.path("key").asText(), what, variant);
                        }
                    }
                }
                // the KafkaSources' credentials (spec.net)
                JsonNode net = doc.node().path("spec").path("net");
                for (JsonNode group : List.of(net.path("sasl"), net.path("tls"))) {
                    group.fields().forEachRemaining(f -> {
                        JsonNode ref = f.getValue().path("secretKeyRef");
                        if (!ref.isMissingNode()) {
                            checkRef(softly, secrets, "Secret", ref.path("name").asText(), ref.path("key").asText(),
                                    at + ": net " + f.getKey(), variant);
                        }
                    });
                }
                JsonNode auth = doc.node().path("spec").path("auth").path("secret").path("ref");
                if (!auth.isMissingNode()) {
                    softly.assertThat(secrets).as("%s: auth Secret %s", at, auth.path("name").asText())
                            .containsKey(auth.path("name").asText());
                }
            }
        }
        softly.assertAll();
    }

    private static void checkRef(SoftAssertions softly, Map<String, Set<String>> known, String kind, String name, String key,
            String what, Path variant) {
        softly.assertThat(known).as("%s refers to %s %s, not in %s (nor made by an operator from it)", what, kind, name,
                rel(variant)).containsKey(name);
        if (known.containsKey(name)) {
            softly.assertThat(known.get(name)).as("%s refers to key %s of %s %s, which has no such key", what, key, kind, name)
                    .contains(key);
        }
    }

    @Test
    void kafkaTopicsAndSourcesAreTheOnesTheServicesUse() {
        ServiceConfig capture = ServiceConfig.of("capture-service");
        ServiceConfig processor = ServiceConfig.of("processor-service");
        ServiceConfig sink = ServiceConfig.of("sink-service");
        SoftAssertions softly = new SoftAssertions();
        for (Path variant : VARIANTS) {
            Manifests m = Manifests.load(variant);
            Workload captureWorkload = m.workload("capture-service");
            Map<String, JsonNode> topics = m.kafkaTopics();
            String where = rel(variant);

            // change topics: capture.topic-prefix + "." + table, with the partitions and replicas capture creates them with
            String prefix = capture.valueOrDefault("capture.topic-prefix");
            int partitions = Integer.parseInt(captureWorkload.env("CAPTURE_PARTITIONS")
                    .orElse(capture.valueOrDefault("capture.partitions")));
            int replicas = Integer.parseInt(captureWorkload.env("CAPTURE_REPLICATION_FACTOR")
                    .orElse(capture.valueOrDefault("capture.replication-factor")));
            Set<String> changeTopics = new TreeSet<>();
            for (String table : capture.value("capture.tables").split(",")) {
                String topic = prefix + "." + table.trim();
                changeTopics.add(topic);
                softly.assertThat(topics).as("%s: KafkaTopic of change topic %s", where, topic).containsKey(topic);
                if (topics.containsKey(topic)) {
                    softly.assertThat(topics.get(topic).path("partitions").asInt()).as("%s: partitions of %s", where, topic)
                            .isEqualTo(partitions);
                    softly.assertThat(topics.get(topic).path("replicas").asInt()).as("%s: replicas of %s", where, topic)
                            .isEqualTo(replicas);
                }
            }
            String offsets = prefix + OFFSETS_TOPIC_SUFFIX;
            softly.assertThat(topics).as("%s: KafkaTopic of the offsets topic", where).containsKey(offsets);
            if (topics.containsKey(offsets)) {
                softly.assertThat(topics.get(offsets).path("config").path("cleanup.policy").asText()).isEqualTo("compact");
                softly.assertThat(topics.get(offsets).path("partitions").asInt()).as("offset.storage.partitions").isEqualTo(1);
            }

            // the processor's views: source and reference topics are change topics; view topics compacted, same partitions
            Map<String, String> viewSources = processor.viewSourceTopics();
            String viewPrefix = processor.valueOrDefault("processor.view-topic-prefix");
            Set<String> viewTopics = new TreeSet<>();
            viewSources.forEach((view, source) -> {
                softly.assertThat(changeTopics).as("view %s follows %s, which capture does not publish", view, source)
                        .contains(source);
                String viewTopic = viewPrefix + view;
                viewTopics.add(viewTopic);
                softly.assertThat(topics).as("%s: KafkaTopic of view topic %s", where, viewTopic).containsKey(viewTopic);
                if (topics.containsKey(viewTopic) && topics.containsKey(source)) {
                    softly.assertThat(topics.get(viewTopic).path("config").path("cleanup.policy").asText())
                            .as("%s: %s is compacted", where, viewTopic).isEqualTo("compact");
                    softly.assertThat(topics.get(viewTopic).path("partitions").asInt())
                            .as("%s: %s has its source topic's partitions", where, viewTopic)
                            .isEqualTo(topics.get(source).path("partitions").asInt());
                }
            });
            for (String reference : processor.referenceTopics()) {
                softly.assertThat(topics).as("%s: KafkaTopic of reference topic %s", where, reference).containsKey(reference);
            }
            String deadLetters = processor.valueOrDefault("processor.dead-letter-topic");
            softly.assertThat(topics).as("%s: KafkaTopic of the dead-letter topic", where).containsKey(deadLetters);

            // KafkaSources (Knative variant): the services' own topics and consumer groups, pushing to "/" in binary mode
            List<Doc> sources = m.all("sources.knative.dev/v1", "KafkaSource");
            boolean knative = !sources.isEmpty();
            checkPushedService(softly, m, sources, "processor-service", processor, viewSources.values(), knative);
            checkPushedService(softly, m, sources, "sink-service", sink, viewTopics, knative);
            if (knative) {
                softly.assertThat(sources).as("%s: one KafkaSource per pushed service", where).hasSize(2);
            }
        }
        softly.assertAll();
    }

    private static void checkPushedService(SoftAssertions softly, Manifests m, List<Doc> sources, String service,
            ServiceConfig config, java.util.Collection<String> expectedTopics, boolean knative) {
        String channel = config.singleIncomingChannel();
        String disabled = "MP_MESSAGING_INCOMING_" + envName(channel) + "_ENABLED";
        Workload w = m.workload(service);
        String where = rel(w.doc().file()) + " " + service;
        if (!knative) {
            softly.assertThat(w.doc().kind()).as("%s: a Deployment in the plain variant", where).isEqualTo("Deployment");
            softly.assertThat(w.env(disabled)).as("%s: its Kafka channel must stay on without a KafkaSource", where)
                    .isNotEqualTo(Optional.of("false"));
            return;
        }
        softly.assertThat(w.doc().apiVersion()).as("%s: a Knative Service", where).isEqualTo("serving.knative.dev/v1");
        JsonNode annotations = w.doc().node().path("spec").path("template").path("metadata").path("annotations");
        softly.assertThat(annotations.path("autoscaling.knative.dev/min-scale").asText()).as("%s: scales to zero", where)
                .isEqualTo("0");
        softly.assertThat(w.env(disabled))
                .as("%s: %s=false, or the service would poll its topics in the KafkaSource's consumer group", where, disabled)
                .contains("false");
        List<Doc> mine = sources.stream()
                .filter(s -> s.node().path("spec").path("sink").path("ref").path("name").asText().equals(service)).toList();
        softly.assertThat(mine).as("%s: one KafkaSource pushes to it", where).hasSize(1);
        for (Doc source : mine) {
            JsonNode spec = source.node().path("spec");
            String at = rel(source.file()) + " KafkaSource/" + source.name();
            softly.assertThat(spec.path("sink").path("ref").path("apiVersion").asText()).as(at).isEqualTo("serving.knative.dev/v1");
            softly.assertThat(spec.path("sink").path("ref").path("kind").asText()).as(at).isEqualTo("Service");
            softly.assertThat(spec.path("sink").path("uri").asText()).as("%s: pushes to the root URL", at).isEqualTo("/");
            softly.assertThat(spec.path("delivery").path("format").asText()).as("%s: binary content mode", at).isEqualTo("binary");
            softly.assertThat(spec.path("delivery").path("retry").asInt()).as("%s: retries", at).isPositive();
            softly.assertThat(spec.path("consumerGroup").asText()).as("%s: the consumer group of channel %s", at, channel)
                    .isEqualTo(config.value("mp.messaging.incoming." + channel + ".group.id"));
            List<String> topics = new ArrayList<>();
            spec.path("topics").forEach(t -> topics.add(t.asText()));
            softly.assertThat(topics).as("%s: the topics %s consumes", at, service).containsExactlyInAnyOrderElementsOf(expectedTopics);
            String pattern = config.value("mp.messaging.incoming." + channel + ".topic");
            topics.forEach(t -> softly.assertThat(t).as("%s: topic within the channel's pattern", at).matches(pattern));
            JsonNode dls = spec.path("delivery").path("deadLetterSink").path("ref");
            Optional<Doc> sink = m.find(dls.path("apiVersion").asText(), dls.path("kind").asText(), dls.path("name").asText());
            softly.assertThat(sink).as("%s: dead-letter sink %s/%s", at, dls.path("kind").asText(), dls.path("name").asText())
                    .isPresent();
            sink.ifPresent(s -> softly.assertThat(m.kafkaTopics())
                    .as("%s: KafkaTopic of the dead-letter topic", rel(s.file()))
                    .containsKey(s.node().path("spec").path("topic").asText()));
        }
    }

    @Test
    void captureIsOneReplicaNeverTwoAtOnce() {
        for (Path variant : VARIANTS) {
            Doc capture = Manifests.load(variant).workload("capture-service").doc();
            assertThat(capture.kind()).isEqualTo("Deployment");
            assertThat(capture.node().path("spec").path("replicas").asInt()).as("one replication slot, one reader").isEqualTo(1);
            assertThat(capture.node().path("spec").path("strategy").path("type").asText()).isEqualTo("Recreate");
        }
    }

    // ------------------------------------------------------------------ (c) the secure configuration (SECURITY.md)

    /** The Kafka principal (KafkaUser, StackSecurity) of each service. */
    static final Map<String, String> PRINCIPALS = Map.of("capture-service", "capture", "processor-service", "processor",
            "sink-service", "sink");
    /** The Redis ACL user of each service that uses Redis. */
    static final Map<String, String> REDIS_USERS = Map.of("processor-service", "processor", "sink-service", "sink");
    /** Every setting a Kafka client of a service can take (capture's KafkaClientSettings, Quarkus's kafka.*). */
    static final Set<String> KAFKA_CLIENT_CONFIGS = kafkaClientConfigs();
    /**
     * The Knative variant's own principal: the dead-letter KafkaSinks (knative/dead-letter-sinks.yaml). Not in
     * StackSecurity.ACLS (the local stack runs no Knative): these are its exact ACLs.
     */
    static final String KNATIVE_DEAD_LETTERS = "knative-dead-letters";
    static final List<KafkaAcl> KNATIVE_DEAD_LETTERS_ACLS = List.of(
            new KafkaAcl(KNATIVE_DEAD_LETTERS, ResourceType.TOPIC, "tributary.processor.dlq", PatternType.LITERAL, AclOperation.WRITE),
            new KafkaAcl(KNATIVE_DEAD_LETTERS, ResourceType.TOPIC, "tributary.processor.dlq", PatternType.LITERAL, AclOperation.DESCRIBE),
            new KafkaAcl(KNATIVE_DEAD_LETTERS, ResourceType.TOPIC, "tributary.sink.dlq", PatternType.LITERAL, AclOperation.WRITE),
            new KafkaAcl(KNATIVE_DEAD_LETTERS, ResourceType.TOPIC, "tributary.sink.dlq", PatternType.LITERAL, AclOperation.DESCRIBE));
    /** Secrets a manifest refers to that are created out of band (README.md says how): name -> keys. */
    static final Map<String, Set<String>> OUT_OF_BAND_SECRETS = Map.of(
            "knative-dead-letters-kafka", Set.of("protocol", "sasl.mechanism", "user", "password", "ca.crt"));
    static final Path K8S_README = K8S.resolve("README.md");

    private static Set<String> kafkaClientConfigs() {
        Set<String> names = new TreeSet<>();
        names.addAll(ProducerConfig.configNames());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        return names;
    }

    @Test
    void kafkaHasOnlyATlsScramListenerAndTheSimpleAuthorizer() {
        for (Path variant : VARIANTS) {
            Manifests m = Manifests.load(variant);
            Doc kafka = m.kafkaCluster();
            JsonNode spec = kafka.node().path("spec").path("kafka");
            assertThat(spec.path("listeners").size()).as("%s: listeners", rel(kafka.file())).isPositive();
            for (JsonNode listener : spec.path("listeners")) {
                assertThat(listener.path("tls").asBoolean()).as("listener %s: TLS", listener.path("name").asText()).isTrue();
                assertThat(listener.path("authentication").path("type").asText())
                        .as("listener %s: authentication", listener.path("name").asText()).isEqualTo("scram-sha-512");
            }
            assertThat(spec.path("authorization").path("type").asText()).as("authorization").isEqualTo("simple");
            assertThat(spec.path("authorization").path("superUsers").size()).as("no super user but Strimzi's own").isZero();
            assertThat(spec.path("config").has("allow.everyone.if.no.acl.found")).as("deny when no ACL (Kafka's default)")
                    .isFalse();
            assertThat(kafka.node().path("spec").path("entityOperator").has("userOperator"))
                    .as("the User Operator reconciles the KafkaUsers").isTrue();
            assertThat(m.bootstrapServers()).as("%s: tributary-endpoints kafka-bootstrap-servers", rel(variant))
                    .isEqualTo(kafka.name() + "-kafka-bootstrap:" + spec.path("listeners").path(0).path("port").asInt());
        }
    }

    @Test
    void kafkaUserAclsAreExactlyStackSecurityAcls() {
        SoftAssertions softly = new SoftAssertions();
        for (Path variant : VARIANTS) {
            Manifests m = Manifests.load(variant);
            boolean knative = !m.all("sources.knative.dev/v1", "KafkaSource").isEmpty();
            Map<String, Doc> users = new LinkedHashMap<>();
            m.all("kafka.strimzi.io/v1beta2", "KafkaUser").forEach(u -> users.put(u.name(), u));
            Set<String> expected = new TreeSet<>(StackSecurity.KAFKA_PRINCIPALS);
            expected.remove(StackSecurity.KAFKA_ADMIN); // Strimzi's operators and brokers authenticate with certificates
            if (knative) {
                expected.add(KNATIVE_DEAD_LETTERS);
            }
            softly.assertThat(users.keySet()).as("%s: one KafkaUser per principal", rel(variant))
                    .containsExactlyInAnyOrderElementsOf(expected);
            for (Doc user : users.values()) {
                String where = rel(user.file()) + " KafkaUser/" + user.name();
                softly.assertThat(user.node().path("metadata").path("labels").path("strimzi.io/cluster").asText())
                        .as("%s: cluster label", where).isEqualTo(m.kafkaCluster().name());
                softly.assertThat(user.node().path("spec").path("authentication").path("type").asText())
                        .as("%s: authentication", where).isEqualTo("scram-sha-512");
                softly.assertThat(user.node().path("spec").path("authorization").path("type").asText())
                        .as("%s: authorization", where).isEqualTo("simple");
                List<KafkaAcl> wanted = user.name().equals(KNATIVE_DEAD_LETTERS) ? KNATIVE_DEAD_LETTERS_ACLS
                        : StackSecurity.ACLS.stream().filter(a -> a.principal().equals(user.name())).toList();
                softly.assertThat(aclDifferences(user, wanted)).as("%s: ACLs vs StackSecurity.ACLS", where).isEmpty();
            }
        }
        softly.assertAll();
    }

    @Test
    void theAclCheckRejectsAMismatch() {
        Doc processor = Manifests.load(K8S).find("kafka.strimzi.io/v1beta2", "KafkaUser", "processor").orElseThrow();
        List<KafkaAcl> acls = StackSecurity.ACLS.stream().filter(a -> a.principal().equals("processor")).toList();
        assertThat(aclDifferences(processor, acls)).isEmpty();
        assertThat(aclDifferences(processor, acls.subList(1, acls.size()))).as("one ACL more than StackSecurity")
                .singleElement().asString().startsWith("not in StackSecurity.ACLS");
        List<KafkaAcl> more = new ArrayList<>(acls);
        more.add(new KafkaAcl("processor", ResourceType.GROUP, "sink-service", PatternType.LITERAL, AclOperation.READ));
        assertThat(aclDifferences(processor, more)).as("one ACL less").singleElement().asString().startsWith("missing");
        List<KafkaAcl> prefixed = acls.stream().map(a -> a.patternType() == PatternType.LITERAL && a.resourceType() == ResourceType.GROUP
                ? new KafkaAcl(a.principal(), a.resourceType(), a.resourceName(), PatternType.PREFIXED, a.operation()) : a).toList();
        assertThat(aclDifferences(processor, prefixed)).as("a pattern type").hasSize(2);
    }

    /** The differences between a KafkaUser's ACL rules and the expected ACLs, as messages; empty if equal. */
    static List<String> aclDifferences(Doc user, List<KafkaAcl> expected) {
        Set<KafkaAcl> actual = new HashSet<>();
        List<String> out = new ArrayList<>();
        for (JsonNode rule : user.node().path("spec").path("authorization").path("acls")) {
            if (!rule.path("type").asText("allow").equals("allow")) {
                out.add("a " + rule.path("type").asText() + " rule: StackSecurity.ACLS allows only");
            }
            if (!rule.path("host").asText("*").equals("*")) {
                out.add("a rule limited to host " + rule.path("host").asText());
            }
            JsonNode resource = rule.path("resource");
            ResourceType type = switch (resource.path("type").asText()) {
                case "topic" -> ResourceType.TOPIC;
                case "group" -> ResourceType.GROUP;
                case "cluster" -> ResourceType.CLUSTER;
                case "transactionalId" -> ResourceType.TRANSACTIONAL_ID;
                default -> ResourceType.UNKNOWN;
            };
            String name = type == ResourceType.CLUSTER ? "kafka-cluster" : resource.path("name").asText();
            PatternType pattern = type == ResourceType.CLUSTER ? PatternType.LITERAL
                    : switch (resource.path("patternType").asText("literal")) {
                        case "literal" -> PatternType.LITERAL;
                        case "prefix" -> PatternType.PREFIXED;
                        default -> PatternType.UNKNOWN;
                    };
            List<String> operations = new ArrayList<>();
            rule.path("operations").forEach(o -> operations.add(o.asText()));
            if (rule.has("operation")) {
                operations.add(rule.path("operation").asText());
            }
            for (String operation : operations) {
                AclOperation op;
                try {
                    op = AclOperation.valueOf(operation.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    op = AclOperation.UNKNOWN;
                }
                actual.add(new KafkaAcl(user.name(), type, name, pattern, op));
            }
        }
        for (KafkaAcl acl : actual) {
            if (!expected.contains(acl)) {
                out.add("not in StackSecurity.ACLS: " + acl);
            }
        }
        for (KafkaAcl acl : expected) {
            if (!actual.contains(acl)) {
                out.add("missing: " + acl);
            }
        }
        return out;
    }

    @Test
    void everyServiceUsesKafkaOverSaslSslAsItsOwnKafkaUser() {
        SoftAssertions softly = new SoftAssertions();
        for (Path variant : VARIANTS) {
            Manifests m = Manifests.load(variant);
            String caSecret = m.kafkaCluster().name() + "-cluster-ca-cert";
            for (Workload w : m.serviceWorkloads()) {
                String where = rel(w.doc().file()) + " " + w.service();
                String principal = PRINCIPALS.get(w.service());
                softly.assertThat(w.env("KAFKA_SECURITY_PROTOCOL")).as("%s: KAFKA_SECURITY_PROTOCOL", where).contains("SASL_SSL");
                softly.assertThat(w.env("KAFKA_SASL_MECHANISM")).as("%s: KAFKA_SASL_MECHANISM", where)
                        .contains(StackSecurity.SCRAM_MECHANISM);
                softly.assertThat(w.secretRef("KAFKA_SASL_JAAS_CONFIG"))
                        .as("%s: KAFKA_SASL_JAAS_CONFIG from the Secret of its own KafkaUser %s", where, principal)
                        .contains(principal + "/sasl.jaas.config");
                softly.assertThat(m.find("kafka.strimzi.io/v1beta2", "KafkaUser", principal))
                        .as("%s: KafkaUser %s", where, principal).isPresent();
                softly.assertThat(w.env("KAFKA_SSL_TRUSTSTORE_TYPE")).as("%s: KAFKA_SSL_TRUSTSTORE_TYPE", where).contains("PKCS12");
                softly.assertThat(w.env("KAFKA_SSL_TRUSTSTORE_LOCATION").flatMap(w::mountedSecretKey))
                        .as("%s: KAFKA_SSL_TRUSTSTORE_LOCATION is the ca.p12 of Strimzi's %s, mounted", where, caSecret)
                        .contains(caSecret + "/ca.p12");
                softly.assertThat(w.secretRef("KAFKA_SSL_TRUSTSTORE_PASSWORD")).as("%s: KAFKA_SSL_TRUSTSTORE_PASSWORD", where)
                        .contains(caSecret + "/ca.password");
                softly.assertThat(w.env("KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM").orElse("https"))
                        .as("%s: hostname verification stays on", where).isEqualTo("https");
            }
            // the KafkaSources log in as the principal of the service they push to, over TLS
            for (Doc source : m.all("sources.knative.dev/v1", "KafkaSource")) {
                String where = rel(source.file()) + " KafkaSource/" + source.name();
                JsonNode spec = source.node().path("spec");
                String principal = PRINCIPALS.get(spec.path("sink").path("ref").path("name").asText());
                List<String> servers = new ArrayList<>();
                spec.path("bootstrapServers").forEach(b -> servers.add(b.asText()));
                softly.assertThat(servers).as("%s: bootstrap", where).containsExactly(m.bootstrapServers());
                JsonNode sasl = spec.path("net").path("sasl");
                softly.assertThat(sasl.path("enable").asBoolean()).as("%s: SASL", where).isTrue();
                softly.assertThat(m.secretValue(sasl.path("user").path("secretKeyRef"))).as("%s: SASL user", where).contains(principal);
                softly.assertThat(secretKeyRef(sasl.path("password"))).as("%s: password of KafkaUser %s", where, principal)
                        .isEqualTo(principal + "/password");
                softly.assertThat(m.secretValue(sasl.path("type").path("secretKeyRef"))).as("%s: SASL mechanism", where)
                        .contains(StackSecurity.SCRAM_MECHANISM);
                JsonNode tls = spec.path("net").path("tls");
                softly.assertThat(tls.path("enable").asBoolean()).as("%s: TLS", where).isTrue();
                softly.assertThat(secretKeyRef(tls.path("caCert"))).as("%s: trusts the cluster CA", where).isEqualTo(caSecret + "/ca.crt");
                softly.assertThat(StackSecurity.ACLS).as("%s: its group %s is in StackSecurity.ACLS for %s", where,
                        spec.path("consumerGroup").asText(), principal)
                        .contains(new KafkaAcl(principal, ResourceType.GROUP, spec.path("consumerGroup").asText(), PatternType.LITERAL,
                                AclOperation.READ));
            }
            for (Doc sink : m.all("eventing.knative.dev/v1alpha1", "KafkaSink")) {
                String where = rel(sink.file()) + " KafkaSink/" + sink.name();
                List<String> servers = new ArrayList<>();
                sink.node().path("spec").path("bootstrapServers").forEach(b -> servers.add(b.asText()));
                softly.assertThat(servers).as("%s: bootstrap", where).containsExactly(m.bootstrapServers());
                softly.assertThat(sink.node().path("spec").path("auth").path("secret").path("ref").path("name").asText())
                        .as("%s: credentials", where).isIn(OUT_OF_BAND_SECRETS.keySet());
                String topic = sink.node().path("spec").path("topic").asText();
                softly.assertThat(KNATIVE_DEAD_LETTERS_ACLS).as("%s: %s may write %s", where, KNATIVE_DEAD_LETTERS, topic)
                        .contains(new KafkaAcl(KNATIVE_DEAD_LETTERS, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.WRITE));
            }
        }
        softly.assertAll();
    }

    @Test
    void redisIsTlsOnlyWithTheAclUsersOfStackSecurity() {
        SoftAssertions softly = new SoftAssertions();
        for (Path variant : VARIANTS) {
            Manifests m = Manifests.load(variant);
            Doc redis = m.find("apps/v1", "StatefulSet", "redis").orElseThrow();
            JsonNode container = redis.node().path("spec").path("template").path("spec").path("containers").path(0);
            Workload server = new Workload("redis", redis, container);
            List<String> args = new ArrayList<>();
            container.path("args").forEach(a -> args.add(a.asText()));
            String where = rel(redis.file()) + " redis";
            softly.assertThat(String.join(" ", args)).as("%s: TLS only", where).contains("--port 0", "--tls-port 6379");
            String certSecret = null;
            for (String flag : List.of("--tls-cert-file", "--tls-key-file", "--tls-ca-cert-file")) {
                int i = args.indexOf(flag);
                softly.assertThat(i).as("%s: %s", where, flag).isNotNegative();
                if (i >= 0) {
                    Optional<String> mounted = server.mountedSecretKey(args.get(i + 1));
                    softly.assertThat(mounted).as("%s: %s is mounted from a Secret", where, flag).isPresent();
                    certSecret = mounted.map(v -> v.substring(0, v.indexOf('/'))).orElse(certSecret);
                }
            }
            softly.assertThat(args).as("%s: the ACL file", where).contains("--aclfile");
            // the ACL rules are StackSecurity.REDIS_ACL, line for line; every user's password is in redis-users
            Doc acl = m.find("v1", "ConfigMap", "redis-acl").orElseThrow();
            List<String> expected = new ArrayList<>();
            StackSecurity.REDIS_ACL.forEach((user, rules) -> expected.add("user " + user + " " + rules));
            softly.assertThat(acl.node().path("data").path("users.acl").asText().strip().lines().toList())
                    .as("%s: the rules of StackSecurity.REDIS_ACL", rel(acl.file())).isEqualTo(expected);
            softly.assertThat(m.secretKeys().get("redis-users")).as("redis-users: a password per user")
                    .containsExactlyInAnyOrderElementsOf(StackSecurity.REDIS_USERS);
            // the certificate names the address the services use
            String secretName = certSecret;
            Optional<Doc> certificate = m.all("cert-manager.io/v1", "Certificate").stream()
                    .filter(c -> c.node().path("spec").path("secretName").asText().equals(secretName)).findFirst();
            softly.assertThat(certificate).as("%s: a cert-manager Certificate makes %s", where, secretName).isPresent();
            String address = m.find("v1", "ConfigMap", "tributary-endpoints").orElseThrow().node().path("data").path("redis-address").asText();
            certificate.ifPresent(c -> softly.assertThat(c.node().path("spec").path("dnsNames").toString())
                    .as("%s: the certificate names %s", rel(c.file()), address).contains("\"" + address.replaceFirst(":\\d+$", "") + "\""));

            for (Workload w : m.serviceWorkloads()) {
                String user = REDIS_USERS.get(w.service());
                String at = rel(w.doc().file()) + " " + w.service();
                if (user == null) {
                    softly.assertThat(w.envEntry("QUARKUS_REDIS_HOSTS")).as("%s: no Redis", at).isEmpty();
                    continue;
                }
                softly.assertThat(w.env("QUARKUS_REDIS_HOSTS")).as("%s: QUARKUS_REDIS_HOSTS", at)
                        .contains("rediss://" + user + ":$(REDIS_PASSWORD)@$(REDIS_ADDRESS)");
                softly.assertThat(w.interpolationHelpers()).as("%s: defined before QUARKUS_REDIS_HOSTS", at)
                        .contains("REDIS_PASSWORD", "REDIS_ADDRESS");
                softly.assertThat(w.secretRef("REDIS_PASSWORD")).as("%s: the password of Redis user %s", at, user)
                        .contains("redis-users/" + user);
                softly.assertThat(w.configMapRef("REDIS_ADDRESS")).as(at).contains("tributary-endpoints/redis-address");
                softly.assertThat(w.env("QUARKUS_REDIS_TLS_CONFIGURATION_NAME")).as(at).contains("tributary");
                softly.assertThat(w.env("QUARKUS_TLS_TRIBUTARY_TRUST_STORE_PEM_CERTS").flatMap(w::mountedSecretKey))
                        .as("%s: trusts the CA of Redis's certificate", at).contains(secretName + "/ca.crt");
                softly.assertThat(w.env("QUARKUS_TLS_TRIBUTARY_HOSTNAME_VERIFICATION_ALGORITHM")).as(at).contains("HTTPS");
            }
        }
        softly.assertAll();
    }

    @Test
    void captureUsesTheLeastPrivilegeRoleOverVerifiedTls() {
        for (Path variant : VARIANTS) {
            Manifests m = Manifests.load(variant);
            Workload capture = m.workload("capture-service");
            assertThat(capture.env("CAPTURE_DATABASE_SSL_MODE")).contains("verify-full");
            Optional<String> ca = capture.env("CAPTURE_DATABASE_SSL_ROOT_CERT").flatMap(capture::mountedSecretKey);
            assertThat(ca).as("CAPTURE_DATABASE_SSL_ROOT_CERT is mounted from a Secret").isPresent();
            assertThat(m.secretKeys()).containsKey(ca.get().substring(0, ca.get().indexOf('/')));
            assertThat(capture.env("CAPTURE_DEBEZIUM_PUBLICATION_AUTOCREATE_MODE")).as("the role may not create the publication")
                    .contains("disabled");
            String userRef = capture.secretRef("CAPTURE_DATABASE_USER").orElseThrow();
            Doc secret = m.find("v1", "Secret", userRef.substring(0, userRef.indexOf('/'))).orElseThrow();
            assertThat(secret.node().path("stringData").path(userRef.substring(userRef.indexOf('/') + 1)).asText())
                    .as("the role of least-privilege.sql").isEqualTo(StackSecurity.CAPTURE_ROLE);
        }
    }

    @Test
    void theLakeIsReachedOverHttps() {
        for (Path variant : VARIANTS) {
            Manifests m = Manifests.load(variant);
            Workload sink = m.workload("sink-service");
            String ref = sink.configMapRef("QUARKUS_S3_ENDPOINT_OVERRIDE").orElseThrow();
            Doc map = m.find("v1", "ConfigMap", ref.substring(0, ref.indexOf('/'))).orElseThrow();
            String endpoint = map.node().path("data").path(ref.substring(ref.indexOf('/') + 1)).asText();
            assertThat(endpoint).as("%s: empty (AWS S3) or https", rel(map.file())).matches("(https://.+)?");
            assertThat(sink.secretRef("QUARKUS_S3_AWS_CREDENTIALS_STATIC_PROVIDER_SECRET_ACCESS_KEY")).isPresent();
        }
    }

    @Test
    void theManifestsSetEverySettingSecureServicesSets() {
        SoftAssertions softly = new SoftAssertions();
        for (Path variant : VARIANTS) {
            for (Workload w : Manifests.load(variant).serviceWorkloads()) {
                Set<String> wanted = new TreeSet<>(SecureServicesSource.keys(w.service()));
                // optional on Kubernetes: only for an object store with a private CA (commented in the sink's manifests)
                wanted.removeIf(k -> k.startsWith("quarkus.s3.sync-client.tls-trust-managers-provider."));
                for (String key : List.of("security.protocol", "sasl.mechanism", "sasl.jaas.config", "ssl.truststore.location",
                        "ssl.truststore.type", "ssl.truststore.password")) {
                    wanted.add("kafka." + key);
                }
                for (String key : wanted) {
                    softly.assertThat(w.envEntry(envName(key))).as("%s %s: %s (%s), as on the secure local stack",
                            rel(w.doc().file()), w.service(), envName(key), key).isPresent();
                }
            }
        }
        softly.assertAll();
    }

    @Test
    void secretsMadeOutOfBandAreDocumented() throws IOException {
        String readme = Files.readString(K8S_README);
        OUT_OF_BAND_SECRETS.forEach((name, keys) -> {
            assertThat(readme).as("README.md says how to create %s", name).contains(name);
            keys.forEach(k -> assertThat(readme).as("README.md: key %s of %s", k, name).contains(k));
        });
    }

    static String secretKeyRef(JsonNode selector) {
        JsonNode ref = selector.path("secretKeyRef");
        return ref.path("name").asText() + "/" + ref.path("key").asText();
    }

    /**
     * The config keys {@code tools/.../demo/SecureServices.java} sets for a service (besides {@code kafka.*}, which
     * it takes from StackSecurity): read from its source, method by method.
     */
    static final class SecureServicesSource {

        private static final Path FILE = ROOT.resolve("tools/src/main/java/io/tributary/tools/demo/SecureServices.java");
        private static final Map<String, Set<String>> CACHE = new LinkedHashMap<>();
        private static final Pattern KEY = Pattern.compile("\"((?:quarkus|capture|processor|sink)\\.[a-z0-9.\\-]+)\"");
        private static final Pattern CONSTANT = Pattern.compile("static final String (\\w+) = \"([^\"]*)\";");

        static synchronized Set<String> keys(String service) {
            return CACHE.computeIfAbsent(service, SecureServicesSource::read);
        }

        private static Set<String> read(String service) {
            String source;
            try {
                source = Files.readString(FILE);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + FILE + ": " + e.getMessage(), e);
            }
            Matcher c = CONSTANT.matcher(source);
            while (c.find()) {
                source = source.replace("\" + " + c.group(1) + " + \"", c.group(2));
            }
            String method = service.replace("-service", "");
            String body = body(source, method);
            Set<String> keys = new TreeSet<>();
            collect(body, keys);
            if (body.contains("redis(")) {
                collect(body(source, "redis"), keys);
            }
            assertThat(keys).as("SecureServices.%s sets no key: has the file changed shape?", method).isNotEmpty();
            return keys;
        }

        private static void collect(String body, Set<String> keys) {
            Matcher k = KEY.matcher(body);
            while (k.find()) {
                keys.add(k.group(1));
            }
        }

        private static String body(String source, String method) {
            Matcher m = Pattern.compile("static Map<String, String> " + method + "\\(").matcher(source);
            assertThat(m.find()).as("SecureServices.%s(...)", method).isTrue();
            int open = source.indexOf('{', m.end());
            int depth = 0;
            for (int i = open; i < source.length(); i++) {
                depth += source.charAt(i) == '{' ? 1 : source.charAt(i) == '}' ? -1 : 0;
                if (depth == 0) {
                    return source.substring(open, i + 1);
                }
            }
            throw new IllegalStateException("unbalanced SecureServices." + method);
        }
    }

    // ------------------------------------------------------------------ manifests

    record Doc(Path file, JsonNode node) {
        String apiVersion() {
            return node.path("apiVersion").asText();
        }

        String kind() {
            return node.path("kind").asText();
        }

        String name() {
            return node.path("metadata").path("name").asText();
        }
    }

    record Workload(String service, Doc doc, JsonNode container) {
        Optional<String> env(String name) {
            for (JsonNode e : container.path("env")) {
                if (e.path("name").asText().equals(name) && e.has("value")) {
                    return Optional.of(e.path("value").asText());
                }
            }
            return Optional.empty();
        }

        int httpPort() {
            return Integer.parseInt(env("QUARKUS_HTTP_PORT").orElse(ServiceConfig.of(service).value("quarkus.http.port")));
        }

        Optional<JsonNode> envEntry(String name) {
            for (JsonNode e : container.path("env")) {
                if (e.path("name").asText().equals(name)) {
                    return Optional.of(e);
                }
            }
            return Optional.empty();
        }

        /** "secret/key" of an env var set from a Secret. */
        Optional<String> secretRef(String name) {
            return envEntry(name).map(e -> e.path("valueFrom").path("secretKeyRef")).filter(r -> !r.isMissingNode())
                    .map(r -> r.path("name").asText() + "/" + r.path("key").asText());
        }

        /** "configmap/key" of an env var set from a ConfigMap. */
        Optional<String> configMapRef(String name) {
            return envEntry(name).map(e -> e.path("valueFrom").path("configMapKeyRef")).filter(r -> !r.isMissingNode())
                    .map(r -> r.path("name").asText() + "/" + r.path("key").asText());
        }

        /**
         * Env vars that are referenced as {@code $(NAME)} by a later variable's value: Kubernetes expands those (and
         * only those defined before), so they can carry a Secret into a value built around it.
         */
        Set<String> interpolationHelpers() {
            Set<String> defined = new TreeSet<>();
            Set<String> used = new TreeSet<>();
            Pattern reference = Pattern.compile("(?<!\\$)\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");
            for (JsonNode e : container.path("env")) {
                Matcher m = reference.matcher(e.path("value").asText());
                while (m.find()) {
                    if (defined.contains(m.group(1))) {
                        used.add(m.group(1));
                    }
                }
                defined.add(e.path("name").asText());
            }
            return used;
        }

        /** "secret/key" of the Secret key mounted at {@code file} (a secret volume, whole or by items), if any. */
        Optional<String> mountedSecretKey(String file) {
            JsonNode pod = doc.node().path("spec").path("template").path("spec");
            for (JsonNode mount : container.path("volumeMounts")) {
                String dir = mount.path("mountPath").asText().replaceFirst("/$", "");
                if (!file.startsWith(dir + "/") || mount.has("subPath")) {
                    continue;
                }
                String rel = file.substring(dir.length() + 1);
                for (JsonNode volume : pod.path("volumes")) {
                    if (!volume.path("name").asText().equals(mount.path("name").asText()) || !volume.has("secret")) {
                        continue;
                    }
                    JsonNode secret = volume.path("secret");
                    if (!secret.has("items")) {
                        return Optional.of(secret.path("secretName").asText() + "/" + rel);
                    }
                    for (JsonNode item : secret.path("items")) {
                        if (item.path("path").asText().equals(rel)) {
                            return Optional.of(secret.path("secretName").asText() + "/" + item.path("key").asText());
                        }
                    }
                }
            }
            return Optional.empty();
        }
    }

    /** The documents a kustomization includes (resources and components, recursively), as written. */
    record Manifests(Path dir, List<Doc> docs) {

        static Manifests load(Path dir) {
            List<Doc> docs = new ArrayList<>();
            collect(dir, docs);
            return new Manifests(dir, docs);
        }

        private static void collect(Path dir, List<Doc> docs) {
            JsonNode k = readDocs(dir.resolve("kustomization.yaml")).get(0);
            for (String field : List.of("resources", "components")) {
                for (JsonNode entry : k.path(field)) {
                    Path path = dir.resolve(entry.asText()).normalize();
                    if (Files.isDirectory(path)) {
                        collect(path, docs);
                    } else {
                        readDocs(path).forEach(n -> docs.add(new Doc(path, n)));
                    }
                }
            }
        }

        static List<JsonNode> readDocs(Path file) {
            try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
                List<JsonNode> out = new ArrayList<>();
                while (it.hasNext()) {
                    JsonNode n = it.next();
                    if (n != null && !n.isNull() && !n.isMissingNode()) {
                        out.add(n);
                    }
                }
                return out;
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }

        Optional<Doc> find(String apiVersion, String kind, String name) {
            return docs.stream()
                    .filter(d -> d.apiVersion().equals(apiVersion) && d.kind().equals(kind) && d.name().equals(name))
                    .findFirst();
        }

        List<Doc> all(String apiVersion, String kind) {
            return docs.stream().filter(d -> d.apiVersion().equals(apiVersion) && d.kind().equals(kind)).toList();
        }

        /** KafkaTopic specs by Kafka topic name (spec.topicName, else the resource name). */
        Map<String, JsonNode> kafkaTopics() {
            Map<String, JsonNode> topics = new LinkedHashMap<>();
            for (Doc d : all("kafka.strimzi.io/v1beta2", "KafkaTopic")) {
                JsonNode spec = d.node().path("spec");
                topics.put(spec.path("topicName").asText(d.name()), spec);
            }
            return topics;
        }

        /** The Strimzi Kafka cluster (one). */
        Doc kafkaCluster() {
            List<Doc> clusters = all("kafka.strimzi.io/v1beta2", "Kafka");
            assertThat(clusters).as("%s: one Kafka", rel(dir)).hasSize(1);
            return clusters.get(0);
        }

        /** tributary-endpoints' kafka-bootstrap-servers. */
        String bootstrapServers() {
            return find("v1", "ConfigMap", "tributary-endpoints").orElseThrow().node().path("data").path("kafka-bootstrap-servers")
                    .asText();
        }

        /**
         * Every Secret the manifests can refer to, with its keys: the ones declared, the ones operators generate from
         * them (Strimzi: a KafkaUser's Secret, the cluster CA certificate; cert-manager: a Certificate's Secret), and
         * the ones created out of band ({@link #OUT_OF_BAND_SECRETS}).
         */
        Map<String, Set<String>> secretKeys() {
            Map<String, Set<String>> secrets = new LinkedHashMap<>();
            for (Doc d : all("v1", "Secret")) {
                Set<String> keys = new TreeSet<>();
                d.node().path("data").fieldNames().forEachRemaining(keys::add);
                d.node().path("stringData").fieldNames().forEachRemaining(keys::add);
                secrets.put(d.name(), keys);
            }
            for (Doc u : all("kafka.strimzi.io/v1beta2", "KafkaUser")) {
                secrets.put(u.name(), Set.of("password", "sasl.jaas.config"));
            }
            for (Doc k : all("kafka.strimzi.io/v1beta2", "Kafka")) {
                secrets.put(k.name() + "-cluster-ca-cert", Set.of("ca.crt", "ca.p12", "ca.password"));
            }
            for (Doc c : all("cert-manager.io/v1", "Certificate")) {
                secrets.put(c.node().path("spec").path("secretName").asText(), Set.of("tls.crt", "tls.key", "ca.crt"));
            }
            secrets.putAll(OUT_OF_BAND_SECRETS);
            return secrets;
        }

        Map<String, Set<String>> configMapKeys() {
            Map<String, Set<String>> maps = new LinkedHashMap<>();
            for (Doc d : all("v1", "ConfigMap")) {
                Set<String> keys = new TreeSet<>();
                d.node().path("data").fieldNames().forEachRemaining(keys::add);
                maps.put(d.name(), keys);
            }
            return maps;
        }

        /** The value a secretKeyRef selects in a Secret declared here (stringData), if it is. */
        Optional<String> secretValue(JsonNode secretKeyRef) {
            return find("v1", "Secret", secretKeyRef.path("name").asText())
                    .map(d -> d.node().path("stringData").path(secretKeyRef.path("key").asText()))
                    .filter(JsonNode::isTextual).map(JsonNode::asText);
        }

        /** The workloads running the three services (by image tributary/&lt;service&gt;). */
        List<Workload> serviceWorkloads() {
            List<Workload> out = new ArrayList<>();
            for (Doc d : docs) {
                for (JsonNode c : containers(d.node())) {
                    String image = c.path("image").asText().replaceFirst("[:@].*$", "");
                    if (image.startsWith("tributary/")) {
                        String service = image.substring("tributary/".length());
                        assertThat(SERVICES).as("%s: image %s is none of the services", rel(d.file()), image).contains(service);
                        out.add(new Workload(service, d, c));
                    }
                }
            }
            return out;
        }

        Workload workload(String service) {
            List<Workload> found = serviceWorkloads().stream().filter(w -> w.service().equals(service)).toList();
            assertThat(found).as("%s: one workload runs %s", rel(dir), service).hasSize(1);
            return found.get(0);
        }
    }

    /** Containers of a Deployment/StatefulSet/Job/Knative Service (spec.template.spec) or a Pod (spec). */
    static List<JsonNode> containers(JsonNode node) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode spec : List.of(node.path("spec").path("template").path("spec"), node.path("spec"))) {
            for (String field : List.of("containers", "initContainers")) {
                spec.path(field).forEach(out::add);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ what a service reads

    /**
     * The config keys a service reads: its application.properties (keys of every profile, and ${...} references in
     * values), its @ConfigMapping interfaces (leaf properties, with their @WithDefault values), and the attributes of
     * the SmallRye channels its application.properties declares.
     */
    static final class ServiceConfig {

        private static final Map<String, ServiceConfig> CACHE = new LinkedHashMap<>();
        private static final Pattern REFERENCE = Pattern.compile("\\$\\{([^:}]+)");
        private static final Pattern CHANNEL = Pattern.compile("mp\\.messaging\\.(incoming|outgoing)\\.([^.]+)\\..+");

        final String service;
        private final Properties properties = new Properties();
        private final Set<String> keys = new TreeSet<>();
        private final Set<String> anyProfileKeys = new TreeSet<>();
        private final Map<String, String> leaves = new LinkedHashMap<>();
        private final Set<String> mapPatterns = new TreeSet<>();
        private final Map<String, Set<String>> channels = new LinkedHashMap<>();

        static synchronized ServiceConfig of(String service) {
            return CACHE.computeIfAbsent(service, ServiceConfig::new);
        }

        private ServiceConfig(String service) {
            this.service = service;
            Path module = ROOT.resolve(service);
            try {
                properties.load(new StringReader(Files.readString(module.resolve("src/main/resources/application.properties"))));
                try (Stream<Path> files = Files.walk(module.resolve("src/main/java"))) {
                    for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                        String source = Files.readString(file, StandardCharsets.UTF_8);
                        if (source.contains("@ConfigMapping")) {
                            ConfigMappingSource.leaves(source).forEach((path, dflt) -> {
                                if (path.contains("*")) {
                                    mapPatterns.add(path);
                                } else {
                                    leaves.put(path, dflt);
                                }
                            });
                        }
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + service + "'s configuration: " + e.getMessage(), e);
            }
            for (String key : properties.stringPropertyNames()) {
                String plain = key.startsWith("%") ? key.substring(key.indexOf('.') + 1) : key;
                anyProfileKeys.add(plain);
                keys.add(plain);
                Matcher ref = REFERENCE.matcher(properties.getProperty(key));
                while (ref.find()) {
                    keys.add(ref.group(1).trim());
                }
                Matcher channel = CHANNEL.matcher(plain);
                if (channel.matches()) {
                    channels.computeIfAbsent(channel.group(1), d -> new TreeSet<>()).add(channel.group(2));
                }
            }
        }

        /**
         * Whether the service reads the environment variable {@code env}, by MicroProfile Config's mapping (a property
         * name's non-alphanumeric characters become '_', upper case): it is the env form of a key of application.properties
         * or of a @ConfigMapping leaf, or an attribute of a channel declared in application.properties. Map entries of a
         * @ConfigMapping count only when application.properties names the entry: from the environment alone SmallRye
         * cannot tell where a map key ends.
         */
        boolean reads(String env) {
            if (keys.stream().anyMatch(k -> envName(k).equals(env))) {
                return true;
            }
            // bootstrap.servers aside: capture reads capture.kafka.bootstrap-servers (KafkaClientSettings skips it)
            if (env.startsWith("KAFKA_") && KAFKA_CLIENT_CONFIGS.stream()
                    .anyMatch(k -> !k.equals("bootstrap.servers") && envName("kafka." + k).equals(env))) {
                return true;
            }
            if (SecureServicesSource.keys(service).stream().anyMatch(k -> envName(k).equals(env))) {
                return true;
            }
            for (String pattern : mapPatterns) {
                // a map of values (Map<String, String>, "**"): SmallRye Config 3 takes the rest of the name as the key
                if (pattern.endsWith(".**") && !pattern.substring(0, pattern.length() - 3).contains("*")) {
                    String prefix = envName(pattern.substring(0, pattern.length() - 2));
                    if (env.startsWith(prefix) && env.length() > prefix.length()) {
                        return true;
                    }
                }
            }
            if (leaves.keySet().stream().anyMatch(k -> envName(k).equals(env))) {
                return true;
            }
            for (Map.Entry<String, Set<String>> direction : channels.entrySet()) {
                for (String channel : direction.getValue()) {
                    String prefix = "MP_MESSAGING_" + direction.getKey().toUpperCase(Locale.ROOT) + "_" + envName(channel) + "_";
                    if (env.startsWith(prefix) && env.length() > prefix.length()) {
                        return true;
                    }
                }
            }
            return false;
        }

        String hint(String env) {
            for (String pattern : mapPatterns) {
                String regex = envName(pattern.replace("**", "\u0001").replace("*", "\u0002"))
                        .replace("\u0001", "[A-Z0-9_]+").replace("\u0002", "[A-Z0-9_]+");
                if (env.matches(regex)) {
                    return " (a map entry of " + pattern + ": name the entry in application.properties first)";
                }
            }
            Set<String> known = new TreeSet<>();
            Stream.concat(keys.stream(), leaves.keySet().stream()).map(DeployManifestsIT::envName).forEach(known::add);
            // the names sharing the longest leading run of segments with env
            String[] segments = env.split("_");
            Set<String> near = Set.of();
            for (int n = segments.length - 1; n >= 1 && near.isEmpty(); n--) {
                String prefix = String.join("_", List.of(segments).subList(0, n)) + "_";
                near = known.stream().filter(e -> e.startsWith(prefix)).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
            }
            return near.isEmpty() ? "" : " (known with that prefix: " + String.join(", ", near) + ")";
        }

        Set<String> anyProfileKeys() {
            return anyProfileKeys;
        }

        /** The default-profile value of {@code key} in application.properties. */
        String value(String key) {
            String v = properties.getProperty(key);
            assertThat(v).as("%s: %s in application.properties", service, key).isNotNull();
            return v;
        }

        /** The default-profile value, else the @WithDefault of the @ConfigMapping leaf. */
        String valueOrDefault(String key) {
            String v = properties.getProperty(key, leaves.get(key));
            assertThat(v).as("%s: %s has neither a value nor a default", service, key).isNotNull();
            return v;
        }

        /** processor.views.&lt;view&gt;.source-topic, by view. */
        Map<String, String> viewSourceTopics() {
            Map<String, String> views = new LinkedHashMap<>();
            Pattern p = Pattern.compile("processor\\.views\\.([^.]+)\\.source-topic");
            for (String key : new TreeSet<>(properties.stringPropertyNames())) {
                Matcher m = p.matcher(key);
                if (m.matches()) {
                    views.put(m.group(1), properties.getProperty(key));
                }
            }
            assertThat(views).as("%s declares views", service).isNotEmpty();
            return views;
        }

        Set<String> referenceTopics() {
            Set<String> topics = new TreeSet<>();
            for (String key : properties.stringPropertyNames()) {
                if (key.matches("processor\\.views\\.[^.]+\\.joins\\.[^.]+\\.reference-topic")) {
                    topics.add(properties.getProperty(key));
                }
            }
            return topics;
        }

        String singleIncomingChannel() {
            Set<String> incoming = channels.getOrDefault("incoming", Set.of());
            assertThat(incoming).as("%s: one incoming channel", service).hasSize(1);
            return incoming.iterator().next();
        }
    }

    /** MicroProfile Config's environment-variable form of a property name. */
    static String envName(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    /**
     * Reads the leaf properties of a {@code @ConfigMapping} interface from its source: a tiny tokenizer, enough for
     * the services' config interfaces (nested interfaces, Optional, List, Map of values or of groups, @WithName,
     * @WithParentName, @WithDefault). Map keys are {@code *}, open maps of values {@code **}.
     */
    static final class ConfigMappingSource {

        private record Method(String name, String type, String withName, boolean parentName, String dflt) {
        }

        static Map<String, String> leaves(String source) {
            List<String> tokens = tokenize(source);
            String prefix = null;
            Map<String, List<Method>> interfaces = new LinkedHashMap<>();
            String root = null;
            List<String> stack = new ArrayList<>();
            List<String> statement = new ArrayList<>();
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                if (t.equals("@") && i + 1 < tokens.size() && tokens.get(i + 1).equals("ConfigMapping") && prefix == null) {
                    for (int j = i; j < tokens.size() && !tokens.get(j).equals(")"); j++) {
                        if (tokens.get(j).equals("prefix")) {
                            prefix = unquote(tokens.get(j + 2));
                        }
                    }
                }
                if (t.equals("{")) {
                    String name = declared(statement);
                    stack.add(name);
                    if (name != null && name.startsWith("interface:")) {
                        String iface = name.substring("interface:".length());
                        interfaces.putIfAbsent(iface, new ArrayList<>());
                        if (root == null) {
                            root = iface;
                        }
                    }
                    statement.clear();
                } else if (t.equals("}")) {
                    if (!stack.isEmpty()) {
                        stack.remove(stack.size() - 1);
                    }
                    statement.clear();
                } else if (t.equals(";")) {
                    String current = stack.isEmpty() ? null : stack.get(stack.size() - 1);
                    if (current != null && current.startsWith("interface:")) {
                        method(statement).ifPresent(interfaces.get(current.substring("interface:".length()))::add);
                    }
                    statement.clear();
                } else {
                    statement.add(t);
                }
            }
            if (prefix == null || root == null) {
                return Map.of();
            }
            Map<String, String> out = new LinkedHashMap<>();
            expand(prefix, root, interfaces, out, 0);
            return out;
        }

        private static void expand(String path, String iface, Map<String, List<Method>> interfaces, Map<String, String> out,
                int depth) {
            if (depth > 10) {
                return;
            }
            for (Method m : interfaces.getOrDefault(iface, List.of())) {
                String here = m.parentName() ? path : path + "." + (m.withName() != null ? m.withName() : kebab(m.name()));
                String type = unwrap(m.type(), "Optional");
                if (type.startsWith("Map<")) {
                    String value = type.substring(type.indexOf(',') + 1, type.length() - 1);
                    if (interfaces.containsKey(value)) {
                        expand(here + ".*", value, interfaces, out, depth + 1);
                    } else {
                        out.put(here + ".**", null);
                    }
                } else if (type.startsWith("List<") && interfaces.containsKey(unwrap(type, "List"))) {
                    expand(here + ".*", unwrap(type, "List"), interfaces, out, depth + 1);
                } else if (interfaces.containsKey(type)) {
                    expand(here, type, interfaces, out, depth + 1);
                } else {
                    out.put(here, m.dflt());
                }
            }
        }

        private static String unwrap(String type, String wrapper) {
            return type.startsWith(wrapper + "<") && type.endsWith(">")
                    ? type.substring(wrapper.length() + 1, type.length() - 1)
                    : type;
        }

        /** "interface:Name", "enum:Name", "class:Name", or null for other blocks. */
        private static String declared(List<String> statement) {
            for (int i = 0; i + 1 < statement.size(); i++) {
                String t = statement.get(i);
                if ((t.equals("interface") || t.equals("enum") || t.equals("class") || t.equals("record"))
                        && (i == 0 || !statement.get(i - 1).equals("@"))) {
                    return t + ":" + statement.get(i + 1);
                }
            }
            return null;
        }

        /** A method declaration {@code [annotations] Type name();}, annotations anywhere, as a Method. */
        private static Optional<Method> method(List<String> statement) {
            List<String> rest = new ArrayList<>();
            String withName = null;
            boolean parentName = false;
            String dflt = null;
            for (int i = 0; i < statement.size(); i++) {
                if (statement.get(i).equals("@") && i + 1 < statement.size()) {
                    String annotation = statement.get(++i);
                    List<String> args = new ArrayList<>();
                    if (i + 1 < statement.size() && statement.get(i + 1).equals("(")) {
                        int depth = 0;
                        for (i = i + 1; i < statement.size(); i++) {
                            String t = statement.get(i);
                            depth += t.equals("(") ? 1 : t.equals(")") ? -1 : 0;
                            args.add(t);
                            if (depth == 0) {
                                break;
                            }
                        }
                    }
                    String firstString = args.stream().filter(a -> a.startsWith("\"")).findFirst().map(ConfigMappingSource::unquote)
                            .orElse(null);
                    switch (annotation) {
                        case "WithName" -> withName = firstString;
                        case "WithParentName" -> parentName = true;
                        case "WithDefault" -> dflt = firstString;
                        default -> {
                        }
                    }
                    continue;
                }
                rest.add(statement.get(i));
            }
            int n = rest.size();
            if (n < 4 || !rest.get(n - 2).equals("(") || !rest.get(n - 1).equals(")") || rest.contains("=")
                    || rest.contains("default") || rest.contains("static")) {
                return Optional.empty();
            }
            String type = String.join("", rest.subList(0, n - 3));
            return Optional.of(new Method(rest.get(n - 3), type, withName, parentName, dflt));
        }

        private static String kebab(String camel) {
            return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
        }

        private static String unquote(String literal) {
            return literal.startsWith("\"") ? literal.substring(1, literal.length() - 1).replace("\\\"", "\"") : literal;
        }

        /** Identifiers, string/char literals and single-character symbols; comments dropped. */
        private static List<String> tokenize(String s) {
            List<String> tokens = new ArrayList<>();
            int i = 0;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (s.startsWith("//", i)) {
                    i = s.indexOf('\n', i) < 0 ? s.length() : s.indexOf('\n', i);
                } else if (s.startsWith("/*", i)) {
                    i = s.indexOf("*/", i + 2) < 0 ? s.length() : s.indexOf("*/", i + 2) + 2;
                } else if (c == '"' || c == '\'') {
                    int j = i + 1;
                    while (j < s.length() && s.charAt(j) != c) {
                        j += s.charAt(j) == '\\' ? 2 : 1;
                    }
                    tokens.add(s.substring(i, Math.min(j + 1, s.length())));
                    i = j + 1;
                } else if (Character.isJavaIdentifierStart(c)) {
                    int j = i;
                    while (j < s.length() && (Character.isJavaIdentifierPart(s.charAt(j)) || s.charAt(j) == '.')) {
                        j++;
                    }
                    tokens.add(s.substring(i, j));
                    i = j;
                } else {
                    tokens.add(String.valueOf(c));
                    i++;
                }
            }
            return tokens;
        }
    }

    // ------------------------------------------------------------------ processes

    record Result(int exitCode, String output) {
    }

    /** Installs the validator's pinned packages (package-lock.json) once, when node_modules is missing. */
    static synchronized void installValidator() throws Exception {
        Result node = run(ROOT, 30, "node", "--version");
        Matcher major = Pattern.compile("v(\\d+)\\.").matcher(node.output());
        assertThat(node.exitCode() == 0 && major.find() && Integer.parseInt(major.group(1)) >= 18)
                .as("Node.js >= 18 is needed to validate the manifests offline (found: %s)", node.output().strip())
                .isTrue();
        if (!Files.isDirectory(VALIDATOR.resolve("node_modules"))) {
            Result npm = run(ROOT, 600, "npm", "ci", "--no-audit", "--no-fund", "--prefix", VALIDATOR.toString());
            assertThat(npm.exitCode()).as("npm ci --prefix deploy/k8s/validate failed:%n%s", npm.output()).isZero();
        }
    }

    static Result run(Path dir, long timeoutSeconds, String... command) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            return fail("cannot run %s (%s): the offline manifest validation needs Node.js >= 18 and npm on the PATH "
                    + "(Debian/Ubuntu: apt-get install nodejs npm)", command[0], e.getMessage());
        }
        process.getOutputStream().close();
        StringBuilder output = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                output.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                output.append("(output unreadable: ").append(e.getMessage()).append(')');
            }
        });
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return fail("%s did not finish within %d s", String.join(" ", command), timeoutSeconds);
        }
        reader.join();
        return new Result(process.exitValue(), output.toString());
    }

    static Path repoRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("pipeline")) && Files.isDirectory(dir.resolve("deploy"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no repository root (a folder with pipeline and deploy/) at or above "
                + Path.of("").toAbsolutePath());
    }

    static String rel(Path path) {
        return ROOT.relativize(path.toAbsolutePath().normalize()).toString();
    }
}
