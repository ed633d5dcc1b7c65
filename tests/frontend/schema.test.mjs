import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  appliesTo, checkValue, defaultsFor, deref, describe, fieldAt, numericLimits, requestField, scenarioSchema,
} from '../../frontend/js/schema.js';

// A trimmed copy of the API's /openapi.json (the request schemas the page reads).
const doc = JSON.parse(readFileSync(new URL('./fixtures/openapi.json', import.meta.url)));

test('finds the scenario schema through the snapshot request body', () => {
  const sc = scenarioSchema(doc);
  assert.equal(sc.type, 'object');
  assert.ok(sc.properties.dataset && sc.properties.optimizer && sc.properties.hidden_layers);
  assert.deepEqual(sc.required, ['dataset']);
});

test('reads enums, defaults and limits through $ref', () => {
  const sc = scenarioSchema(doc);
  const kind = fieldAt(sc, ['dataset', 'kind']);
  assert.equal(kind.type, 'enum');
  assert.ok(kind.enum.includes('circle') && kind.enum.includes('points'));
  const lr = fieldAt(sc, ['optimizer', 'lr']);
  assert.equal(lr.type, 'number');
  assert.equal(lr.default, 0.03);
  assert.deepEqual(numericLimits(lr), { min: 0, max: 1000, step: 'any' });
  const momentum = fieldAt(sc, ['optimizer', 'momentum']);
  assert.equal(momentum.exclusiveMaximum, 1);
  assert.equal(fieldAt(sc, ['batch_size']).type, 'integer');
});

test('Optional fields (anyOf with null) are nullable and keep their inner type', () => {
  const sc = scenarioSchema(doc);
  const out = sc.properties.output_activation;
  assert.equal(out.type, 'enum');
  assert.equal(out.nullable, true);
  assert.ok(out.enum.includes('softmax'));
  const points = fieldAt(sc, ['dataset', 'points']);
  assert.equal(points.nullable, true);
  assert.equal(points.type, 'object');
});

test('arrays of enums and of integers', () => {
  const sc = scenarioSchema(doc);
  assert.equal(sc.properties.features.type, 'array');
  assert.equal(sc.properties.features.items.type, 'enum');
  assert.deepEqual(sc.properties.features.default, ['x1', 'x2']);
  assert.equal(sc.properties.hidden_layers.items.type, 'integer');
  assert.ok(sc.properties.hidden_layers.maxItems >= 6);
});

test('defaultsFor builds a complete scenario the API accepts, without nullable extras', () => {
  const s = defaultsFor(scenarioSchema(doc));
  assert.equal(s.dataset.kind, fieldAt(scenarioSchema(doc), ['dataset', 'kind']).enum[0]);
  assert.equal(s.optimizer.lr, 0.03);
  assert.equal('points' in s.dataset, false);
  assert.equal('output_activation' in s, false);
  assert.equal('params' in s.init, false);
});

test('request limits of other endpoints', () => {
  assert.ok(requestField(doc, 'train', 'steps').maximum >= 1000);
  assert.equal(requestField(doc, 'step', 'trace_samples').default, 32);
  assert.ok(requestField(doc, 'heatmaps', 'resolution').maximum >= 32);
});

test('field descriptions that name kinds restrict where the field applies', () => {
  const opt = scenarioSchema(doc).properties.optimizer;
  const kinds = opt.properties.kind.enum;
  assert.deepEqual([...appliesTo(opt.properties.beta1, kinds)].sort(), ['adam', 'adamw']);
  assert.deepEqual([...appliesTo(opt.properties.momentum, kinds)], ['sgd']);
  assert.equal(appliesTo(opt.properties.lr, kinds), null);
});

test('checkValue mirrors the schema limits', () => {
  const d = { type: 'number', minimum: 0, exclusiveMaximum: 1 };
  assert.equal(checkValue(d, 0.5), null);
  assert.match(checkValue(d, 1), /< 1/);
  assert.match(checkValue(d, -1), /≥ 0/);
  assert.match(checkValue({ type: 'integer' }, 1.5), /whole/);
  assert.match(checkValue({ type: 'enum', enum: ['a'] }, 'b'), /one of a/);
  assert.equal(checkValue({ type: 'number', nullable: true }, null), null);
});

test('generic shapes: allOf wrappers, oneOf unions with a discriminator, const, type lists', () => {
  const d = {
    components: {
      schemas: {
        A: { type: 'object', properties: { kind: { const: 'a' }, x: { type: 'number' } } },
        B: { type: 'object', properties: { kind: { const: 'b' }, y: { type: 'integer' } } },
        E: { enum: ['p', 'q'], type: 'string' },
      },
    },
  };
  const u = describe(d, { oneOf: [{ $ref: '#/components/schemas/A' }, { $ref: '#/components/schemas/B' }], discriminator: { propertyName: 'kind' } });
  assert.equal(u.type, 'union');
  assert.equal(u.discriminator, 'kind');
  assert.equal(u.variants[1].properties.y.type, 'integer');
  const guessed = describe(d, { anyOf: [{ $ref: '#/components/schemas/A' }, { $ref: '#/components/schemas/B' }] });
  assert.equal(guessed.discriminator, 'kind');
  const wrapped = describe(d, { allOf: [{ $ref: '#/components/schemas/E' }], default: 'q', description: 'pick' });
  assert.deepEqual([wrapped.type, wrapped.enum, wrapped.default, wrapped.description], ['enum', ['p', 'q'], 'q', 'pick']);
  const listType = describe(d, { type: ['integer', 'null'], minimum: 1 });
  assert.deepEqual([listType.type, listType.nullable, listType.minimum], ['integer', true, 1]);
  assert.throws(() => deref(d, { $ref: '#/components/schemas/Missing' }), /unresolved/);
});
