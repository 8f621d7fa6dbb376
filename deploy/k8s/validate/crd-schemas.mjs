// JSON schemas of the custom resources that no kubernetes-models package covers:
//   - Strimzi (kafka.strimzi.io/v1beta2): Kafka, KafkaNodePool, KafkaTopic, KafkaUser
//   - Knative eventing-kafka-broker: KafkaSource (sources.knative.dev/v1), KafkaSink (eventing.knative.dev/v1alpha1)
//   - cert-manager (cert-manager.io/v1): Issuer, Certificate
// Written by hand from the operators' API references (Strimzi's CRD reference, eventing-kafka-broker's Go types
// kafka_types.go / kafka_sink_types.go and Knative's DeliverySpec / Destination, cert-manager's API reference). They cover the fields these
// manifests use plus the common neighbours, and they are stricter than the real CRDs in one way on purpose:
// unknown fields are errors (additionalProperties: false), as `kubectl apply` reports them with its default
// strict field validation. A field the real API has but this file lacks fails validation: add it here.

const quantity = {
  anyOf: [
    { type: "integer" },
    { type: "string", pattern: "^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?\\d+)?$" },
  ],
};

const resources = {
  type: "object",
  additionalProperties: false,
  properties: {
    requests: { type: "object", additionalProperties: quantity },
    limits: { type: "object", additionalProperties: quantity },
    claims: { type: "array", items: { type: "object", required: ["name"], properties: { name: { type: "string" } } } },
  },
};

// ISO-8601 duration as Knative parses it (PT0.5S, PT1M, P1D ...)
const isoDuration = {
  type: "string",
  pattern: "^P(?!$)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+(\\.\\d+)?S)?)?$",
};

// knative.dev/pkg duck/v1 KReference
const kReference = {
  type: "object",
  additionalProperties: false,
  required: ["kind", "name", "apiVersion"],
  properties: {
    apiVersion: { type: "string", minLength: 1 },
    kind: { type: "string", minLength: 1 },
    name: { type: "string", minLength: 1 },
    namespace: { type: "string" },
    address: { type: "string" },
  },
};

// knative.dev/pkg duck/v1 Destination: a ref, a URI, or a ref plus a URI relative to it
const destination = {
  type: "object",
  additionalProperties: false,
  anyOf: [{ required: ["ref"] }, { required: ["uri"] }],
  properties: {
    ref: kReference,
    uri: { type: "string", minLength: 1 },
    CACerts: { type: "string" },
    audience: { type: "string" },
  },
};

// knative.dev/eventing duck/v1 DeliverySpec
const deliverySpec = {
  type: "object",
  additionalProperties: false,
  properties: {
    deadLetterSink: destination,
    retry: { type: "integer", minimum: 0 },
    timeout: isoDuration,
    backoffPolicy: { enum: ["linear", "exponential"] },
    backoffDelay: isoDuration,
    retryAfterMax: isoDuration,
    format: { enum: ["json", "binary"] },
  },
};

const secretKeySelector = {
  type: "object",
  additionalProperties: false,
  required: ["secretKeyRef"],
  properties: {
    secretKeyRef: {
      type: "object",
      required: ["name", "key"],
      properties: { name: { type: "string" }, key: { type: "string" }, optional: { type: "boolean" } },
    },
  },
};

const kafkaNet = {
  type: "object",
  additionalProperties: false,
  properties: {
    sasl: {
      type: "object",
      additionalProperties: false,
      properties: {
        enable: { type: "boolean" },
        user: secretKeySelector,
        password: secretKeySelector,
        type: secretKeySelector,
      },
    },
    tls: {
      type: "object",
      additionalProperties: false,
      properties: {
        enable: { type: "boolean" },
        cert: secretKeySelector,
        key: secretKeySelector,
        caCert: secretKeySelector,
      },
    },
  },
};

const metadata = {
  type: "object",
  required: ["name"],
  properties: {
    name: { type: "string" },
    namespace: { type: "string" },
    labels: { type: "object", additionalProperties: { type: "string" } },
    annotations: { type: "object", additionalProperties: { type: "string" } },
  },
};

function resource(apiVersion, kind, spec, requiredSpec = true) {
  return {
    type: "object",
    additionalProperties: false,
    required: requiredSpec ? ["apiVersion", "kind", "metadata", "spec"] : ["apiVersion", "kind", "metadata"],
    properties: {
      apiVersion: { const: apiVersion },
      kind: { const: kind },
      metadata,
      spec,
    },
  };
}

const kafkaSource = resource("sources.knative.dev/v1", "KafkaSource", {
  type: "object",
  additionalProperties: false,
  required: ["bootstrapServers", "topics", "sink"],
  properties: {
    consumers: { type: "integer", minimum: 0 },
    bootstrapServers: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
    net: kafkaNet,
    topics: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
    consumerGroup: { type: "string" },
    initialOffset: { enum: ["earliest", "latest"] },
    delivery: deliverySpec,
    ordering: { enum: ["ordered", "unordered"] },
    sink: destination,
    ceOverrides: {
      type: "object",
      additionalProperties: false,
      properties: { extensions: { type: "object", additionalProperties: { type: "string" } } },
    },
  },
});

const kafkaSink = resource("eventing.knative.dev/v1alpha1", "KafkaSink", {
  type: "object",
  additionalProperties: false,
  required: ["topic", "bootstrapServers"],
  properties: {
    topic: { type: "string", minLength: 1 },
    numPartitions: { type: "integer", minimum: 1 },
    replicationFactor: { type: "integer", minimum: 1, maximum: 32767 },
    bootstrapServers: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
    contentMode: { enum: ["structured", "binary"] },
    auth: {
      type: "object",
      additionalProperties: false,
      properties: { secret: { type: "object", properties: { ref: { type: "object", properties: { name: { type: "string" } } } } } },
    },
  },
});

// ---- Strimzi ----

// Kafka broker settings Strimzi manages itself and refuses in spec.kafka.config (Strimzi's KafkaClusterSpec
// reference lists the forbidden prefixes; the few exceptions it allows are not used here).
const forbiddenKafkaConfig =
  "^(listeners|advertised\\.|broker\\.|listener\\.|host\\.name|port$|inter\\.broker\\.listener\\.name|sasl\\.|ssl\\.|"
  + "security\\.|password\\.|log\\.dir|zookeeper\\.|authorizer\\.|super\\.user|cruise\\.control\\.metrics\\.|node\\.id|"
  + "process\\.roles|controller\\.|metadata\\.log\\.dir)";

const configMap = {
  type: "object",
  additionalProperties: {
    anyOf: [{ type: "string" }, { type: "number" }, { type: "boolean" }, { type: "array", items: { type: "string" } }],
  },
};

const volume = {
  type: "object",
  additionalProperties: false,
  required: ["type"],
  properties: {
    id: { type: "integer", minimum: 0 },
    type: { enum: ["ephemeral", "persistent-claim"] },
    size: { type: "string", pattern: "^[0-9.]+([KMGTPE]i?)?$" },
    sizeLimit: { type: "string" },
    class: { type: "string" },
    selector: { type: "object", additionalProperties: { type: "string" } },
    deleteClaim: { type: "boolean" },
    kraftMetadata: { const: "shared" },
  },
  if: { properties: { type: { const: "persistent-claim" } } },
  then: { required: ["type", "size"] },
};

const storage = {
  type: "object",
  required: ["type"],
  oneOf: [
    {
      additionalProperties: false,
      required: ["type", "volumes"],
      properties: {
        type: { const: "jbod" },
        volumes: { type: "array", minItems: 1, items: volume },
      },
    },
    { ...volume, properties: { ...volume.properties, type: { enum: ["ephemeral", "persistent-claim"] } } },
  ],
};

const listener = {
  type: "object",
  additionalProperties: false,
  required: ["name", "port", "type", "tls"],
  properties: {
    name: { type: "string", pattern: "^[a-z0-9]{1,11}$" },
    port: { type: "integer", minimum: 9092 },
    type: { enum: ["internal", "route", "loadbalancer", "nodeport", "ingress", "cluster-ip"] },
    tls: { type: "boolean" },
    authentication: {
      type: "object",
      required: ["type"],
      properties: { type: { enum: ["tls", "scram-sha-512", "oauth", "custom"] } },
    },
    configuration: { type: "object" },
    networkPolicyPeers: { type: "array" },
  },
};

const kafka = resource("kafka.strimzi.io/v1beta2", "Kafka", {
  type: "object",
  additionalProperties: false,
  required: ["kafka"],
  properties: {
    kafka: {
      type: "object",
      additionalProperties: false,
      required: ["listeners"],
      properties: {
        version: { type: "string", pattern: "^\\d+\\.\\d+\\.\\d+$" },
        metadataVersion: { type: "string" },
        replicas: { type: "integer", minimum: 1 },
        image: { type: "string" },
        listeners: { type: "array", minItems: 1, items: listener },
        config: { ...configMap, propertyNames: { not: { pattern: forbiddenKafkaConfig } } },
        storage,
        authorization: {
          type: "object",
          required: ["type"],
          properties: {
            type: { enum: ["simple", "opa", "keycloak", "custom"] },
            superUsers: { type: "array", items: { type: "string" } },
          },
        },
        rack: { type: "object" },
        brokerRackInitImage: { type: "string" },
        livenessProbe: { type: "object" },
        readinessProbe: { type: "object" },
        jvmOptions: { type: "object" },
        jmxOptions: { type: "object" },
        resources,
        metricsConfig: { type: "object" },
        logging: { type: "object" },
        template: { type: "object" },
        tieredStorage: { type: "object" },
        quotas: { type: "object" },
      },
    },
    entityOperator: {
      type: "object",
      additionalProperties: false,
      properties: {
        topicOperator: { type: "object" },
        userOperator: { type: "object" },
        tlsSidecar: { type: "object" },
        template: { type: "object" },
      },
    },
    clusterCa: { type: "object" },
    clientsCa: { type: "object" },
    cruiseControl: { type: "object" },
    kafkaExporter: { type: "object" },
    maintenanceTimeWindows: { type: "array", items: { type: "string" } },
  },
});

const kafkaNodePool = resource("kafka.strimzi.io/v1beta2", "KafkaNodePool", {
  type: "object",
  additionalProperties: false,
  required: ["replicas", "roles", "storage"],
  properties: {
    replicas: { type: "integer", minimum: 0 },
    roles: { type: "array", minItems: 1, uniqueItems: true, items: { enum: ["controller", "broker"] } },
    storage,
    resources,
    jvmOptions: { type: "object" },
    template: { type: "object" },
  },
});

const kafkaTopic = resource("kafka.strimzi.io/v1beta2", "KafkaTopic", {
  type: "object",
  additionalProperties: false,
  properties: {
    topicName: { type: "string", pattern: "^[a-zA-Z0-9._-]{1,249}$" },
    partitions: { type: "integer", minimum: 1 },
    replicas: { type: "integer", minimum: 1, maximum: 32767 },
    config: configMap,
  },
});

// KafkaUser: Strimzi's KafkaUserSpec. ACL rules (AclRule): a resource (topic, group, transactionalId: a name and a
// patternType, literal by default; cluster: nothing else), operations (AclOperation), allow by default.
const aclOperation = {
  enum: ["Read", "Write", "Create", "Delete", "Alter", "Describe", "ClusterAction", "AlterConfigs", "DescribeConfigs",
    "IdempotentWrite", "All"],
};

const aclRule = {
  type: "object",
  additionalProperties: false,
  required: ["resource"],
  anyOf: [{ required: ["operations"] }, { required: ["operation"] }],
  properties: {
    type: { enum: ["allow", "deny"] },
    host: { type: "string" },
    operation: aclOperation,
    operations: { type: "array", minItems: 1, uniqueItems: true, items: aclOperation },
    resource: {
      type: "object",
      required: ["type"],
      oneOf: [
        {
          additionalProperties: false,
          required: ["type", "name"],
          properties: {
            type: { enum: ["topic", "group", "transactionalId"] },
            name: { type: "string", minLength: 1 },
            patternType: { enum: ["literal", "prefix"] },
          },
        },
        { additionalProperties: false, properties: { type: { const: "cluster" } } },
      ],
    },
  },
};

const kafkaUser = resource("kafka.strimzi.io/v1beta2", "KafkaUser", {
  type: "object",
  additionalProperties: false,
  properties: {
    authentication: {
      type: "object",
      additionalProperties: false,
      required: ["type"],
      properties: {
        type: { enum: ["tls", "tls-external", "scram-sha-512"] },
        password: {
          type: "object",
          additionalProperties: false,
          required: ["valueFrom"],
          properties: { valueFrom: secretKeySelector },
        },
      },
    },
    authorization: {
      type: "object",
      additionalProperties: false,
      required: ["type", "acls"],
      properties: {
        type: { const: "simple" },
        acls: { type: "array", items: aclRule },
      },
    },
    quotas: {
      type: "object",
      additionalProperties: false,
      properties: {
        producerByteRate: { type: "integer", minimum: 0 },
        consumerByteRate: { type: "integer", minimum: 0 },
        requestPercentage: { type: "integer", minimum: 0 },
        controllerMutationRate: { type: "number", minimum: 0 },
      },
    },
    template: { type: "object" },
  },
});

// ---- cert-manager ----

// Go's time.Duration syntax, as cert-manager parses duration and renewBefore (e.g. 2160h, 720h0m0s)
const goDuration = { type: "string", pattern: "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$" };

const issuerSpec = {
  type: "object",
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: {
    selfSigned: {
      type: "object",
      additionalProperties: false,
      properties: { crlDistributionPoints: { type: "array", items: { type: "string" } } },
    },
    ca: {
      type: "object",
      additionalProperties: false,
      required: ["secretName"],
      properties: {
        secretName: { type: "string", minLength: 1 },
        crlDistributionPoints: { type: "array", items: { type: "string" } },
        ocspServers: { type: "array", items: { type: "string" } },
        issuingCertificateURLs: { type: "array", items: { type: "string" } },
      },
    },
    acme: { type: "object" },
    vault: { type: "object" },
    venafi: { type: "object" },
  },
};

const keyUsage = {
  enum: ["signing", "digital signature", "content commitment", "key encipherment", "key agreement",
    "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth",
    "client auth", "code signing", "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user",
    "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc"],
};

const certificateSpec = {
  type: "object",
  additionalProperties: false,
  required: ["secretName", "issuerRef"],
  properties: {
    secretName: { type: "string", minLength: 1 },
    issuerRef: {
      type: "object",
      additionalProperties: false,
      required: ["name"],
      properties: { name: { type: "string", minLength: 1 }, kind: { type: "string" }, group: { type: "string" } },
    },
    commonName: { type: "string", maxLength: 64 },
    dnsNames: { type: "array", items: { type: "string", minLength: 1 } },
    ipAddresses: { type: "array", items: { type: "string" } },
    uris: { type: "array", items: { type: "string" } },
    emailAddresses: { type: "array", items: { type: "string" } },
    otherNames: { type: "array" },
    subject: { type: "object" },
    literalSubject: { type: "string" },
    duration: goDuration,
    renewBefore: goDuration,
    renewBeforePercentage: { type: "integer" },
    isCA: { type: "boolean" },
    usages: { type: "array", items: keyUsage },
    privateKey: {
      type: "object",
      additionalProperties: false,
      properties: {
        algorithm: { enum: ["RSA", "ECDSA", "Ed25519"] },
        size: { type: "integer" },
        encoding: { enum: ["PKCS1", "PKCS8"] },
        rotationPolicy: { enum: ["Never", "Always"] },
      },
    },
    secretTemplate: { type: "object" },
    keystores: { type: "object" },
    revisionHistoryLimit: { type: "integer", minimum: 1 },
    additionalOutputFormats: { type: "array" },
    encodeUsagesInRequest: { type: "boolean" },
    nameConstraints: { type: "object" },
  },
};

/** Schema by "apiVersion/Kind". */
export const crdSchemas = {
  "sources.knative.dev/v1/KafkaSource": kafkaSource,
  "eventing.knative.dev/v1alpha1/KafkaSink": kafkaSink,
  "kafka.strimzi.io/v1beta2/Kafka": kafka,
  "kafka.strimzi.io/v1beta2/KafkaNodePool": kafkaNodePool,
  "kafka.strimzi.io/v1beta2/KafkaTopic": kafkaTopic,
  "kafka.strimzi.io/v1beta2/KafkaUser": kafkaUser,
  "cert-manager.io/v1/Issuer": resource("cert-manager.io/v1", "Issuer", issuerSpec),
  "cert-manager.io/v1/Certificate": resource("cert-manager.io/v1", "Certificate", certificateSpec),
};

/** Labels the Strimzi operators require on resources that belong to a cluster. */
export const requiredLabels = {
  "kafka.strimzi.io/v1beta2/KafkaNodePool": ["strimzi.io/cluster"],
  "kafka.strimzi.io/v1beta2/KafkaTopic": ["strimzi.io/cluster"],
  "kafka.strimzi.io/v1beta2/KafkaUser": ["strimzi.io/cluster"],
};
