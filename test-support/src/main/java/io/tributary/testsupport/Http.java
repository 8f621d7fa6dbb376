package io.tributary.testsupport;

import java.net.http.HttpClient;
import java.time.Duration;

/** The HTTP client for tests' requests to the services and the registry. */
public final class Http {

    private Http() {
    }

    /**
     * A new client on HTTP/1.1, with a 5 s connect timeout. Not the JDK's default: that first asks a plain-HTTP server
     * to upgrade to h2c, and once read a Quarkus service's /q/metrics as HTTP/2 frames ("Frame type(101) ... exceeds
     * MAX_FRAME_SIZE"); push sources such as Knative's dispatcher speak HTTP/1.1, which is what the services must answer.
     */
    public static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }
}
