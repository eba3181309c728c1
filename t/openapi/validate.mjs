// Checks docs/openapi.yaml, and real answers of mod_leads against it.
//
//   node t/openapi/validate.mjs DOC [CAPTURED.json]
//
// Prints one JSON object on stdout:
//   {"checks": [{"name", "ok", "errors": [...]}, ...],
//    "codes": {"<error code>": [<status>, ...], ...}}
// and exits 0 when every check passed, 1 when one failed, 2 on bad usage.
//
// The document checks:
//   - it is valid against the official OpenAPI 3.1 JSON Schema
//     (@seriousme/openapi-schema-validator);
//   - Redocly CLI's lint (t/openapi/redocly.yaml) finds no error or warning
//     (broken $refs, examples that do not match their schemas, ...);
//   - every schema in it compiles with Ajv in strict mode as JSON Schema
//     2020-12 (a misspelt keyword is an error, not silently ignored).
// "codes" maps each error code that POST /api/leads documents to the
// statuses whose Error schema allows it (t/openapi.t compares it with the
// module's own table).
//
// CAPTURED.json is an array of entries, each checked against the document:
//   {"name", "status", "headers": {lowercase name: value}, "body": text,
//    "schema": "Lead"?}
//       an answer of POST /api/leads: the status is documented, the
//       documented required headers are there and every documented header
//       matches its schema, the Content-Type is documented, and the body
//       matches the schema of that status (and the named component schema,
//       when given);
//   {"kind": "request", "name", "schema": "LeadCreate", "body": text,
//    "valid": bool}
//       a body sent to the module: the schema must agree with the module's
//       verdict (valid = the module accepted it);
//   {"kind": "webhook", "name", "webhook": "lead.created", "headers", "body"}
//       a delivery as a receiver got it: its header parameters and body.
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import YAML from "yaml";

const HERE = dirname(fileURLToPath(import.meta.url));
const SCHEMA_BASE = "urn:mod-leads:openapi";

const checks = [];
function check(name, errors) {
  checks.push({ name, ok: errors.length === 0, errors });
}

function finish(codes) {
  process.stdout.write(JSON.stringify({ checks, codes }, null, 1) + "\n");
  process.exit(checks.every((c) => c.ok) ? 0 : 1);
}

const [docPath, capturedPath] = process.argv.slice(2);
if (!docPath) {
  process.stderr.write("usage: node validate.mjs DOC [CAPTURED.json]\n");
  process.exit(2);
}

// ------------------------------------------------------------ the document

let doc;
try {
  doc = YAML.parse(readFileSync(docPath, "utf8"), { prettyErrors: true });
  check("the document is YAML", []);
} catch (e) {
  check("the document is YAML", [String(e.message || e)]);
  finish({});
}

{
  const v = new Validator();
  const res = await v.validate(structuredClone(doc));
  const errors = res.valid ? [] : [].concat(res.errors).map((e) => JSON.stringify(e));
  if (res.valid && v.version !== "3.1") {
    errors.push(`OpenAPI version ${v.version}, not 3.1`);
  }
  check("valid against the OpenAPI 3.1 schema (@seriousme/openapi-schema-validator)", errors);
}

{
  const errors = [];
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    errors.push(`Redocly CLI needs Node.js >= 20.19; this is ${process.versions.node}`);
  } else {
    const r = spawnSync(process.execPath, [
      join(HERE, "node_modules/@redocly/cli/bin/cli.js"), "lint",
      "--config", join(HERE, "redocly.yaml"), "--format=json", docPath,
    ], {
      encoding: "utf8",
      timeout: 120000,
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
    });
    let out;
    try {
      out = JSON.parse(r.stdout);
    } catch {
      errors.push(`redocly lint gave no JSON (exit ${r.status}): ${r.stdout}${r.stderr}`.slice(0, 4000));
    }
    if (out) {
      for (const p of out.problems || []) {
        const where = (p.location || []).map((l) => l.pointer).join(", ");
        errors.push(`${p.severity} ${p.ruleId}: ${p.message} (${where})`);
      }
      if (errors.length === 0 && (out.totals.errors || out.totals.warnings)) {
        errors.push(`totals: ${JSON.stringify(out.totals)}`);
      }
      if (errors.length === 0 && r.status !== 0) {
        errors.push(`redocly lint exited ${r.status}`);
      }
    }
  }
  check("redocly lint: no errors, no warnings", errors);
}

// ------------------------------------------------------------ schemas

// Schema $refs point into components/schemas; for Ajv they point into one
// schema resource holding them as $defs.
function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === "object") {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#/components/schemas/")
        ? `${SCHEMA_BASE}#/$defs/${v.slice("#/components/schemas/".length)}`
        : rewriteRefs(v);
    }
    return out;
  }
  return node;
}

function makeAjv(options) {
  const ajv = new Ajv2020({
    allErrors: true,
    strictSchema: true,
    strictNumbers: true,
    strictTuples: true,
    strictTypes: false,
    strictRequired: false,
    allowUnionTypes: true,
    ...options,
  });
  // The OpenAPI 3.1 base dialect's own keywords (annotations here).
  ajv.addVocabulary(["example", "discriminator", "xml", "externalDocs"]);
  addFormats(ajv, ["uuid", "date-time", "date"]);
  // Annotation only, as JSON Schema 2020-12 has it: the module's email rule
  // is the pattern beside it (it takes addresses ajv-formats would not).
  ajv.addFormat("email", true);
  ajv.addSchema({ $id: SCHEMA_BASE, $defs: rewriteRefs(doc.components?.schemas || {}) });
  return ajv;
}

let ajv, ajvCoerce;
{
  const errors = [];
  try {
    ajv = makeAjv({});
    ajvCoerce = makeAjv({ coerceTypes: true });     // header values are text
    for (const name of Object.keys(doc.components?.schemas || {})) {
      try {
        ajv.getSchema(`${SCHEMA_BASE}#/$defs/${name}`) ||
          errors.push(`components/schemas/${name}: not found`);
      } catch (e) {
        errors.push(`components/schemas/${name}: ${e.message}`);
      }
    }
    // inline schemas: media types, headers, parameters
    const walk = (node, path) => {
      if (!node || typeof node !== "object") return;
      for (const [k, v] of Object.entries(node)) {
        if (k === "schema" && v && typeof v === "object" && !path.includes("/schemas/")) {
          try {
            ajv.compile(rewriteRefs(v));
          } catch (e) {
            errors.push(`${path}/schema: ${e.message}`);
          }
        } else if (k !== "schemas" && k !== "examples" && k !== "example") {
          walk(v, `${path}/${k}`);
        }
      }
    };
    walk(doc, "#");
  } catch (e) {
    errors.push(String(e.message || e));
  }
  check("every schema compiles (Ajv strict, JSON Schema 2020-12)", errors);
}

// What a local $ref points at (one step).
function pointer(ref) {
  return ref.slice(2).split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((o, k) => (o == null ? o : o[k]), doc);
}

// An OpenAPI object with its $refs followed (responses, headers, ...).
function deref(node) {
  let seen = 0;
  while (node && typeof node.$ref === "string" && node.$ref.startsWith("#/") && seen++ < 20) {
    node = pointer(node.$ref);
  }
  return node;
}

function ajvErrors(validate) {
  return (validate.errors || []).map((e) =>
    `${e.instancePath || "(root)"} ${e.message}${e.params && Object.keys(e.params).length ? " " + JSON.stringify(e.params) : ""}`);
}

const compiled = new Map();
function validator(schema, coerce) {
  const key = JSON.stringify([schema, !!coerce]);
  if (!compiled.has(key)) {
    compiled.set(key, coerce
      ? ajvCoerce.compile({ type: "object", properties: { v: rewriteRefs(schema) } })
      : ajv.compile(rewriteRefs(schema)));
  }
  return compiled.get(key);
}

// Errors of a body (already parsed) against a schema.
function schemaErrors(schema, value, label) {
  const v = validator(schema, false);
  return v(value) ? [] : ajvErrors(v).map((e) => `${label}: ${e}`);
}

// Errors of one header value (text) against a header's schema.
function headerErrors(schema, text, label) {
  const v = validator(schema, true);
  return v({ v: text }) ? [] : ajvErrors(v).map((e) => `${label} '${text}': ${e.replace(/^\/v ?/, "")}`);
}

// Every example matches its schema: those of media types, parameters and
// headers (example, examples.*.value), and a schema's own `examples`.
{
  const errors = [];
  const tryCheck = (schema, value, label) => {
    try {
      errors.push(...schemaErrors(schema, value, label));
    } catch (e) {
      errors.push(`${label}: ${e.message}`);
    }
  };
  const schemaExamples = (schema, path) => {
    if (Array.isArray(schema)) {
      schema.forEach((s, i) => schemaExamples(s, `${path}/${i}`));
      return;
    }
    if (!schema || typeof schema !== "object") return;
    if (Array.isArray(schema.examples)) {
      schema.examples.forEach((ex, i) => tryCheck(schema, ex, `${path}/examples/${i}`));
    }
    for (const [k, v] of Object.entries(schema)) {
      if (k !== "examples" && k !== "const" && k !== "enum") schemaExamples(v, `${path}/${k}`);
    }
  };
  const walk = (node, path) => {
    if (!node || typeof node !== "object") return;
    if (node.schema && typeof node.schema === "object") {
      if ("example" in node) tryCheck(node.schema, node.example, `${path}/example`);
      for (const [name, ex] of Object.entries(node.examples || {})) {
        const e = deref(ex);
        if (e && "value" in e) tryCheck(node.schema, e.value, `${path}/examples/${name}`);
      }
      schemaExamples(node.schema, `${path}/schema`);
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === "schema" || k === "example" || k === "examples") continue;
      if (k === "schemas" && path === "#/components") {
        for (const [name, s] of Object.entries(v)) schemaExamples(s, `${path}/schemas/${name}`);
        continue;
      }
      walk(v, `${path}/${k}`);
    }
  };
  if (ajv) walk(doc, "#");
  check("every example matches its schema (Ajv)", errors);
}

// ------------------------------------------------------------ error codes

const OP = doc.paths?.["/api/leads"]?.post;

// The codes a schema allows at error.code: its own enum or const, and those
// of what it references or combines (a $ref's siblings count too).
function codeEnums(schema, depth = 0) {
  if (!schema || typeof schema !== "object" || depth > 10) return [];
  let found = [];
  if (typeof schema.$ref === "string") found = found.concat(codeEnums(pointer(schema.$ref), depth + 1));
  const code = schema.properties?.error?.properties?.code;
  if (code?.enum) found = found.concat(code.enum);
  if (code?.const) found.push(code.const);
  for (const k of ["allOf", "anyOf", "oneOf"]) {
    for (const s of schema[k] || []) found = found.concat(codeEnums(s, depth + 1));
  }
  return found;
}

const codes = {};
{
  const errors = [];
  if (!OP) errors.push("no POST /api/leads");
  for (const [status, ref] of Object.entries(OP?.responses || {})) {
    if (!/^[45]\d\d$/.test(status)) continue;
    const resp = deref(ref);
    const schema = resp?.content?.["application/json"]?.schema;
    const enums = schema ? [...new Set(codeEnums(schema))] : [];
    if (enums.length === 0) errors.push(`${status}: no error code enum in its application/json schema`);
    for (const c of enums) (codes[c] ||= []).push(Number(status));
  }
  check("every documented error status names its codes", errors);
}

// ------------------------------------------------------------ captured

function parseBody(entry, errors) {
  try {
    return JSON.parse(entry.body);
  } catch (e) {
    errors.push(`body is not JSON: ${e.message}: ${String(entry.body).slice(0, 200)}`);
    return undefined;
  }
}

function checkResponse(entry) {
  const errors = [];
  const op = deref(doc.paths?.[entry.path || "/api/leads"]?.[entry.method || "post"]);
  const status = String(entry.status);
  const resp = deref(op?.responses?.[status] || op?.responses?.[`${status[0]}XX`] || op?.responses?.default);
  if (!resp) return [`status ${status} is not documented`];
  const headers = entry.headers || {};
  for (const [name, h0] of Object.entries(resp.headers || {})) {
    const h = deref(h0);
    const value = headers[name.toLowerCase()];
    if (value === undefined) {
      if (h.required) errors.push(`header ${name} is documented as required and missing`);
    } else if (h.schema) {
      errors.push(...headerErrors(h.schema, value, `header ${name}`));
    }
  }
  const mediaType = String(headers["content-type"] || "").split(";")[0].trim().toLowerCase();
  const media = resp.content?.[mediaType];
  if (!media) {
    errors.push(`Content-Type '${headers["content-type"]}' is not documented for ${status}`);
    return errors;
  }
  const body = parseBody(entry, errors);
  if (body === undefined) return errors;
  if (media.schema) errors.push(...schemaErrors(media.schema, body, `body (${status} schema)`));
  if (entry.schema) {
    errors.push(...schemaErrors({ $ref: `#/components/schemas/${entry.schema}` }, body,
                                `body (${entry.schema})`));
  }
  return errors;
}

function checkRequest(entry) {
  const errors = [];
  const body = parseBody(entry, errors);
  if (body === undefined) return errors;
  const v = validator({ $ref: `#/components/schemas/${entry.schema}` }, false);
  const ok = v(body);
  if (ok && !entry.valid) {
    errors.push(`the module refused this body, but it matches ${entry.schema}`);
  } else if (!ok && entry.valid) {
    errors.push(`the module took this body, but it does not match ${entry.schema}:`, ...ajvErrors(v));
  }
  return errors;
}

function checkWebhook(entry) {
  const errors = [];
  const op = deref(doc.webhooks?.[entry.webhook]?.post);
  if (!op) return [`webhook ${entry.webhook} is not documented`];
  const headers = entry.headers || {};
  for (const p0 of op.parameters || []) {
    const p = deref(p0);
    if (p.in !== "header") continue;
    const value = headers[p.name.toLowerCase()];
    if (value === undefined) {
      if (p.required) errors.push(`header ${p.name} is documented as required and missing`);
    } else if (p.schema) {
      errors.push(...headerErrors(p.schema, value, `header ${p.name}`));
    }
  }
  const mediaType = String(headers["content-type"] || "").split(";")[0].trim().toLowerCase();
  const media = deref(op.requestBody)?.content?.[mediaType];
  if (!media) {
    errors.push(`Content-Type '${headers["content-type"]}' is not documented`);
    return errors;
  }
  const body = parseBody(entry, errors);
  if (body !== undefined && media.schema) errors.push(...schemaErrors(media.schema, body, "body"));
  return errors;
}

if (capturedPath) {
  let entries = [];
  try {
    entries = JSON.parse(readFileSync(capturedPath, "utf8"));
  } catch (e) {
    check(`read ${capturedPath}`, [String(e.message || e)]);
  }
  for (const entry of entries) {
    let errors;
    try {
      errors = entry.kind === "request" ? checkRequest(entry)
             : entry.kind === "webhook" ? checkWebhook(entry)
             : checkResponse(entry);
    } catch (e) {
      errors = [`validator error: ${e.stack || e}`];
    }
    check(entry.name, errors);
  }
}

finish(codes);
