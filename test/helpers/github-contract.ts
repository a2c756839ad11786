import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';

/**
 * GitHub's own published contract (the `@octokit/openapi` package's api.github.com description),
 * with validators compiled only for the operations the stand-in plays. Each request the studio
 * sends and each answer the stand-in gives is checked against it.
 *
 * Reading and preparing the 13 MB description took some 700 ms per test process, so the prepared
 * part (these operations, their schemas made JSON Schema, the components they reach, their
 * examples) is kept in node_modules/.cache, keyed by the description file, this file and the
 * operations; the validators compile on first use.
 */

type Json = Record<string, unknown>;
type Param = { name: string; in: string; required?: boolean; schema: Json };

export type OperationKey = `${'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'} ${string}`;

/** One operation as the cache keeps it: its schemas already normalized, its examples dereferenced. */
interface PreparedOperation {
  template: string;
  params: Json;
  body: Json | null;
  responses: Record<string, Json | null>;
  examples: Record<string, unknown>;
}
interface Prepared {
  ops: Record<string, PreparedOperation>;
  /** The description's components that the operations reach, normalized. */
  components: Json;
}

interface CompiledOperation {
  prepared: PreparedOperation;
  pattern: RegExp;
  names: string[];
}

// ajv-formats is CommonJS with its function on `default`.
const addFormats = ((formatsPlugin as unknown as { default?: typeof formatsPlugin }).default ?? formatsPlugin) as unknown as (
  ajv: Ajv,
) => void;

const REF_PREFIX = 'github#/components/';

/** OpenAPI 3.0's `nullable` as JSON Schema: Ajv refuses `nullable` without `type`. */
function normalize(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalize);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'example' || k === 'examples' || k === 'description') continue;
    out[k] = k === 'properties' || k === 'patternProperties' ? mapValues(v as Json) : normalize(v);
  }
  if (typeof out.$ref === 'string') out.$ref = (out.$ref as string).replace('#/components/', REF_PREFIX);
  if (out.nullable === true) {
    delete out.nullable;
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (out.type === undefined) return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

function mapValues(obj: Json): Json {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, normalize(v)]));
}

function deref(doc: Json, node: Json): Json {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  let at: unknown = doc;
  for (const part of ref.replace(/^#\//, '').split('/')) at = (at as Json)[part];
  return deref(doc, at as Json);
}

/** Every `github#/components/<kind>/<name>` a schema refers to. */
function refsIn(node: unknown, found: Set<string>): void {
  if (Array.isArray(node)) for (const item of node) refsIn(item, found);
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX))
        found.add(v.slice(REF_PREFIX.length).split('/').slice(0, 2).join('/'));
      else refsIn(v, found);
    }
}

/** The operations' schemas and examples from the whole description, with the components they reach (and `basic-error`). */
function prepare(doc: Json, keys: OperationKey[]): Prepared {
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const ops: Record<string, PreparedOperation> = {};
  for (const key of keys) {
    const [method, template] = key.split(' ') as [string, string];
    const op = paths[template]?.[method.toLowerCase()];
    if (!op) throw new Error(`GitHub's description has no operation ${key}`);
    const params = ((op.parameters as Json[] | undefined) ?? []).map((p) => deref(doc, p) as unknown as Param);
    const inQuery = params.filter((p) => p.in === 'query' || p.in === 'path');
    const requestBody = op.requestBody ? deref(doc, op.requestBody as Json) : null;
    const bodySchema = (requestBody?.content as Record<string, { schema: Json }> | undefined)?.['application/json']?.schema;
    const responses: Record<string, Json | null> = {};
    const examples: Record<string, unknown> = {};
    for (const [status, raw] of Object.entries(op.responses as Json)) {
      const response = deref(doc, raw as Json);
      const media = (response.content as Record<string, Json> | undefined)?.['application/json'];
      responses[status] = media?.schema ? (normalize(media.schema) as Json) : null;
      const first = media?.examples ? (Object.values(media.examples as Json)[0] as Json | undefined) : undefined;
      if (first) examples[status] = deref(doc, first).value;
    }
    ops[key] = {
      template,
      params: {
        type: 'object',
        properties: Object.fromEntries(inQuery.map((p) => [p.name, normalize(p.schema)])),
        required: inQuery.filter((p) => p.required || p.in === 'path').map((p) => p.name),
      },
      body: bodySchema ? (normalize(bodySchema) as Json) : null,
      responses,
      examples,
    };
  }
  const raw = doc.components as Record<string, Json>;
  const components: Record<string, Json> = {};
  const todo = new Set<string>(['schemas/basic-error']);
  refsIn(ops, todo);
  const done = new Set<string>();
  for (const ref of todo) {
    if (done.has(ref)) continue;
    done.add(ref);
    const [kind, name] = ref.split('/') as [string, string];
    const entry = raw[kind]?.[name];
    if (entry === undefined) continue;
    const normalized = normalize(entry);
    components[kind] ??= {};
    components[kind][name] = normalized;
    refsIn(normalized, todo);
  }
  return { ops, components };
}

/** GitHub's description cut down to these paths and the components they reach, still OpenAPI (for Prism). */
function cut(doc: Json, templates: string[]): Json {
  const paths = doc.paths as Record<string, Json>;
  const kept = Object.fromEntries(templates.map((t) => [t, paths[t]]));
  const raw = doc.components as Record<string, Json>;
  const components: Record<string, Json> = {};
  const todo = new Set<string>();
  const reach = (node: unknown) => {
    if (Array.isArray(node)) for (const item of node) reach(item);
    else if (node && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/'))
          todo.add(v.slice('#/components/'.length).split('/').slice(0, 2).join('/'));
        else reach(v);
      }
  };
  reach(kept);
  for (const ref of todo) {
    const [kind, name] = ref.split('/') as [string, string];
    const entry = raw[kind]?.[name];
    if (entry === undefined || components[kind]?.[name] !== undefined) continue;
    components[kind] ??= {};
    components[kind][name] = entry;
    reach(entry);
  }
  // The webhooks (an `x-` extension, no operation Prism serves) go too, with the components only they reach.
  const { 'x-webhooks': _webhooks, ...rest } = doc;
  return { ...rest, paths: kept, components };
}

const CACHE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/.cache/studio-tests');
const cached = new Map<string, unknown>();

/**
 * `make(description)` for this `what`: from memory, from the cache file, or made from the whole
 * description (then cached). The key holds the description file's size and time, this file's text
 * and `what`, so a change to any of them makes it afresh.
 */
function fromCache<T>(what: unknown, make: (doc: Json) => T): T {
  const source = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
  const { size, mtimeMs } = statSync(source);
  const key = createHash('sha256')
    .update(JSON.stringify([source, size, mtimeMs, what]))
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .digest('hex')
    .slice(0, 16);
  if (cached.has(key)) return cached.get(key) as T;
  const file = path.join(CACHE_DIR, `github-${key}.json`);
  let result: T;
  try {
    result = JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    result = make(JSON.parse(readFileSync(source, 'utf8')) as Json);
    try {
      // Written whole under a name of its own, then renamed: a process reading meanwhile sees no file or all of it.
      mkdirSync(CACHE_DIR, { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(result));
      renameSync(temp, file);
    } catch {
      // No cache where node_modules cannot be written: the next process makes it again.
    }
  }
  cached.set(key, result);
  return result;
}

/** The prepared contract of these operations. */
function load(keys: OperationKey[]): Prepared {
  return fromCache(['contract', keys], (doc) => prepare(doc, keys));
}

/**
 * GitHub's description cut down to these paths (Prism reads the whole document otherwise) and the
 * components they reach; a fresh copy on each call.
 */
export function githubDescription(templates: string[]): Json {
  return structuredClone(fromCache(['paths', templates], (doc) => cut(doc, templates)));
}

export class GithubContract {
  private readonly byKey = new Map<string, CompiledOperation>();
  private readonly ajv: Ajv;
  private readonly coerce: Ajv;
  private readonly compiled = new Map<Json, ValidateFunction>();

  /** The contract of these operations, e.g. `GET /repos/{owner}/{repo}/pulls/{pull_number}`; validators compile on first use. */
  constructor(keys: OperationKey[]) {
    const { ops, components } = load(keys);
    const make = (coerceTypes: boolean) => {
      const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true, coerceTypes });
      addFormats(ajv);
      ajv.addFormat('repo.nwo', /^[^/]+\/[^/]+$/);
      ajv.addSchema({ $id: 'github', components });
      return ajv;
    };
    this.ajv = make(false);
    this.coerce = make(true);
    for (const [key, op] of Object.entries(ops)) {
      const names = [...op.template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      this.byKey.set(key, {
        prepared: op,
        pattern: new RegExp(`^${op.template.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
        names,
      });
    }
  }

  private validator(schema: Json, ajv = this.ajv): ValidateFunction {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(schema);
      this.compiled.set(schema, validate);
    }
    return validate;
  }

  /** The operation a request is for, with its path parameters; null when the stand-in does not play it. */
  match(method: string, path: string): { key: string; params: Record<string, string> } | null {
    for (const [key, op] of this.byKey) {
      if (!key.startsWith(`${method} `)) continue;
      const m = op.pattern.exec(path);
      if (m) return { key, params: Object.fromEntries(op.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) };
    }
    return null;
  }

  /** What is wrong with a request (path and query parameters, JSON body), as GitHub's description sees it. */
  checkRequest(key: string, params: Record<string, string>, query: Record<string, string>, body: unknown): string[] {
    const op = this.byKey.get(key)!.prepared;
    const values: Record<string, unknown> = { ...query, ...params };
    const problems: string[] = [];
    const checkParams = this.validator(op.params, this.coerce);
    if (!checkParams(values)) problems.push(...(checkParams.errors ?? []).map((e) => `parameter ${e.instancePath} ${e.message}`));
    const checkBody = op.body ? this.validator(op.body) : null;
    if (checkBody && !checkBody(body))
      problems.push(...(checkBody.errors ?? []).map((e) => `body ${e.instancePath} ${e.message}`));
    return problems;
  }

  /** What is wrong with an answer: its status must be one the operation documents (an error may use GitHub's basic error). */
  checkResponse(key: string, status: number, body: unknown): string[] {
    const responses = this.byKey.get(key)!.prepared.responses;
    if (!(String(status) in responses)) {
      if (status >= 400 && this.validator(BASIC_ERROR)(body)) return [];
      return status === 304 ? [] : [`${key} does not document status ${status}`];
    }
    const schema = responses[String(status)];
    if (!schema) return [];
    const validate = this.validator(schema);
    if (validate(body)) return [];
    return (validate.errors ?? []).slice(0, 5).map((e) => `response ${status} ${e.instancePath} ${e.message}`);
  }

  /** The first example of an operation's answer in the description, to build the stand-in's objects from. */
  example(key: OperationKey, status: string): unknown {
    const op = this.byKey.get(key);
    if (!op) throw new Error(`the contract was not made for ${key}`);
    if (!(status in op.prepared.examples)) throw new Error(`GitHub's description has no example of ${key} ${status}`);
    return structuredClone(op.prepared.examples[status]);
  }
}

const BASIC_ERROR: Json = { $ref: `${REF_PREFIX}schemas/basic-error` };
