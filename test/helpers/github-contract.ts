import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';

/**
 * GitHub's own published contract (the `@octokit/openapi` package's api.github.com description),
 * loaded once, with validators compiled only for the operations the stand-in plays. Each request
 * the studio sends and each answer the stand-in gives is checked against it.
 */

type Json = Record<string, unknown>;
type Param = { name: string; in: string; required?: boolean; schema: Json };

export type OperationKey = `${'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'} ${string}`;

interface CompiledOperation {
  template: string;
  pattern: RegExp;
  names: string[];
  params: ValidateFunction;
  body: ValidateFunction | null;
  responses: Map<string, ValidateFunction | null>;
}

// ajv-formats is CommonJS with its function on `default`.
const addFormats = ((formatsPlugin as unknown as { default?: typeof formatsPlugin }).default ?? formatsPlugin) as unknown as (
  ajv: Ajv,
) => void;

let loaded: { doc: Json; ajv: Ajv; coerce: Ajv } | null = null;

/** OpenAPI 3.0's `nullable` as JSON Schema: Ajv refuses `nullable` without `type`. */
function normalize(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalize);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'example' || k === 'examples' || k === 'description') continue;
    out[k] = k === 'properties' || k === 'patternProperties' ? mapValues(v as Json) : normalize(v);
  }
  if (typeof out.$ref === 'string') out.$ref = (out.$ref as string).replace('#/components/', 'github#/components/');
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

function load() {
  if (loaded) return loaded;
  const file = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
  const doc = JSON.parse(readFileSync(file, 'utf8')) as Json;
  const make = (coerceTypes: boolean) => {
    const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true, coerceTypes });
    addFormats(ajv);
    ajv.addFormat('repo.nwo', /^[^/]+\/[^/]+$/);
    ajv.addSchema({ $id: 'github', components: normalize((doc as { components: Json }).components) });
    return ajv;
  };
  loaded = { doc, ajv: make(false), coerce: make(true) };
  return loaded;
}

function deref(doc: Json, node: Json): Json {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  let at: unknown = doc;
  for (const part of ref.replace(/^#\//, '').split('/')) at = (at as Json)[part];
  return deref(doc, at as Json);
}

export class GithubContract {
  private readonly ops: CompiledOperation[] = [];
  private readonly byKey = new Map<string, CompiledOperation>();

  /** Compiles the validators of these operations, e.g. `GET /repos/{owner}/{repo}/pulls/{pull_number}`. */
  constructor(keys: OperationKey[]) {
    const { doc, ajv, coerce } = load();
    const paths = doc.paths as Record<string, Record<string, Json>>;
    for (const key of keys) {
      const [method, template] = key.split(' ') as [string, string];
      const op = paths[template]?.[method.toLowerCase()];
      if (!op) throw new Error(`GitHub's description has no operation ${key}`);
      const params = ((op.parameters as Json[] | undefined) ?? []).map((p) => deref(doc, p) as unknown as Param);
      const inQuery = params.filter((p) => p.in === 'query' || p.in === 'path');
      const paramSchema = {
        type: 'object',
        properties: Object.fromEntries(inQuery.map((p) => [p.name, normalize(p.schema)])),
        required: inQuery.filter((p) => p.required || p.in === 'path').map((p) => p.name),
      };
      const requestBody = op.requestBody ? deref(doc, op.requestBody as Json) : null;
      const bodySchema = (requestBody?.content as Record<string, { schema: Json }> | undefined)?.['application/json']?.schema;
      const responses = new Map<string, ValidateFunction | null>();
      for (const [status, raw] of Object.entries(op.responses as Json)) {
        const response = deref(doc, raw as Json);
        const schema = (response.content as Record<string, { schema: Json }> | undefined)?.['application/json']?.schema;
        responses.set(status, schema ? ajv.compile(normalize(schema) as Json) : null);
      }
      const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      const compiled: CompiledOperation = {
        template,
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
        names,
        params: coerce.compile(paramSchema),
        body: bodySchema ? ajv.compile(normalize(bodySchema) as Json) : null,
        responses,
      };
      this.ops.push(compiled);
      this.byKey.set(`${method} ${template}`, compiled);
    }
    this.basicError = ajv.compile({ $ref: 'github#/components/schemas/basic-error' });
  }

  private readonly basicError: ValidateFunction;

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
    const op = this.byKey.get(key)!;
    const values: Record<string, unknown> = { ...query, ...params };
    const problems: string[] = [];
    if (!op.params(values)) problems.push(...(op.params.errors ?? []).map((e) => `parameter ${e.instancePath} ${e.message}`));
    if (op.body && !op.body(body)) problems.push(...(op.body.errors ?? []).map((e) => `body ${e.instancePath} ${e.message}`));
    return problems;
  }

  /** What is wrong with an answer: its status must be one the operation documents (an error may use GitHub's basic error). */
  checkResponse(key: string, status: number, body: unknown): string[] {
    const op = this.byKey.get(key)!;
    const validate = op.responses.get(String(status));
    if (validate === undefined) {
      if (status >= 400 && this.basicError(body)) return [];
      return status === 304 ? [] : [`${key} does not document status ${status}`];
    }
    if (validate === null || validate(body)) return [];
    return (validate.errors ?? []).slice(0, 5).map((e) => `response ${status} ${e.instancePath} ${e.message}`);
  }

  /** The first example of an operation's answer in the description, to build the stand-in's objects from. */
  static example(key: OperationKey, status: string): unknown {
    const { doc } = load();
    const [method, template] = key.split(' ') as [string, string];
    const op = (doc.paths as Record<string, Record<string, Json>>)[template]![method.toLowerCase()]!;
    const response = deref(doc, (op.responses as Json)[status] as Json);
    const media = (response.content as Record<string, Json>)['application/json']!;
    const first = Object.values(media.examples as Json)[0] as Json;
    return structuredClone(deref(doc, first).value);
  }
}
