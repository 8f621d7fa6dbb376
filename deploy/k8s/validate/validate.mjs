#!/usr/bin/env node
// Offline validation of the Kustomize tree in deploy/k8s (no cluster, no kubectl, no kustomize binary).
//
//   node deploy/k8s/validate/validate.mjs                 both variants: deploy/k8s and deploy/k8s/overlays/plain
//   node deploy/k8s/validate/validate.mjs DIR [DIR ...]   the kustomizations in DIR...
//
// For each kustomization it reads what kustomize would (resources: files and directories, components), applies
// the `images:` and `labels:` transformers, and validates every document:
//   - core Kubernetes kinds against the kubernetes-models JSON schemas (Kubernetes OpenAPI),
//   - Knative Serving/Eventing kinds against @kubernetes-models/knative (Knative's CRD schemas),
//   - Strimzi and eventing-kafka-broker kinds against the hand-written schemas of crd-schemas.mjs,
//   - every object's name against the Kubernetes naming rules (RFC 1123 / RFC 1035), label values likewise,
//   - no two objects with the same kind, namespace and name in one variant (kustomize refuses those).
// A kind with no schema is a failure, as is a kustomization field this script does not apply (patches, generators):
// nothing is reported valid that was not checked. With no arguments, a YAML file under deploy/k8s that no
// variant lists is a failure too (a forgotten manifest).
// Prints one line per failure (file, kind/name, the schema error) and exits 1 if there was any.

import { readFileSync, existsSync, statSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import Ajv from "ajv";
import { crdSchemas, requiredLabels } from "./crd-schemas.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const k8sRoot = resolve(here, "..");
const repoRoot = resolve(k8sRoot, "../..");

const failures = [];
const failureKeys = new Set();
const fail = (file, what, message) => {
  const f = { file: relative(repoRoot, file) || file, what, message };
  const key = JSON.stringify(f);
  if (!failureKeys.has(key)) {
    failureKeys.add(key);
    failures.push(f);
  }
};

const SUPPORTED_FIELDS = new Set(["apiVersion", "kind", "namespace", "resources", "components", "images", "labels"]);
const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

function kustomizationFile(dir) {
  return KUSTOMIZATION_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
}

function parseYaml(file) {
  const docs = [];
  parseAllDocuments(readFileSync(file, "utf8")).forEach((doc, i) => {
    if (doc.errors.length > 0) {
      doc.errors.forEach((e) => fail(file, `document ${i + 1}`, `YAML: ${e.message}`));
      return;
    }
    const value = doc.toJS();
    if (value !== null && value !== undefined) {
      docs.push({ file, index: i, object: value });
    }
  });
  return docs;
}

/** Reads a kustomization (or component) and everything it includes; returns its resources, transformed. */
function loadKustomization(dir, listed, stack = []) {
  const kfile = kustomizationFile(dir);
  if (!kfile) {
    fail(dir, "kustomization", "no kustomization.yaml in this directory");
    return [];
  }
  if (stack.includes(kfile)) {
    fail(kfile, "kustomization", "includes itself (cycle)");
    return [];
  }
  listed.add(kfile);
  const k = parseYaml(kfile)[0]?.object ?? {};
  for (const field of Object.keys(k)) {
    if (!SUPPORTED_FIELDS.has(field)) {
      fail(kfile, "kustomization", `field "${field}" is not applied by this validator: extend validate.mjs before using it`);
    }
  }
  let resources = [];
  for (const entry of k.resources ?? []) {
    const path = resolve(dir, entry);
    if (!existsSync(path)) {
      fail(kfile, "kustomization", `resource ${entry} does not exist`);
    } else if (statSync(path).isDirectory()) {
      resources.push(...loadKustomization(path, listed, [...stack, kfile]));
    } else {
      listed.add(path);
      resources.push(...parseYaml(path));
    }
  }
  for (const entry of k.components ?? []) {
    const path = resolve(dir, entry);
    const cfile = existsSync(path) ? kustomizationFile(path) : undefined;
    if (!cfile) {
      fail(kfile, "kustomization", `component ${entry} has no kustomization.yaml`);
      continue;
    }
    const component = parseYaml(cfile)[0]?.object ?? {};
    if (component.kind !== "Component") {
      fail(cfile, "kustomization", `a component must be kind: Component, not ${component.kind}`);
    }
    resources = applyKustomization(resources, component, cfile);
    resources.push(...loadKustomization(path, listed, [...stack, kfile]));
  }
  return applyKustomization(resources, k, kfile);
}

function applyKustomization(resources, k, kfile) {
  const images = (k.images ?? []).filter((image) => {
    const ok = image && image.name && (image.newTag || image.newName || image.digest);
    if (!ok) {
      fail(kfile, "images", `entry ${JSON.stringify(image)} needs a name and a newTag, newName or digest`);
    }
    return ok;
  });
  for (const r of resources) {
    if (k.namespace && isNamespaced(r.object)) {
      r.namespace = k.namespace;
    }
    for (const group of k.labels ?? []) {
      r.object.metadata ??= {};
      r.object.metadata.labels = { ...(r.object.metadata.labels ?? {}), ...(group.pairs ?? {}) };
    }
    for (const image of images) {
      forEachContainer(r.object, (c) => {
        if (imageName(c.image) === image.name) {
          const name = image.newName ?? image.name;
          c.image = image.digest ? `${name}@${image.digest}` : `${name}:${image.newTag ?? imageTag(c.image) ?? "latest"}`;
        }
      });
    }
  }
  return resources;
}

const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume", "StorageClass"]);
const isNamespaced = (o) => !CLUSTER_SCOPED.has(o?.kind);

function imageName(image) {
  if (typeof image !== "string") return undefined;
  const noDigest = image.split("@")[0];
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

function imageTag(image) {
  const noDigest = image.split("@")[0];
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  return colon > slash ? noDigest.slice(colon + 1) : undefined;
}

/** The pod specs kustomize's image transformer edits: containers and initContainers at any depth. */
function forEachContainer(node, fn) {
  if (Array.isArray(node)) {
    node.forEach((n) => forEachContainer(n, fn));
  } else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if ((key === "containers" || key === "initContainers") && Array.isArray(value)) {
        value.forEach((c) => c && typeof c === "object" && fn(c));
      }
      forEachContainer(value, fn);
    }
  }
}

// ---- schemas ----

const ajv = new Ajv({ allErrors: true, strict: false });
const crdValidators = Object.fromEntries(Object.entries(crdSchemas).map(([k, s]) => [k, ajv.compile(s)]));

async function modelClass(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [undefined, apiVersion];
  const modules = [];
  if (!group) {
    modules.push(`kubernetes-models/${version}`);
  } else if (group.endsWith("knative.dev")) {
    modules.push(`@kubernetes-models/knative/${group}/${version}`);
  } else {
    modules.push(`kubernetes-models/${group}/${version}`);
  }
  for (const m of modules) {
    try {
      const mod = await import(m);
      if (typeof mod[kind] === "function") {
        return mod[kind];
      }
    } catch (e) {
      if (e.code !== "ERR_MODULE_NOT_FOUND" && e.code !== "ERR_PACKAGE_PATH_NOT_EXPORTED") {
        throw e;
      }
    }
  }
  return undefined;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkNames(r, what) {
  const { kind, metadata } = r.object;
  const name = metadata?.name;
  if (typeof name !== "string") {
    return;
  }
  // Services (core and Knative) become DNS labels; a Namespace is a label too; the rest are subdomains
  if (kind === "Service") {
    if (!DNS1035_LABEL.test(name) || name.length > 63) {
      fail(r.file, what, `metadata.name "${name}" must be an RFC 1035 label (a-z, 0-9, '-', starting with a letter, at most 63)`);
    }
  } else if (kind === "Namespace") {
    if (!DNS1123_LABEL.test(name) || name.length > 63) {
      fail(r.file, what, `metadata.name "${name}" must be an RFC 1123 label (a-z, 0-9, '-', at most 63)`);
    }
  } else if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) {
    fail(r.file, what, `metadata.name "${name}" must be an RFC 1123 subdomain (a-z, 0-9, '-', '.'; no '_')`);
  }
  for (const [key, value] of Object.entries(metadata.labels ?? {})) {
    if (typeof value === "string" && (!LABEL_VALUE.test(value) || value.length > 63)) {
      fail(r.file, what, `label ${key}="${value}" is not a valid label value`);
    }
  }
}

function detail(params = {}) {
  const d = params.additionalProperty ?? params.propertyName ?? params.allowedValues ?? params.missingProperty;
  return d === undefined ? "" : ` (${Array.isArray(d) ? d.join(", ") : d})`;
}

async function validate(r) {
  const o = r.object;
  const what = `${o?.kind ?? "?"}/${o?.metadata?.name ?? "?"} (document ${r.index + 1})`;
  if (!o || typeof o !== "object" || typeof o.apiVersion !== "string" || typeof o.kind !== "string") {
    fail(r.file, what, "not a Kubernetes object (apiVersion and kind required)");
    return;
  }
  checkNames(r, what);
  forEachContainer(o, (c) => {
    if (typeof c.image === "string" && !c.image.includes("@") && !imageTag(c.image)) {
      fail(r.file, what, `image ${c.image} has no tag: pin it in components/images/kustomization.yaml`);
    }
  });
  const key = `${o.apiVersion}/${o.kind}`;
  const crd = crdValidators[key];
  if (crd) {
    if (!crd(o)) {
      crd.errors.forEach((e) => fail(r.file, what, `${e.instancePath || "/"} ${e.message}${detail(e.params)}`));
    }
    for (const label of requiredLabels[key] ?? []) {
      if (!o.metadata?.labels?.[label]) {
        fail(r.file, what, `label ${label} is required`);
      }
    }
    return;
  }
  const Model = await modelClass(o.apiVersion, o.kind);
  if (!Model) {
    fail(r.file, what, `no schema for ${key}: add one to crd-schemas.mjs`);
    return;
  }
  try {
    new Model(o).validate();
  } catch (e) {
    const errors = Array.isArray(e.errors) && e.errors.length > 0 ? e.errors : [{ instancePath: "", message: e.message }];
    errors.forEach((err) => fail(r.file, what, `${err.instancePath || "/"} ${err.message}${detail(err.params)}`));
  }
}

function yamlFilesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && path !== here) out.push(...yamlFilesUnder(path));
    } else if (/\.ya?ml$/.test(entry.name)) {
      out.push(path);
    }
  }
  return out;
}

// ---- main ----

const args = process.argv.slice(2);
const variants = args.length > 0 ? args.map((a) => resolve(a)) : [k8sRoot, join(k8sRoot, "overlays/plain")];
const listed = new Set();
let documents = 0;
for (const dir of variants) {
  const resources = loadKustomization(dir, listed);
  const seen = new Map();
  for (const r of resources) {
    await validate(r);
    documents++;
    const id = `${r.object?.apiVersion?.split("/").slice(0, -1).join("/")}|${r.object?.kind}|${r.namespace ?? ""}|${r.object?.metadata?.name}`;
    if (seen.has(id)) {
      fail(r.file, `${r.object.kind}/${r.object.metadata?.name}`, `defined twice in ${relative(repoRoot, dir) || dir} (also in ${relative(repoRoot, seen.get(id))})`);
    } else {
      seen.set(id, r.file);
    }
  }
  console.log(`${relative(repoRoot, dir) || dir}: ${resources.length} documents`);
}
if (args.length === 0) {
  for (const file of yamlFilesUnder(k8sRoot)) {
    if (!listed.has(file)) {
      fail(file, "file", "not listed by any kustomization (deploy/k8s, deploy/k8s/overlays/plain)");
    }
  }
}

for (const f of failures) {
  console.log(`FAIL ${f.file} ${f.what}: ${f.message}`);
}
console.log(`${documents} documents validated, ${failures.length} failures`);
process.exit(failures.length > 0 ? 1 : 0);
