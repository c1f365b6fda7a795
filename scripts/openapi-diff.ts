/**
 * Breaking changes between two OpenAPI documents of the API (the previous release's and the current one), as
 * docs/api-versioning.md defines them. Pure: `npm run api:breaking` (scripts/api-breaking.ts) reads the files.
 *
 * A client written against `base` must keep working against `head`. So, per operation present in `base`:
 * - requests: nothing it may send may become refused — a parameter or body field removed (unknown fields are
 *   refused), a new required parameter or field, an optional one made required, a type, format or pattern changed,
 *   an enum value removed, a body made required;
 * - responses: nothing it may read may change — a success status changed, a field removed or made optional or
 *   nullable, a type or format changed, an enum value added (a client switching over it meets a value it does not
 *   know), a media type removed;
 * - security: a way of calling it removed (e.g. the bank API key);
 * and an operation removed is breaking. Adding operations, optional request fields, response fields, request enum
 * values or refusal statuses is not.
 */

type Json = Record<string, unknown>;
interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  nullable?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { $ref?: string; content?: Record<string, { schema?: Schema }> }>;
  security?: Record<string, string[]>[];
}
export interface ApiDocument {
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, Schema>; responses?: Json };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

type Direction = 'request' | 'response';

class Comparer {
  readonly changes: string[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly base: ApiDocument,
    private readonly head: ApiDocument,
  ) {}

  private resolve(doc: ApiDocument, schema: Schema | undefined): Schema | undefined {
    let s = schema;
    for (let i = 0; s?.$ref && i < 20; i++)
      s = doc.components?.schemas?.[s.$ref.replace('#/components/schemas/', '')];
    // a single allOf member (how a described or nullable $ref is written) stands for its member
    if (s?.allOf?.length === 1 && !s.properties)
      return { ...this.resolve(doc, s.allOf[0]), ...(s.nullable ? { nullable: true } : {}) };
    return s;
  }

  private typeOf(s: Schema): string {
    return [s.type]
      .flat()
      .filter((t) => t !== 'null')
      .sort()
      .join('|');
  }

  private nullable(s: Schema): boolean {
    return s.nullable === true || [s.type].flat().includes('null');
  }

  schema(
    where: string,
    dir: Direction,
    baseSchema: Schema | undefined,
    headSchema: Schema | undefined,
  ): void {
    if (baseSchema?.$ref && headSchema?.$ref) {
      const refKey = `${dir} ${baseSchema.$ref} ${headSchema.$ref}`;
      if (this.seen.has(refKey)) return;
      this.seen.add(refKey);
    }
    const b = this.resolve(this.base, baseSchema);
    const h = this.resolve(this.head, headSchema);
    if (!b || !h) {
      if (b && !h && dir === 'response') this.changes.push(`${where}: schema removed`);
      return;
    }
    const bt = this.typeOf(b);
    const ht = this.typeOf(h);
    if (bt && ht && bt !== ht) this.changes.push(`${where}: type changed ${bt} → ${ht}`);
    if ((b.format ?? '') !== (h.format ?? '') && (dir === 'response' || h.format))
      this.changes.push(`${where}: format changed ${b.format ?? 'none'} → ${h.format ?? 'none'}`);
    if ((b.pattern ?? '') !== (h.pattern ?? '') && (dir === 'response' || h.pattern))
      this.changes.push(`${where}: pattern changed ${b.pattern ?? 'none'} → ${h.pattern ?? 'none'}`);
    if (dir === 'response' && !this.nullable(b) && this.nullable(h))
      this.changes.push(`${where}: may now be null`);
    if (dir === 'request' && this.nullable(b) && !this.nullable(h))
      this.changes.push(`${where}: no longer accepts null`);
    if (b.enum || h.enum) {
      const bv = new Set(b.enum ?? []);
      const hv = new Set(h.enum ?? []);
      if (dir === 'request') {
        const removed = b.enum ? [...bv].filter((v) => !hv.has(v)) : h.enum ? ['(any value)'] : [];
        if (h.enum && removed.length)
          this.changes.push(`${where}: enum narrowed, ${removed.join(', ')} no longer accepted`);
      } else {
        const added = h.enum ? [...hv].filter((v) => !bv.has(v)) : [];
        if (b.enum && (added.length || !h.enum))
          this.changes.push(`${where}: enum widened with ${added.join(', ') || 'any value'}`);
      }
    }
    if (b.items || h.items) this.schema(`${where}[]`, dir, b.items, h.items);
    const bp = b.properties ?? {};
    const hp = h.properties ?? {};
    const breq = new Set(b.required ?? []);
    const hreq = new Set(h.required ?? []);
    for (const name of Object.keys(bp)) {
      const at = `${where}.${name}`;
      if (!(name in hp)) {
        this.changes.push(`${at}: removed`);
        continue;
      }
      if (dir === 'request' && !breq.has(name) && hreq.has(name)) this.changes.push(`${at}: now required`);
      if (dir === 'response' && breq.has(name) && !hreq.has(name))
        this.changes.push(`${at}: no longer always present`);
      this.schema(at, dir, bp[name], hp[name]);
    }
    if (dir === 'request')
      for (const name of Object.keys(hp))
        if (!(name in bp) && hreq.has(name)) this.changes.push(`${where}.${name}: new required field`);
  }

  operation(name: string, b: Operation, h: Operation): void {
    const params = (op: Operation) => new Map((op.parameters ?? []).map((p) => [`${p.in} ${p.name}`, p]));
    const bps = params(b);
    const hps = params(h);
    for (const [k, p] of bps) {
      const q = hps.get(k);
      if (!q) this.changes.push(`${name} parameter ${k}: removed`);
      else {
        if (!p.required && q.required) this.changes.push(`${name} parameter ${k}: now required`);
        this.schema(`${name} parameter ${k}`, 'request', p.schema, q.schema);
      }
    }
    for (const [k, q] of hps)
      if (!bps.has(k) && q.required) this.changes.push(`${name} parameter ${k}: new required parameter`);

    if (b.requestBody || h.requestBody) {
      if (!b.requestBody?.required && h.requestBody?.required)
        this.changes.push(`${name} request body: now required`);
      for (const [type, media] of Object.entries(b.requestBody?.content ?? {})) {
        const other = h.requestBody?.content?.[type];
        if (!other) this.changes.push(`${name} request body ${type}: no longer accepted`);
        else this.schema(`${name} request body`, 'request', media.schema, other.schema);
      }
    }

    const success = (op: Operation) => Object.keys(op.responses ?? {}).filter((s) => /^2/.test(s));
    for (const status of success(b)) {
      const hr = h.responses?.[status];
      if (!hr) {
        this.changes.push(`${name} response ${status}: removed (now ${success(h).join(', ') || 'none'})`);
        continue;
      }
      const br = b.responses![status];
      for (const [type, media] of Object.entries(br.content ?? {})) {
        const other = hr.content?.[type];
        if (!other) this.changes.push(`${name} response ${status} ${type}: removed`);
        else this.schema(`${name} response ${status}`, 'response', media.schema, other.schema);
      }
    }

    const ways = (op: Operation) => new Set((op.security ?? []).map((s) => Object.keys(s).sort().join('+')));
    const bw = ways(b);
    const hw = ways(h);
    if (b.security && h.security) {
      if (bw.size === 0 && hw.size > 0)
        this.changes.push(`${name} security: now needs ${[...hw].join(' or ')}`);
      for (const w of bw)
        if (hw.size > 0 && !hw.has(w)) this.changes.push(`${name} security: ${w} no longer accepted`);
    }
  }
}

/** The breaking changes from `base` to `head`, one line each (empty when none). */
export function breakingChanges(base: ApiDocument, head: ApiDocument): string[] {
  const c = new Comparer(base, head);
  for (const [path, item] of Object.entries(base.paths)) {
    for (const method of METHODS) {
      const op = item[method] as Operation | undefined;
      if (!op) continue;
      const name = `${method.toUpperCase()} ${path}`;
      const other = head.paths[path]?.[method] as Operation | undefined;
      if (!other) c.changes.push(`${name}: operation removed`);
      else c.operation(name, op, other);
    }
  }
  return [...new Set(c.changes)].sort();
}
