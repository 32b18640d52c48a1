// Validates Kubernetes manifests (multi-document YAML) against the Kubernetes OpenAPI
// schemas shipped in the kubernetes-models package, offline.
//
//   kubectl kustomize k8s/base | node validate.mjs        (reads stdin)
//   node validate.mjs rendered.yaml other.yaml
//
// Every document must be a built-in kind that kubernetes-models knows; an unknown
// apiVersion/kind fails. The package's schema check does not reject unknown fields
// (a typo such as `replicaz` would pass), so a strict pass below reports every field
// the schema never looked at. Exit code 0 only when every document passed.

import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { parseAllDocuments } from "yaml";

const API_VERSION = /^(?:[a-z0-9]([a-z0-9.-]*[a-z0-9])?\/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

/** Loads the kubernetes-models class for apiVersion/kind, or returns undefined when there is none. */
export async function loadModel(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !API_VERSION.test(apiVersion) || !KIND.test(kind)) {
    return undefined;
  }
  // Core kinds live under "v1/", grouped ones under "<group>/<version>/".
  const specifier = `kubernetes-models/${apiVersion}/${kind}`;
  let module;
  try {
    module = await import(specifier);
  } catch (error) {
    if (error?.code === "ERR_MODULE_NOT_FOUND" || error?.code === "ERR_PACKAGE_PATH_NOT_EXPORTED") {
      return undefined;
    }
    throw error;
  }
  const model = module[kind];
  // Helper types (DeploymentSpec, ...) have modules too, but no apiVersion/kind of their own.
  if (typeof model !== "function" || model.apiVersion !== apiVersion || model.kind !== kind) {
    return undefined;
  }
  return model;
}

/**
 * Runs the schema validator over a proxy of the document and returns the paths of the fields
 * it never read: the compiled validators read every property their schema declares (and every
 * entry of a map), so a field nobody read is one the schema does not have.
 */
function findUnknownFields(model, document) {
  const seen = new WeakMap();
  const proxies = new WeakMap();

  const track = (value) => {
    if (value === null || typeof value !== "object") {
      return value;
    }
    let proxy = proxies.get(value);
    if (!proxy) {
      seen.set(value, new Set());
      proxy = new Proxy(value, {
        get(target, property, receiver) {
          if (typeof property === "string") {
            seen.get(target).add(property);
          }
          return track(Reflect.get(target, property, receiver));
        },
        has(target, property) {
          if (typeof property === "string") {
            seen.get(target).add(property);
          }
          return Reflect.has(target, property);
        },
      });
      proxies.set(value, proxy);
    }
    return proxy;
  };

  try {
    model.prototype.validate.call(track(document));
  } catch {
    // Schema errors are reported by the caller; this pass only wants the reads.
  }

  const unknown = [];
  const walk = (value, path) => {
    if (value === null || typeof value !== "object") {
      return;
    }
    const read = seen.get(value) ?? new Set();
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, `${path}[${index}]`));
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (!read.has(key)) {
        unknown.push(childPath);
      } else {
        walk(child, childPath);
      }
    }
  };
  walk(document, "");
  return unknown;
}

function describe(document) {
  const metadata = document?.metadata ?? {};
  const name = metadata.namespace ? `${metadata.namespace}/${metadata.name}` : metadata.name;
  return `${document?.apiVersion ?? "?"} ${document?.kind ?? "?"} ${name ?? "(no name)"}`;
}

/** Validates one parsed document; returns a list of problems (empty when it is valid). */
export async function validateDocument(document) {
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    return ["is not a mapping"];
  }
  const model = await loadModel(document.apiVersion, document.kind);
  if (!model) {
    return [`unknown apiVersion/kind "${document.apiVersion}" "${document.kind}" (not a Kubernetes built-in kind)`];
  }
  if (typeof document.metadata?.name !== "string" || document.metadata.name === "") {
    return ["metadata.name is missing"];
  }
  const problems = [];
  try {
    new model(document).validate();
  } catch (error) {
    problems.push(`schema: ${error.message}`);
  }
  for (const path of findUnknownFields(model, document)) {
    problems.push(`unknown field "${path}"`);
  }
  return problems;
}

/** Parses multi-document YAML and validates every non-empty document. */
export async function validateText(text, source = "<stdin>") {
  const results = [];
  const documents = parseAllDocuments(text, { uniqueKeys: true });
  if (!Array.isArray(documents)) {
    return results; // empty stream
  }
  for (const [index, parsed] of documents.entries()) {
    const label = `${source}#${index + 1}`;
    if (parsed.errors.length > 0) {
      results.push({ label, problems: parsed.errors.map((error) => `YAML: ${error.message}`) });
      continue;
    }
    const document = parsed.toJS();
    if (document === null || document === undefined) {
      continue;
    }
    results.push({ label: `${label} ${describe(document)}`, problems: await validateDocument(document) });
  }
  return results;
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function main(args) {
  const inputs = args.length === 0 ? ["-"] : args;
  let failed = 0;
  let total = 0;
  for (const input of inputs) {
    const text = input === "-" ? await readStdin() : await readFile(input, "utf8");
    for (const { label, problems } of await validateText(text, input === "-" ? "<stdin>" : input)) {
      total++;
      if (problems.length === 0) {
        console.log(`ok    ${label}`);
      } else {
        failed++;
        console.log(`FAIL  ${label}`);
        for (const problem of problems) {
          console.log(`        ${problem}`);
        }
      }
    }
  }
  if (total === 0) {
    console.log("FAIL  no Kubernetes objects in the input");
    return 1;
  }
  console.log(`${total - failed} valid, ${failed} invalid`);
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
