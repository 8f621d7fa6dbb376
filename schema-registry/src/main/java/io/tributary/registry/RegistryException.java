package io.tributary.registry;

import java.util.List;

/**
 * A failure that the HTTP layer turns into an Apicurio {@code ProblemDetails} body. {@link #name()} is the
 * simple class name the real registry reports (the SDK and people read it), {@link #status()} the HTTP code
 * the real registry uses for that exception.
 */
final class RegistryException extends RuntimeException {

    private final int status;
    private final String name;
    private final String detail;
    private final List<Api.RuleViolationCause> causes;

    private RegistryException(int status, String name, String title, String detail,
            List<Api.RuleViolationCause> causes) {
        super(title);
        this.status = status;
        this.name = name;
        this.detail = detail;
        this.causes = causes;
    }

    static RegistryException of(int status, String name, String message) {
        return new RegistryException(status, name, message, message, null);
    }

    static RegistryException badRequest(String message) {
        return of(400, "BadRequestException", message);
    }

    static RegistryException artifactNotFound(String groupId, String artifactId) {
        return of(404, "ArtifactNotFoundException",
                "No artifact with ID '" + artifactId + "' in group '" + groupId + "' was found.");
    }

    static RegistryException versionNotFound(String groupId, String artifactId, String version) {
        return of(404, "VersionNotFoundException", "No version '" + version + "' found for artifact with ID '"
                + artifactId + "' in group '" + groupId + "'.");
    }

    static RegistryException ruleViolation(String message, List<Api.RuleViolationCause> causes) {
        return new RegistryException(409, "RuleViolationException", message, message, List.copyOf(causes));
    }

    int status() {
        return status;
    }

    String name() {
        return name;
    }

    Api.ProblemDetails toProblemDetails() {
        return new Api.ProblemDetails(null, getMessage(), status, detail, null, name, causes);
    }
}
