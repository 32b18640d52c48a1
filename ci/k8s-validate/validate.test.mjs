// Proves the validator rejects what it must: run with `node --test` in this folder.
import assert from "node:assert/strict";
import { test } from "node:test";
import { validateText } from "./validate.mjs";

const deployment = (spec = "", container = "") => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
  labels: { app: demo }
  annotations: { prometheus.io/scrape: "true" }
spec:
  selector: { matchLabels: { app: demo } }
  strategy: { rollingUpdate: { maxUnavailable: 0, maxSurge: 25% } }
${spec}
  template:
    metadata: { labels: { app: demo } }
    spec:
      containers:
        - name: demo
          image: demo:1
          resources: { requests: { cpu: 100m, memory: 64Mi } }
          ports: [{ name: http, containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /health/ready, port: http } }
${container}
`;

async function problemsOf(yaml) {
  const results = await validateText(yaml, "test");
  return results.flatMap((result) => result.problems);
}

test("a valid deployment passes", async () => {
  assert.deepEqual(await problemsOf(deployment()), []);
});

test("a field of the wrong type fails", async () => {
  const problems = await problemsOf(deployment('  replicas: "two"'));
  assert.match(problems.join("\n"), /replicas must be integer/);
});

test("an unknown field fails", async () => {
  const problems = await problemsOf(deployment("  replicaz: 2"));
  assert.deepEqual(problems, ['unknown field "spec.replicaz"']);
});

test("an unknown field deep inside a container fails", async () => {
  const problems = await problemsOf(deployment("", "          imagePullPolicyy: Always"));
  assert.deepEqual(problems, ['unknown field "spec.template.spec.containers[0].imagePullPolicyy"']);
});

test("a missing required field fails", async () => {
  const problems = await problemsOf("apiVersion: v1\nkind: Service\nmetadata: { name: s }\nspec: { ports: [{ name: http }] }\n");
  assert.match(problems.join("\n"), /spec\/ports\/0 must have required property '?port'?/);
});

test("an unknown kind fails", async () => {
  const problems = await problemsOf("apiVersion: apps/v1\nkind: Deploymint\nmetadata: { name: x }\n");
  assert.match(problems.join("\n"), /unknown apiVersion\/kind/);
});

test("a helper type is not accepted as a kind", async () => {
  const problems = await problemsOf("apiVersion: apps/v1\nkind: DeploymentSpec\nmetadata: { name: x }\n");
  assert.match(problems.join("\n"), /unknown apiVersion\/kind/);
});

test("a kind under the wrong apiVersion fails", async () => {
  const problems = await problemsOf("apiVersion: v1\nkind: Deployment\nmetadata: { name: x }\n");
  assert.match(problems.join("\n"), /unknown apiVersion\/kind/);
});

test("map fields such as labels, data and resource quantities are not unknown fields", async () => {
  const problems = await problemsOf(`
apiVersion: v1
kind: ConfigMap
metadata: { name: c, labels: { a: b, orleans/clusterId: x } }
data: { Orleans__ClusterId: doorbuster, Anything__Else: "1" }
---
apiVersion: v1
kind: Secret
metadata: { name: s }
type: Opaque
stringData: { Admin__ApiKey: replace-me }
`);
  assert.deepEqual(problems, []);
});

test("invalid YAML fails", async () => {
  const problems = await problemsOf("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata:\n  a: 1\n  a: 2\n");
  assert.match(problems.join("\n"), /YAML/);
});
