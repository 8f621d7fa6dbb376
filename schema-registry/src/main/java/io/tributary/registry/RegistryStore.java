package io.tributary.registry;

import io.tributary.registry.AvroRules.Compatibility;
import io.tributary.registry.EventLog.ArtifactAdded;
import io.tributary.registry.EventLog.ContentAdded;
import io.tributary.registry.EventLog.Event;
import io.tributary.registry.EventLog.RuleChanged;
import io.tributary.registry.EventLog.VersionAdded;
import org.apache.avro.Schema;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Groups, artifacts, versions, content and rules, with the id rules of Apicurio Registry: a global id per
 * version, a content id per distinct content (shared by every version whose canonical content and
 * references are the same). Every method is atomic (one lock); changes are written to the {@link EventLog}
 * before they become visible.
 */
final class RegistryStore implements Closeable {

    static final String AVRO = "AVRO";
    static final String DEFAULT_GROUP = "default";
    static final String LATEST_BRANCH = "latest";
    static final Set<String> RULE_TYPES = Set.of("VALIDITY", "COMPATIBILITY", "INTEGRITY");

    private record GA(String groupId, String artifactId) {
    }

    /** A rule's scope: global (both null), a group (artifactId null) or an artifact. */
    record Scope(String groupId, String artifactId) {
        static final Scope GLOBAL = new Scope(null, null);

        String describe() {
            return groupId == null ? "global" : artifactId == null ? "group '" + groupId + "'"
                    : "artifact '" + artifactId + "' in group '" + groupId + "'";
        }
    }

    private record RuleKey(Scope scope, String ruleType) {
    }

    private static final class Artifact {
        final ArtifactAdded meta;
        final List<VersionAdded> versions = new ArrayList<>();

        Artifact(ArtifactAdded meta) {
            this.meta = meta;
        }
    }

    /** A version about to be created, after its references, syntax and hashes are known. */
    private record Candidate(String content, List<Api.ArtifactReference> references, Schema schema,
            String contentHash, String canonicalHash) {
    }

    private final Compatibility defaultCompatibility;
    private final EventLog log;

    private final Map<Long, ContentAdded> contents = new TreeMap<>();
    private final Map<String, Long> contentIdByHash = new LinkedHashMap<>();
    private final Map<String, Long> contentIdByCanonicalHash = new LinkedHashMap<>();
    private final Map<Long, Schema> schemas = new TreeMap<>();
    private final Map<GA, Artifact> artifacts = new LinkedHashMap<>();
    private final Map<Long, VersionAdded> versionsByGlobalId = new TreeMap<>();
    private final Map<RuleKey, String> rules = new LinkedHashMap<>();
    private long lastGlobalId;
    private long lastContentId;

    /**
     * @param dataDir where the event log lives; null keeps everything in memory only
     * @param defaultCompatibility the global COMPATIBILITY rule in force while none is stored through the API
     *            (Apicurio's {@code apicurio.rules.global.compatibility}); null or NONE for none
     */
    RegistryStore(Path dataDir, Compatibility defaultCompatibility) throws IOException {
        this.defaultCompatibility = defaultCompatibility == Compatibility.NONE ? null : defaultCompatibility;
        this.log = dataDir == null ? null : EventLog.open(dataDir, this::apply);
    }

    @Override
    public synchronized void close() throws IOException {
        if (log != null) {
            log.close();
        }
    }

    // ---------------------------------------------------------------- artifacts and versions

    synchronized Api.CreateArtifactResponse createArtifact(String groupId, Api.CreateArtifact request,
            String ifExists, boolean canonical, boolean dryRun) {
        if (request == null) {
            throw RegistryException.badRequest("Missing request body.");
        }
        String artifactId = isBlank(request.artifactId()) ? UUID.randomUUID().toString() : request.artifactId();
        Api.CreateVersion first = request.firstVersion();
        Artifact existing = artifacts.get(new GA(groupId, artifactId));
        if (existing != null) {
            String mode = first == null || ifExists == null ? "FAIL" : ifExists.toUpperCase(Locale.ROOT);
            switch (mode) {
                case "CREATE_VERSION" -> {
                    return new Api.CreateArtifactResponse(toMeta(existing), addVersion(existing, first, false,
                            false, dryRun));
                }
                case "FIND_OR_CREATE_VERSION" -> {
                    return new Api.CreateArtifactResponse(toMeta(existing), addVersion(existing, first, true,
                            canonical, dryRun));
                }
                case "FAIL" -> throw RegistryException.of(409, "ArtifactAlreadyExistsException",
                        "An artifact with ID '" + artifactId + "' in group '" + groupId + "' already exists.");
                default -> throw RegistryException.badRequest("Invalid ifExists value '" + ifExists
                        + "': expected FAIL, CREATE_VERSION or FIND_OR_CREATE_VERSION.");
            }
        }
        String artifactType = request.artifactType();
        if (artifactType == null) {
            artifactType = AVRO; // Avro is the only type this stand-in knows; the parse below checks it
        }
        if (!AVRO.equalsIgnoreCase(artifactType)) {
            throw RegistryException.of(400, "InvalidArtifactTypeException", "Artifact type '" + artifactType
                    + "' is not supported by this Apicurio Registry stand-in: only AVRO is.");
        }
        Candidate candidate = first == null ? null : candidate(groupId, artifactId, first);
        ArtifactAdded meta = new ArtifactAdded(groupId, artifactId, AVRO, request.name(), request.description(),
                request.labels(), now());
        if (dryRun) {
            Artifact preview = new Artifact(meta);
            return new Api.CreateArtifactResponse(toMeta(preview),
                    first == null ? null : toMeta(preview, preview(meta, first, candidate)));
        }
        record(meta);
        Artifact artifact = artifacts.get(new GA(groupId, artifactId));
        VersionAdded version = first == null ? null : commit(artifact, first, candidate);
        return new Api.CreateArtifactResponse(toMeta(artifact), version == null ? null : toMeta(artifact, version));
    }

    synchronized Api.VersionMetaData createVersion(String groupId, String artifactId, Api.CreateVersion request,
            boolean dryRun) {
        if (request == null) {
            throw RegistryException.badRequest("Missing request body.");
        }
        return addVersion(artifact(groupId, artifactId), request, false, false, dryRun);
    }

    private Api.VersionMetaData addVersion(Artifact artifact, Api.CreateVersion request, boolean findExisting,
            boolean canonical, boolean dryRun) {
        Candidate candidate = candidate(artifact.meta.groupId(), artifact.meta.artifactId(), request);
        if (findExisting) {
            for (int i = artifact.versions.size() - 1; i >= 0; i--) {
                VersionAdded v = artifact.versions.get(i);
                boolean same = canonical
                        ? contents.get(v.contentId()).canonicalHash().equals(candidate.canonicalHash())
                        : v.contentHash().equals(candidate.contentHash());
                if (same) {
                    return toMeta(artifact, v);
                }
            }
        }
        checkCompatibility(artifact, candidate);
        if (dryRun) {
            return toMeta(artifact, preview(artifact.meta, request, candidate));
        }
        return toMeta(artifact, commit(artifact, request, candidate));
    }

    /** Resolves references, parses the content (Avro syntax) and computes its hashes. */
    private Candidate candidate(String groupId, String artifactId, Api.CreateVersion request) {
        if (Boolean.TRUE.equals(request.isDraft())) {
            throw RegistryException.badRequest("Draft versions are not supported by this stand-in.");
        }
        Api.VersionContent body = request.content();
        if (body == null || isBlank(body.content())) {
            throw RegistryException.badRequest("Empty content is not allowed.");
        }
        Artifact artifact = artifacts.get(new GA(groupId, artifactId));
        if (artifact != null && request.version() != null && findVersion(artifact, request.version()) != null) {
            throw RegistryException.of(409, "VersionAlreadyExistsException", "Version '" + request.version()
                    + "' of artifact '" + artifactId + "' in group '" + groupId + "' already exists.");
        }
        List<Api.ArtifactReference> references = normalise(body.references());
        List<Schema> referenced = new ArrayList<>();
        for (Api.ArtifactReference ref : references) {
            VersionAdded target = referencedVersion(ref);
            if (target == null) {
                throw RegistryException.ruleViolation("Referenced artifact version does not exist: "
                        + ref.groupId() + "/" + ref.artifactId() + " version " + ref.version(),
                        List.of(new Api.RuleViolationCause("Missing reference '" + ref.name() + "' to "
                                + ref.groupId() + "/" + ref.artifactId() + " version " + ref.version(),
                                ref.name())));
            }
            referenced.add(schema(target.contentId()));
        }
        Schema schema;
        try {
            schema = AvroRules.parse(body.content(), referenced);
        } catch (RuntimeException e) {
            throw RegistryException.ruleViolation("Syntax violation for Avro artifact.",
                    List.of(new Api.RuleViolationCause(String.valueOf(e.getMessage()), "/")));
        }
        String refsKey = referencesKey(references);
        return new Candidate(body.content(), references, schema, sha256(body.content() + refsKey),
                sha256(AvroRules.canonical(schema, referenced) + refsKey));
    }

    private void checkCompatibility(Artifact artifact, Candidate candidate) {
        String config = effectiveRule(artifact.meta.groupId(), artifact.meta.artifactId(), "COMPATIBILITY");
        if (config == null || artifact.versions.isEmpty()) {
            return;
        }
        Compatibility level = Compatibility.parse(config);
        List<Schema> existing = artifact.versions.stream().map(v -> schema(v.contentId())).toList();
        List<Api.RuleViolationCause> causes = AvroRules.check(level, candidate.schema(), existing);
        if (!causes.isEmpty()) {
            throw RegistryException.ruleViolation("Incompatible schema for artifact " + artifact.meta.groupId()
                    + "/" + artifact.meta.artifactId() + ": "
                    + causes.stream().map(Api.RuleViolationCause::description).collect(Collectors.joining("; "))
                    + " (rule COMPATIBILITY=" + level + ")", causes);
        }
    }

    private VersionAdded preview(ArtifactAdded meta, Api.CreateVersion request, Candidate candidate) {
        return new VersionAdded(0, meta.groupId(), meta.artifactId(),
                request.version() == null ? "1" : request.version(), 0, candidate.contentHash(), request.name(),
                request.description(), request.labels(), now());
    }

    private VersionAdded commit(Artifact artifact, Api.CreateVersion request, Candidate candidate) {
        Long contentId = contentIdByCanonicalHash.get(candidate.canonicalHash());
        if (contentId == null) {
            contentId = lastContentId + 1;
            record(new ContentAdded(contentId, candidate.content(), candidate.contentHash(),
                    candidate.canonicalHash(), candidate.references()));
        }
        String version = request.version();
        if (version == null) {
            int n = artifact.versions.size() + 1;
            while (findVersion(artifact, String.valueOf(n)) != null) {
                n++;
            }
            version = String.valueOf(n);
        }
        VersionAdded added = new VersionAdded(lastGlobalId + 1, artifact.meta.groupId(), artifact.meta.artifactId(),
                version, contentId, candidate.contentHash(), request.name(), request.description(),
                request.labels(), now());
        record(added);
        return added;
    }

    synchronized Api.ArtifactMetaData artifactMeta(String groupId, String artifactId) {
        return toMeta(artifact(groupId, artifactId));
    }

    synchronized Api.ArtifactSearchResults listArtifacts(String groupId, int offset, int limit) {
        List<Api.ArtifactMetaData> all = artifacts.values().stream()
                .filter(a -> a.meta.groupId().equals(groupId)).map(this::toMeta).toList();
        return new Api.ArtifactSearchResults(all.size(), page(all, offset, limit));
    }

    /** Resolves {@code expression}: a version, or {@code branch=latest}. */
    synchronized Api.VersionMetaData versionMeta(String groupId, String artifactId, String expression) {
        Artifact artifact = artifact(groupId, artifactId);
        return toMeta(artifact, version(artifact, expression));
    }

    synchronized Api.VersionSearchResults listVersions(String groupId, String artifactId, String orderBy,
            String order, int offset, int limit) {
        Artifact artifact = artifact(groupId, artifactId);
        List<Api.VersionMetaData> all = sorted(artifact.versions, orderBy, order).stream()
                .map(v -> toMeta(artifact, v)).toList();
        return new Api.VersionSearchResults(all.size(), page(all, offset, limit));
    }

    /**
     * {@code GET/POST /search/versions}: versions matching every given filter; with {@code content}, only those
     * whose content equals it (as text, or canonically when {@code canonical}).
     */
    synchronized Api.VersionSearchResults searchVersions(Map<String, String> filters, String content,
            boolean canonical, String orderBy, String order, int offset, int limit) {
        Predicate<VersionAdded> match = v -> true;
        for (Map.Entry<String, String> f : filters.entrySet()) {
            String value = f.getValue();
            Predicate<VersionAdded> p = switch (f.getKey()) {
                case "groupId" -> v -> v.groupId().equals(value);
                case "artifactId" -> v -> v.artifactId().equals(value);
                case "version" -> v -> v.version().equals(value);
                case "globalId" -> v -> String.valueOf(v.globalId()).equals(value);
                case "contentId" -> v -> String.valueOf(v.contentId()).equals(value);
                case "artifactType" -> v -> AVRO.equalsIgnoreCase(value);
                case "name" -> v -> Objects.equals(v.name(), value);
                case "state" -> v -> "ENABLED".equalsIgnoreCase(value);
                default -> v -> true;
            };
            match = match.and(p);
        }
        if (content != null) {
            Map<Long, Boolean> sameContent = new TreeMap<>();
            match = match.and(v -> sameContent.computeIfAbsent(v.contentId(),
                    id -> contentEquals(contents.get(id), content, canonical)));
        }
        List<Api.VersionMetaData> found = sorted(versionsByGlobalId.values().stream().filter(match).toList(),
                orderBy, order).stream().map(v -> toMeta(artifacts.get(new GA(v.groupId(), v.artifactId())), v))
                .toList();
        return new Api.VersionSearchResults(found.size(), page(found, offset, limit));
    }

    private boolean contentEquals(ContentAdded stored, String content, boolean canonical) {
        String refsKey = referencesKey(stored.references());
        if (Objects.equals(contentIdByHash.get(sha256(content + refsKey)), stored.contentId())) {
            return true;
        }
        if (!canonical) {
            return false;
        }
        try {
            List<Schema> referenced = stored.references().stream()
                    .map(r -> schema(referencedVersion(r).contentId())).toList();
            Schema parsed = AvroRules.parse(content, referenced);
            return sha256(AvroRules.canonical(parsed, referenced) + refsKey).equals(stored.canonicalHash());
        } catch (RuntimeException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- ids and content

    /** The content of a version, as submitted, or with every referenced type inlined. */
    synchronized String contentByGlobalId(long globalId, boolean dereference) {
        return text(byGlobalId(globalId).contentId(), dereference);
    }

    synchronized String contentOfVersion(String groupId, String artifactId, String expression, boolean dereference) {
        return text(version(artifact(groupId, artifactId), expression).contentId(), dereference);
    }

    synchronized String contentById(long contentId) {
        return content(contentId).content();
    }

    synchronized String contentByHash(String contentHash) {
        return content(contentIdByHash(contentHash)).content();
    }

    synchronized List<Api.ArtifactReference> referencesByGlobalId(long globalId, boolean inbound) {
        VersionAdded v = byGlobalId(globalId);
        return inbound ? inbound(v) : content(v.contentId()).references();
    }

    synchronized List<Api.ArtifactReference> referencesByContentId(long contentId) {
        return content(contentId).references();
    }

    synchronized List<Api.ArtifactReference> referencesByContentHash(String contentHash) {
        return content(contentIdByHash(contentHash)).references();
    }

    synchronized List<Api.ArtifactReference> referencesOfVersion(String groupId, String artifactId,
            String expression, boolean inbound) {
        VersionAdded v = version(artifact(groupId, artifactId), expression);
        return inbound ? inbound(v) : content(v.contentId()).references();
    }

    private List<Api.ArtifactReference> inbound(VersionAdded target) {
        List<Api.ArtifactReference> found = new ArrayList<>();
        for (VersionAdded v : versionsByGlobalId.values()) {
            for (Api.ArtifactReference ref : content(v.contentId()).references()) {
                if (Objects.equals(referencedVersion(ref), target)) {
                    found.add(new Api.ArtifactReference(v.groupId(), v.artifactId(), v.version(), ref.name()));
                }
            }
        }
        return found;
    }

    private String text(long contentId, boolean dereference) {
        return dereference ? schema(contentId).toString() : content(contentId).content();
    }

    // ---------------------------------------------------------------- rules

    synchronized List<String> listRules(Scope scope) {
        checkScope(scope);
        List<String> types = rules.keySet().stream().filter(k -> k.scope().equals(scope))
                .map(RuleKey::ruleType).collect(Collectors.toCollection(ArrayList::new));
        if (scope.equals(Scope.GLOBAL) && defaultCompatibility != null && !types.contains("COMPATIBILITY")) {
            types.add("COMPATIBILITY");
        }
        types.sort(Comparator.naturalOrder());
        return types;
    }

    synchronized Api.Rule getRule(Scope scope, String ruleType) {
        checkScope(scope);
        String type = ruleType(ruleType);
        String config = rules.get(new RuleKey(scope, type));
        if (config == null && scope.equals(Scope.GLOBAL)) {
            config = defaultRule(type);
        }
        if (config == null) {
            throw ruleNotFound(scope, type);
        }
        return new Api.Rule(type, config);
    }

    synchronized void createRule(Scope scope, Api.Rule rule) {
        checkScope(scope);
        if (rule == null || rule.ruleType() == null) {
            throw RegistryException.badRequest("Missing required parameter: ruleType");
        }
        String type = ruleType(rule.ruleType());
        String config = ruleConfig(type, rule.config());
        if (rules.containsKey(new RuleKey(scope, type))) {
            throw RegistryException.of(409, "RuleAlreadyExistsException",
                    "A rule named '" + type + "' already exists for " + scope.describe() + ".");
        }
        record(new RuleChanged(scope.groupId(), scope.artifactId(), type, config));
    }

    synchronized Api.Rule updateRule(Scope scope, String ruleType, Api.Rule rule) {
        checkScope(scope);
        String type = ruleType(ruleType);
        String config = ruleConfig(type, rule == null ? null : rule.config());
        boolean defaulted = scope.equals(Scope.GLOBAL) && defaultRule(type) != null;
        if (!rules.containsKey(new RuleKey(scope, type)) && !defaulted) {
            throw ruleNotFound(scope, type);
        }
        record(new RuleChanged(scope.groupId(), scope.artifactId(), type, config));
        return new Api.Rule(type, config);
    }

    synchronized void deleteRule(Scope scope, String ruleType) {
        checkScope(scope);
        String type = ruleType(ruleType);
        if (!rules.containsKey(new RuleKey(scope, type))) {
            if (scope.equals(Scope.GLOBAL) && defaultRule(type) != null) {
                throw RegistryException.of(409, "DefaultRuleDeletionException", "Default global rule '" + type
                        + "' cannot be deleted: it is set by this server's --compatibility option.");
            }
            throw ruleNotFound(scope, type);
        }
        record(new RuleChanged(scope.groupId(), scope.artifactId(), type, null));
    }

    synchronized void deleteRules(Scope scope) {
        checkScope(scope);
        List<RuleKey> keys = rules.keySet().stream().filter(k -> k.scope().equals(scope)).toList();
        for (RuleKey key : keys) {
            record(new RuleChanged(scope.groupId(), scope.artifactId(), key.ruleType(), null));
        }
    }

    /** The rule in force for an artifact: its own, else its group's, else the global one. */
    private String effectiveRule(String groupId, String artifactId, String type) {
        String config = rules.get(new RuleKey(new Scope(groupId, artifactId), type));
        if (config == null) {
            config = rules.get(new RuleKey(new Scope(groupId, null), type));
        }
        if (config == null) {
            config = rules.get(new RuleKey(Scope.GLOBAL, type));
        }
        if (config == null) {
            config = defaultRule(type);
        }
        return config;
    }

    private String defaultRule(String type) {
        return type.equals("COMPATIBILITY") && defaultCompatibility != null ? defaultCompatibility.name() : null;
    }

    private void checkScope(Scope scope) {
        if (scope.artifactId() != null) {
            artifact(scope.groupId(), scope.artifactId());
        } else if (scope.groupId() != null
                && artifacts.keySet().stream().noneMatch(ga -> ga.groupId().equals(scope.groupId()))) {
            throw RegistryException.of(404, "GroupNotFoundException",
                    "No group '" + scope.groupId() + "' was found.");
        }
    }

    private static String ruleType(String ruleType) {
        String type = ruleType == null ? "" : ruleType.toUpperCase(Locale.ROOT);
        if (!RULE_TYPES.contains(type)) {
            throw RegistryException.badRequest("Invalid rule type '" + ruleType + "': expected one of "
                    + RULE_TYPES.stream().sorted().toList());
        }
        return type;
    }

    private static String ruleConfig(String type, String config) {
        if (isBlank(config)) {
            throw RegistryException.badRequest("Missing required parameter: config");
        }
        return type.equals("COMPATIBILITY") ? Compatibility.parse(config).name() : config.trim();
    }

    private static RegistryException ruleNotFound(Scope scope, String type) {
        return RegistryException.of(404, "RuleNotFoundException",
                "No rule named '" + type + "' was found for " + scope.describe() + ".");
    }

    // ---------------------------------------------------------------- state changes

    private void record(Event event) {
        if (log != null) {
            try {
                log.append(event);
            } catch (IOException e) {
                throw new UncheckedIOException("Could not persist a registry change", e);
            }
        }
        apply(event);
    }

    /** Applies one event; called for new events and for each stored event at start. */
    private void apply(Event event) {
        switch (event) {
            case ContentAdded c -> {
                contents.put(c.contentId(), c);
                contentIdByHash.putIfAbsent(c.contentHash(), c.contentId());
                contentIdByCanonicalHash.putIfAbsent(c.canonicalHash(), c.contentId());
                lastContentId = Math.max(lastContentId, c.contentId());
            }
            case ArtifactAdded a -> artifacts.putIfAbsent(new GA(a.groupId(), a.artifactId()), new Artifact(a));
            case VersionAdded v -> {
                artifacts.get(new GA(v.groupId(), v.artifactId())).versions.add(v);
                versionsByGlobalId.put(v.globalId(), v);
                contentIdByHash.putIfAbsent(v.contentHash(), v.contentId());
                lastGlobalId = Math.max(lastGlobalId, v.globalId());
            }
            case RuleChanged r -> {
                RuleKey key = new RuleKey(new Scope(r.groupId(), r.artifactId()), r.ruleType());
                if (r.config() == null) {
                    rules.remove(key);
                } else {
                    rules.put(key, r.config());
                }
            }
        }
    }

    // ---------------------------------------------------------------- look-ups

    private Artifact artifact(String groupId, String artifactId) {
        Artifact artifact = artifacts.get(new GA(groupId, artifactId));
        if (artifact == null) {
            throw RegistryException.artifactNotFound(groupId, artifactId);
        }
        return artifact;
    }

    private VersionAdded version(Artifact artifact, String expression) {
        String groupId = artifact.meta.groupId();
        String artifactId = artifact.meta.artifactId();
        if (expression.startsWith("branch=")) {
            String branch = expression.substring("branch=".length());
            if (!branch.equals(LATEST_BRANCH)) {
                throw RegistryException.of(404, "BranchNotFoundException", "No branch '" + branch
                        + "' was found in artifact '" + artifactId + "' in group '" + groupId
                        + "' (this stand-in only has the 'latest' branch).");
            }
            if (artifact.versions.isEmpty()) {
                throw RegistryException.versionNotFound(groupId, artifactId, expression);
            }
            return artifact.versions.get(artifact.versions.size() - 1);
        }
        VersionAdded v = findVersion(artifact, expression);
        if (v == null) {
            throw RegistryException.versionNotFound(groupId, artifactId, expression);
        }
        return v;
    }

    private static VersionAdded findVersion(Artifact artifact, String version) {
        return artifact.versions.stream().filter(v -> v.version().equals(version)).findFirst().orElse(null);
    }

    /** The version a reference points at (its latest version when the reference names none), or null. */
    private VersionAdded referencedVersion(Api.ArtifactReference ref) {
        Artifact target = artifacts.get(new GA(ref.groupId(), ref.artifactId()));
        if (target == null || target.versions.isEmpty()) {
            return null;
        }
        return ref.version() == null ? target.versions.get(target.versions.size() - 1)
                : findVersion(target, ref.version());
    }

    private VersionAdded byGlobalId(long globalId) {
        VersionAdded v = versionsByGlobalId.get(globalId);
        if (v == null) {
            throw RegistryException.of(404, "VersionNotFoundException",
                    "No version with global ID '" + globalId + "' found.");
        }
        return v;
    }

    private ContentAdded content(long contentId) {
        ContentAdded c = contents.get(contentId);
        if (c == null) {
            throw RegistryException.of(404, "ContentNotFoundException",
                    "No content with ID '" + contentId + "' was found.");
        }
        return c;
    }

    private long contentIdByHash(String contentHash) {
        Long id = contentIdByHash.get(contentHash);
        if (id == null) {
            throw RegistryException.of(404, "ContentNotFoundException",
                    "No content with hash '" + contentHash + "' was found.");
        }
        return id;
    }

    /** The parsed schema of stored content, its references resolved (cached: content never changes). */
    private Schema schema(long contentId) {
        Schema cached = schemas.get(contentId);
        if (cached != null) {
            return cached;
        }
        ContentAdded c = content(contentId);
        List<Schema> referenced = c.references().stream().map(r -> schema(referencedVersion(r).contentId()))
                .toList();
        Schema schema = AvroRules.parse(c.content(), referenced);
        schemas.put(contentId, schema);
        return schema;
    }

    // ---------------------------------------------------------------- mapping

    private Api.ArtifactMetaData toMeta(Artifact a) {
        ArtifactAdded m = a.meta;
        String modifiedOn = a.versions.isEmpty() ? m.createdOn() : a.versions.get(a.versions.size() - 1).createdOn();
        return new Api.ArtifactMetaData(m.groupId(), m.artifactId(), m.name(), m.description(), null,
                m.createdOn(), null, modifiedOn, m.artifactType(), m.labels());
    }

    private Api.VersionMetaData toMeta(Artifact a, VersionAdded v) {
        return new Api.VersionMetaData(v.groupId(), v.artifactId(), v.version(), v.name(), v.description(), null,
                v.createdOn(), null, v.createdOn(), a.meta.artifactType(), v.globalId() == 0 ? null : v.globalId(),
                v.contentId() == 0 ? null : v.contentId(), "ENABLED", v.labels());
    }

    private static List<VersionAdded> sorted(List<VersionAdded> versions, String orderBy, String order) {
        Comparator<VersionAdded> by = switch (orderBy == null ? "globalId" : orderBy) {
            case "version" -> Comparator.comparing(VersionAdded::version);
            case "groupId" -> Comparator.comparing(VersionAdded::groupId);
            case "artifactId" -> Comparator.comparing(VersionAdded::artifactId);
            case "name" -> Comparator.comparing(v -> String.valueOf(v.name()));
            default -> Comparator.comparingLong(VersionAdded::globalId);
        };
        List<VersionAdded> copy = new ArrayList<>(versions);
        copy.sort("desc".equalsIgnoreCase(order) ? by.reversed() : by);
        return copy;
    }

    private static <T> List<T> page(List<T> all, int offset, int limit) {
        int from = Math.min(Math.max(offset, 0), all.size());
        int to = Math.min(from + Math.max(limit, 0), all.size());
        return all.subList(from, to);
    }

    private static List<Api.ArtifactReference> normalise(List<Api.ArtifactReference> references) {
        if (references == null) {
            return List.of();
        }
        return references.stream().map(r -> new Api.ArtifactReference(
                isBlank(r.groupId()) ? DEFAULT_GROUP : r.groupId(), r.artifactId(), r.version(), r.name()))
                .toList();
    }

    private static String referencesKey(List<Api.ArtifactReference> references) {
        if (references.isEmpty()) {
            return "";
        }
        return references.stream().map(r -> r.name() + "|" + r.groupId() + "|" + r.artifactId() + "|" + r.version())
                .sorted().collect(Collectors.joining("\n", "\n", ""));
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
