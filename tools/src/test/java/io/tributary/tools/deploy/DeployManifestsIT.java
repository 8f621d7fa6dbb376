package io.tributary.tools.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

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
 * consumer groups the services use.</li>
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
                .contains("2 failures");
    }

    // ------------------------------------------------------------------ (b) cross-checks with the services

    @Test
    void everyEnvVarIsAConfigKeyTheServiceReads() {
        SoftAssertions softly = new SoftAssertions();
        for (Path variant : VARIANTS) {
            Manifests m = Manifests.load(variant);
            for (Workload w : m.serviceWorkloads()) {
                ServiceConfig config = ServiceConfig.of(w.service());
                for (JsonNode env : w.container().path("env")) {
                    String name = env.path("name").asText();
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
            for (Doc doc : m.docs()) {
                for (JsonNode c : containers(doc.node())) {
                    for (JsonNode env : c.path("env")) {
                        for (String kind : List.of("secretKeyRef", "configMapKeyRef")) {
                            JsonNode ref = env.path("valueFrom").path(kind);
                            if (ref.isMissingNode()) {
                                continue;
                            }
                            String target = kind.equals("secretKeyRef") ? "Secret" : "ConfigMap";
                            String name = ref.path("name").asText();
                            String key = ref.path("key").asText();
                            Optional<Doc> found = m.find("v1", target, name);
                            softly.assertThat(found).as("%s %s: env %s refers to %s %s, not in %s", rel(doc.file()), doc.name(),
                                    env.path("name").asText(), target, name, rel(variant)).isPresent();
                            found.ifPresent(d -> softly.assertThat(d.node().path("data").has(key)
                                    || d.node().path("stringData").has(key))
                                    .as("%s %s: env %s refers to key %s of %s %s, which has no such key", rel(doc.file()),
                                            doc.name(), env.path("name").asText(), key, target, name)
                                    .isTrue());
                        }
                    }
                }
            }
        }
        softly.assertAll();
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
