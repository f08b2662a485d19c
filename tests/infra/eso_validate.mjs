// Validate ExternalSecret documents (JSON array on stdin) with the External Secrets
// Operator's v1 model from the npm package @kubernetes-models/external-secrets (generated from
// ESO's Go API types). Its validator ignores unknown fields, so each field under `spec` is
// also given a value of the wrong type: a field the schema knows then fails validation; one
// that still passes is unknown to ESO (a misspelling, or a field of another API version).
// Usage: node eso_validate.mjs MODELS_DIR < docs.json; prints one line per problem.
import { pathToFileURL } from "node:url";
import fs from "node:fs";
import path from "node:path";

const models = process.argv[2];
const { ExternalSecret } = await import(
  pathToFileURL(path.join(models, "external-secrets.io/v1/ExternalSecret.js")).href
);
const docs = JSON.parse(fs.readFileSync(0, "utf8"));

function errors(doc) {
  try {
    new ExternalSecret(doc).validate();
    return null;
  } catch (e) {
    return e.message.split("\n")[0];
  }
}

function paths(value, prefix) {
  if (value === null || typeof value !== "object") return [prefix];
  const keys = Array.isArray(value) ? value.keys() : Object.keys(value);
  const out = [prefix];
  for (const k of keys) out.push(...paths(value[k], [...prefix, k]));
  return out;
}

function withWrongType(doc, where) {
  const copy = structuredClone(doc);
  let parent = copy;
  for (const k of where.slice(0, -1)) parent = parent[k];
  const last = where[where.length - 1];
  parent[last] = typeof parent[last] === "string" ? 12345 : "not-the-right-type";
  return copy;
}

let problems = 0;
for (const doc of docs) {
  const name = doc?.metadata?.name;
  if (doc.apiVersion !== ExternalSecret.apiVersion || doc.kind !== ExternalSecret.kind) {
    console.log(`${name}: ${doc.apiVersion} ${doc.kind} is not ${ExternalSecret.apiVersion} ExternalSecret`);
    problems++;
    continue;
  }
  const err = errors(doc);
  if (err) {
    console.log(`${name}: ${err}`);
    problems++;
    continue;
  }
  for (const where of paths(doc.spec, ["spec"]).slice(1)) {
    if (typeof where.at(-1) === "number") continue; // list items: their fields are checked
    if (errors(withWrongType(doc, where)) === null) {
      console.log(`${name}: ${where.join(".")} is not a field ESO knows`);
      problems++;
    }
  }
  if (!problems) console.log(`${name}: valid external-secrets.io/v1 ExternalSecret`);
}
process.exit(problems ? 1 : 0);
