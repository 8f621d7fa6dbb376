package io.tributary.registry;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * The JSON bodies of the Apicurio Registry v3 REST API that this stand-in reads and writes.
 * Field names are those of the {@code io.apicurio.registry.rest.client.models} classes of the
 * 3.1.7 Java SDK; fields that are null are left out of responses.
 */
final class Api {

    private Api() {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ArtifactReference(String groupId, String artifactId, String version, String name) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record VersionContent(String content, String contentType, List<ArtifactReference> references) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record CreateVersion(String version, VersionContent content, String name, String description,
            Map<String, String> labels, List<String> branches, @JsonProperty("isDraft") Boolean isDraft) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record CreateArtifact(String artifactId, String artifactType, String name, String description,
            Map<String, String> labels, CreateVersion firstVersion) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ArtifactMetaData(String groupId, String artifactId, String name, String description, String owner,
            String createdOn, String modifiedBy, String modifiedOn, String artifactType,
            Map<String, String> labels) {
    }

    /** Also the shape of a {@code SearchedVersion}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record VersionMetaData(String groupId, String artifactId, String version, String name, String description,
            String owner, String createdOn, String modifiedBy, String modifiedOn, String artifactType,
            Long globalId, Long contentId, String state, Map<String, String> labels) {
    }

    record CreateArtifactResponse(ArtifactMetaData artifact, VersionMetaData version) {
    }

    record VersionSearchResults(int count, List<VersionMetaData> versions) {
    }

    record ArtifactSearchResults(int count, List<ArtifactMetaData> artifacts) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Rule(String ruleType, String config) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SystemInfo(String name, String description, String version, String builtOn) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RuleViolationCause(String description, String context) {
    }

    /** {@code ProblemDetails}, or {@code RuleViolationProblemDetails} when {@code causes} is set. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ProblemDetails(String type, String title, int status, String detail, String instance, String name,
            List<RuleViolationCause> causes) {
    }
}
