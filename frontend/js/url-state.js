// The view in the address bar: what a link must reproduce, written to and read from the URL's
// fragment. Pure (no DOM, no history): runs under node --test.
//
// Fragment, version 1:  #v=1&s=z…&k=12&p=3&i=0&c=gradient&lec=1&cmp=z…
//   v    format version of the fragment (decoders of older versions are kept: DECODERS)
//   the other names are state.js's URL_FIELDS: s the scenario, k step, p phase index (−1 ready,
//   absent = −1), i selected sample, c colour mode, lec lecture mode, cmp the compared scenario
// A scenario is written as the difference from BASE_V1 (a fixed scenario that never changes:
// another base would be another format version), as JSON, deflate-raw compressed, base64url.
// The first letter says how: "z" compressed, "j" plain (where CompressionStream is missing).
// On a short link (/s/{id}) the fragment may leave out `s`: the link's own scenario is meant.

import { URL_FIELDS } from './state.js';

export const FORMAT_VERSION = 1;

/** The API's default scenario when format 1 was made. Frozen: links are differences from it. */
export const BASE_V1 = Object.freeze({
  format_version: 1,
  dataset: { kind: 'circle', n_samples: 500, noise: 0, train_fraction: 0.5, seed: 1 },
  features: ['x1', 'x2'],
  hidden_layers: [4, 2],
  activation: 'tanh',
  init: { scheme: 'xavier_uniform', scale: 1, bias: 0, seed: 1 },
  train_biases: true,
  optimizer: { kind: 'sgd', lr: 0.03, momentum: 0, nesterov: false, alpha: 0.99, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0 },
  schedule: { kind: 'constant', step_size: 100, gamma: 0.5, total_steps: 1000, min_lr: 0, warmup_steps: 100, max_lr: 0.3 },
  regularization: { kind: 'none', rate: 0 },
  clip: { kind: 'none', threshold: 1 },
  batch_size: 10,
});

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const same = (a, b) => a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * The difference from `base` to `target` as operations: [path, value] sets a value (objects are
 * descended into; arrays and numbers are replaced whole), [path] deletes a key. Paths are arrays
 * of keys. applyDiff(base, diffScenario(base, t)) equals t, key for key (null values included).
 */
export function diffScenario(base, target, path = [], ops = []) {
  for (const key of Object.keys(base)) {
    if (target[key] === undefined) ops.push([[...path, key]]);
  }
  for (const [key, value] of Object.entries(target)) {
    if (value === undefined) continue;
    const from = base[key];
    if (isObject(from) && isObject(value)) diffScenario(from, value, [...path, key], ops);
    else if (!(key in base) || !same(from, value)) ops.push([[...path, key], value]);
  }
  return ops;
}

/** The scenario that `ops` make of `base` (a new object; base is not changed). */
export function applyDiff(base, ops) {
  const out = structuredClone(base);
  for (const op of ops) {
    if (!Array.isArray(op) || !Array.isArray(op[0]) || op[0].length === 0) throw new Error('bad operation in the link');
    const keys = op[0];
    let o = out;
    for (const k of keys.slice(0, -1)) {
      if (!isObject(o[k])) o[k] = {};
      o = o[k];
    }
    const last = keys.at(-1);
    if (op.length === 1) delete o[last];
    else o[last] = structuredClone(op[1]);
  }
  return out;
}

// ---- base64url and compression

export function bytesToBase64url(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function base64urlToBytes(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('the link is damaged (not base64url)');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function pipe(bytes, stream) {
  const buf = await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer();
  return new Uint8Array(buf);
}

/** JSON text -> "z" + base64url(deflate-raw) (or "j" + base64url(UTF-8) without CompressionStream). */
export async function packJson(value) {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  if (typeof CompressionStream === 'function') return `z${bytesToBase64url(await pipe(bytes, new CompressionStream('deflate-raw')))}`;
  return `j${bytesToBase64url(bytes)}`;
}

export async function unpackJson(text) {
  const kind = text[0];
  let bytes = base64urlToBytes(text.slice(1));
  if (kind === 'z') {
    if (typeof DecompressionStream !== 'function') throw new Error('this browser cannot read compressed links');
    bytes = await pipe(bytes, new DecompressionStream('deflate-raw'));
  } else if (kind !== 'j') throw new Error('the link is damaged (unknown encoding)');
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** A scenario as the fragment writes it (format 1): the difference from BASE_V1, packed. */
export const encodeScenario = (scenario) => packJson(diffScenario(BASE_V1, scenario));
export const decodeScenarioV1 = async (text) => applyDiff(BASE_V1, await unpackJson(text));

// ---- the whole fragment (its fields: URL_FIELDS of state.js)

/**
 * view: the state's URL_FIELDS by key ({step, phase, sample, colorMode, lecture, scenario?,
 * compare?}). Scenario fields are passed already packed (encodeScenario), so a caller can cache
 * them. A field is written when it differs from its default.
 */
export function fragmentOf(view) {
  const p = new URLSearchParams();
  p.set('v', String(FORMAT_VERSION));
  for (const { key, default: fallback, url } of URL_FIELDS) {
    const value = view[key];
    if (value === undefined || value === null || value === fallback) continue;
    if (url.kind === 'int' && Number.isInteger(value) && value >= url.min) p.set(url.name, String(value));
    else if (url.kind === 'enum' && url.values.includes(value)) p.set(url.name, value);
    else if (url.kind === 'flag' && value === true) p.set(url.name, '1');
    else if (url.kind === 'scenario') p.set(url.name, value);
  }
  return `#${p.toString()}`;
}

/** A fragment field's value, or its default when absent or not valid. */
async function readField({ default: fallback, url }, p) {
  const text = p.get(url.name);
  if (url.kind === 'scenario') return text === null ? null : decodeScenarioV1(text);
  if (url.kind === 'flag') return text === '1';
  if (url.kind === 'enum') return url.values.includes(text) ? text : fallback;
  if (text === null || text === '') return fallback;
  const n = Number(text);
  return Number.isInteger(n) && n >= url.min ? n : fallback;
}

async function decodeV1(p) {
  const view = { version: 1 };
  for (const field of URL_FIELDS) view[field.key] = await readField(field, p);
  return view;
}

/** One decoder per format version that ever existed: old links keep opening. */
export const DECODERS = { 1: decodeV1 };

/** True when the fragment is one of ours (it names a format version). */
export const isViewFragment = (hash) => new URLSearchParams(String(hash ?? '').replace(/^#/, '')).has('v');

/**
 * The view a fragment describes: {version, step, phase, sample, colorMode, lecture, scenario,
 * compare} (scenario/compare null when absent). Throws an Error with a readable message.
 */
export async function decodeFragment(hash) {
  const p = new URLSearchParams(String(hash ?? '').replace(/^#/, ''));
  const v = Number(p.get('v'));
  const decode = DECODERS[v];
  if (!decode) {
    throw new Error(v > FORMAT_VERSION ? `This link was made by a newer version of the playground (format ${v}).` : `Not a playground link (format "${p.get('v')}").`);
  }
  return decode(p);
}

/** The id of a short link page (/s/{id}), or null. */
export function linkIdOf(pathname) {
  const m = /^\/s\/([A-Za-z0-9_-]{1,64})\/?$/.exec(pathname ?? '');
  return m ? m[1] : null;
}

/** JSON with sorted keys: two scenarios are the same exactly when these are equal. */
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).filter((k) => value[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const sameScenario = (a, b) => a === b || (!!a && !!b && canonicalJson(a) === canonicalJson(b));
