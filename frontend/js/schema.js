// Reading the scenario's fields, choices, defaults and limits from the API's OpenAPI document,
// so the page never keeps a second copy of them. Pure; tolerant of the shapes pydantic and
// FastAPI emit ($ref, anyOf with null for Optional, allOf wrappers, oneOf + discriminator).

/** Follows a local "#/components/schemas/Name" reference. */
export function deref(doc, schema, seen = new Set()) {
  let s = schema;
  while (s && typeof s === 'object' && typeof s.$ref === 'string') {
    if (seen.has(s.$ref)) throw new Error(`cyclic $ref ${s.$ref}`);
    seen.add(s.$ref);
    const path = s.$ref.replace(/^#\//, '').split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let target = doc;
    for (const p of path) target = target?.[p];
    if (!target) throw new Error(`unresolved $ref ${s.$ref}`);
    // Keywords next to $ref (a default, a description) win over the referenced schema's.
    const { $ref, ...rest } = s;
    s = { ...target, ...rest };
  }
  return s;
}

const isNullSchema = (s) => s && (s.type === 'null' || (Array.isArray(s.enum) && s.enum.length === 1 && s.enum[0] === null));

/**
 * Normalises one field schema into a descriptor:
 * {type: 'enum'|'number'|'integer'|'boolean'|'string'|'object'|'array'|'union'|'any',
 *  enum, default, nullable, minimum, maximum, exclusiveMinimum, exclusiveMaximum,
 *  minItems, maxItems, items, properties, required, variants, discriminator, title, description}
 */
export function describe(doc, schema) {
  let s = deref(doc, schema ?? {});
  const meta = { title: s.title, description: s.description, default: s.default };
  let nullable = false;
  // allOf with one member is how some generators attach metadata to a $ref.
  if (Array.isArray(s.allOf) && s.allOf.length === 1) {
    const { allOf, ...rest } = s;
    s = { ...deref(doc, allOf[0]), ...stripUndefined(rest) };
  }
  const alts = s.anyOf ?? s.oneOf;
  if (Array.isArray(alts)) {
    const members = alts.map((a) => deref(doc, a));
    const nonNull = members.filter((m) => !isNullSchema(m));
    nullable = nonNull.length < members.length;
    if (nonNull.length === 1) {
      const { anyOf, oneOf, ...rest } = s;
      const inner = describe(doc, nonNull[0]);
      return finish({ ...inner, ...stripUndefined(pick(rest, ['title', 'description', 'default'])), nullable: true });
    }
    if (nonNull.every((m) => Array.isArray(m.enum) || m.const !== undefined)) {
      const values = nonNull.flatMap((m) => (m.const !== undefined ? [m.const] : m.enum));
      return finish({ ...meta, type: 'enum', enum: values, nullable });
    }
    const discriminator = s.discriminator?.propertyName ?? guessDiscriminator(doc, nonNull);
    const variants = nonNull.map((m) => describe(doc, m));
    return finish({ ...meta, type: 'union', variants, discriminator, nullable });
  }
  if (Array.isArray(s.type)) {
    nullable = s.type.includes('null');
    s = { ...s, type: s.type.find((t) => t !== 'null') };
  }
  if (Array.isArray(s.enum) || s.const !== undefined) {
    const values = (s.const !== undefined ? [s.const] : s.enum).filter((v) => v !== null);
    return finish({ ...meta, type: 'enum', enum: values, nullable: nullable || (s.enum ?? []).includes(null) });
  }
  const base = { ...meta, nullable, type: s.type ?? (s.properties ? 'object' : 'any') };
  for (const k of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minItems', 'maxItems', 'minLength', 'maxLength']) {
    if (s[k] !== undefined) base[k] = s[k];
  }
  if (base.type === 'object' && s.properties) {
    base.properties = {};
    for (const [name, sub] of Object.entries(s.properties)) base.properties[name] = describe(doc, sub);
    base.required = s.required ?? [];
  }
  if (base.type === 'array' && s.items) base.items = describe(doc, s.items);
  return finish(base);
}

function finish(d) {
  return stripUndefined(d);
}

function stripUndefined(o) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function pick(o, keys) {
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));
}

/** A property that every variant pins to a single value (pydantic tagged unions without a discriminator). */
function guessDiscriminator(doc, members) {
  const first = members[0]?.properties;
  if (!first) return undefined;
  for (const name of Object.keys(first)) {
    const ok = members.every((m) => {
      const p = m.properties?.[name] && deref(doc, m.properties[name]);
      return p && (p.const !== undefined || (Array.isArray(p.enum) && p.enum.length === 1));
    });
    if (ok) return name;
  }
  return undefined;
}

/**
 * The scenario schema: the `scenario` property of the request body of POST …/snapshot,
 * falling back to components named Scenario / Scenario-Input.
 */
export function scenarioSchema(doc) {
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!/\/snapshot$/.test(path) || !item.post) continue;
    const body = item.post.requestBody?.content?.['application/json']?.schema;
    if (!body) continue;
    const req = describe(doc, body);
    if (req.properties?.scenario) return req.properties.scenario;
  }
  const comps = doc.components?.schemas ?? {};
  for (const name of ['Scenario', 'Scenario-Input', 'ScenarioIn']) {
    if (comps[name]) return describe(doc, { $ref: `#/components/schemas/${name}` });
  }
  throw new Error('The API document has no scenario schema.');
}

/** Descriptor of a nested field by path, e.g. ['optimizer', 'lr']. */
export function fieldAt(desc, path) {
  let d = desc;
  for (const p of path) {
    if (!d) return undefined;
    if (d.type === 'union') d = d.variants.find((v) => v.properties?.[p])?.properties?.[p];
    else d = d.properties?.[p];
  }
  return d;
}

/** The variant of a union whose discriminator property equals `kind`. */
export function variantFor(union, kind) {
  const key = union.discriminator;
  return union.variants.find((v) => {
    const p = v.properties?.[key];
    return p && p.type === 'enum' && p.enum.includes(kind);
  });
}

/** Range and step attributes for a numeric input. */
export function numericLimits(d) {
  const out = {};
  const lo = d.minimum ?? d.exclusiveMinimum;
  const hi = d.maximum ?? d.exclusiveMaximum;
  if (typeof lo === 'number') out.min = lo;
  if (typeof hi === 'number') out.max = hi;
  out.step = d.type === 'integer' ? 1 : 'any';
  return out;
}

/**
 * Checks a value against a descriptor's limits; returns an error text or null. The server is the
 * authority (it answers 422); this only catches obvious typos before a round trip.
 */
export function checkValue(d, v) {
  if (v === null || v === undefined) return d.nullable ? null : 'required';
  if (d.type === 'integer' && !Number.isInteger(v)) return 'must be a whole number';
  if (d.type === 'number' || d.type === 'integer') {
    if (!Number.isFinite(v)) return 'must be a number';
    if (d.minimum !== undefined && v < d.minimum) return `must be ≥ ${d.minimum}`;
    if (d.maximum !== undefined && v > d.maximum) return `must be ≤ ${d.maximum}`;
    if (d.exclusiveMinimum !== undefined && v <= d.exclusiveMinimum) return `must be > ${d.exclusiveMinimum}`;
    if (d.exclusiveMaximum !== undefined && v >= d.exclusiveMaximum) return `must be < ${d.exclusiveMaximum}`;
  }
  if (d.type === 'enum' && !d.enum.includes(v)) return `must be one of ${d.enum.join(', ')}`;
  return null;
}

/**
 * Fields whose description names some values of a sibling "kind" enum apply only to those
 * values ("Momentum (sgd only)"): returns the set of kinds a field applies to, or null for all.
 */
export function appliesTo(fieldDesc, kinds) {
  const text = fieldDesc?.description;
  if (!text || !kinds?.length) return null;
  const named = kinds.filter((k) => new RegExp(`(^|[^\\w])${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w]|$)`).test(text));
  return named.length ? new Set(named) : null;
}

/**
 * A complete value from a descriptor's defaults: objects collect their properties' defaults
 * (recursively), enums without a default take their first choice when `required`.
 * Nullable fields without a default are left out (the API then chooses, e.g. by the data).
 */
export function defaultsFor(d, required = true) {
  if (!d) return undefined;
  if (d.default !== undefined) return structuredClone(d.default);
  if (d.nullable) return undefined;
  if (d.type === 'object' && d.properties) {
    const out = {};
    for (const [name, p] of Object.entries(d.properties)) {
      const v = defaultsFor(p, (d.required ?? []).includes(name));
      if (v !== undefined && v !== null) out[name] = v;
    }
    return out;
  }
  if (d.type === 'enum' && required && !d.nullable) return d.enum[0];
  return undefined;
}

/** Limits of a request field of an endpoint, e.g. ('train', 'steps'). */
export function requestField(doc, endpoint, field) {
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!path.endsWith(`/${endpoint}`) || !item.post) continue;
    const body = item.post.requestBody?.content?.['application/json']?.schema;
    if (body) return describe(doc, body).properties?.[field];
  }
  return undefined;
}
