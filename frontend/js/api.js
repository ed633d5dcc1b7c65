// The only module that knows URLs and fetch. Every call returns parsed JSON or throws ApiError.

// The API lives at the site's root, whatever path the page or its (versioned) assets have.
const ORIGIN = globalThis.location?.origin ?? 'http://localhost';
const BASE = new URL('/api/v1/', ORIGIN);
const OPENAPI = new URL('/openapi.json', ORIGIN);

export class ApiError extends Error {
  constructor(status, body, path) {
    super(describeError(status, body, path));
    this.status = status;
    this.body = body;
    this.path = path;
  }

  /** [{field: 'optimizer.lr', message: '…'}] from a 422 body. */
  get fields() {
    return fieldErrors(this.body);
  }
}

/** The API's 422 detail: [{loc: ['body', 'scenario', 'optimizer', 'lr'], msg, type}] (or a string). */
export function fieldErrors(body) {
  const detail = body?.detail;
  if (!Array.isArray(detail)) return [];
  return detail.map((d) => {
    const parts = d.loc.filter((p) => p !== 'body');
    if (parts[0] === 'scenario') parts.shift();
    return { field: parts.join('.'), message: d.msg };
  });
}

function describeError(status, body, path) {
  const fields = fieldErrors(body);
  if (fields.length) return fields.map((f) => (f.field ? `${f.field}: ${f.message}` : f.message)).join('; ');
  if (typeof body?.detail === 'string') return body.detail;
  if (typeof body === 'string' && body) return body.slice(0, 300);
  if (status === 0) return `The server did not answer (${path}).`;
  return `HTTP ${status} from ${path}`;
}

// The answers the server put into the page for its default open (static.py's boot block: the
// OpenAPI document, the presets, the default scenario's first answers), each with the request
// it answers. A request that is exactly one of them (method, path and query, body as JSON
// values) is answered from the page, once; any other goes to the network.
let boot = null; // Map: requestKey -> answer
const canonical = (v) =>
  Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])])) : v;
const requestKey = (method, url, body) => `${method} ${url.pathname}${url.search} ${JSON.stringify(canonical(body ?? null))}`;

function bootAnswer(method, url, body) {
  if (boot === null) {
    boot = new Map();
    const block = globalThis.document?.getElementById('boot');
    try {
      for (const e of block ? JSON.parse(block.textContent) : []) boot.set(requestKey(e.method, new URL(e.path, ORIGIN), e.body), e.answer);
    } catch {
      boot.clear(); // a damaged block: every request goes to the network
    }
  }
  if (boot.size === 0) return undefined;
  const key = requestKey(method, url, body);
  const answer = boot.get(key);
  boot.delete(key);
  return answer;
}

async function request(method, path, body, { signal } = {}) {
  const url = path === 'openapi' ? OPENAPI : new URL(path, BASE);
  const early = bootAnswer(method, url, body);
  if (early !== undefined) return early;
  let res;
  try {
    res = await fetch(url, {
      method,
      signal,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, null, path);
  }
  const text = await res.text();
  let data = text;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a proxy's error page): keep the text for the message.
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data, path);
    err.retryAfter = Number(res.headers.get('Retry-After')) || null;
    throw err;
  }
  return data;
}

// A short link's scenario is answered by the link's cacheable GETs (same JSON as the POSTs), as
// long as the page shows exactly that scenario object; any change makes a new object, and POST.
let link = null; // {id, scenario, engine}
/** Routes requests about `scenario` to the GETs of link `id` (engine: /health's engine_version). */
export function useLink(next) {
  link = next && next.id && next.scenario ? next : null;
}
const viaLink = (scenario) => link !== null && scenario === link.scenario;
const linkPath = (kind, params) => `links/${link.id}/${kind}?${new URLSearchParams({ ...params, v: link.engine })}`;

export const getHealth = (opts) => request('GET', 'health', undefined, opts);
export const getOpenApi = (opts) => request('GET', 'openapi', undefined, opts);
export const getPresets = (opts) => request('GET', 'presets', undefined, opts);
/** A few points of every generated 2-D data set, for its picture: {engine_version, kinds: [{kind, task, extent, points}]}. */
export const getDatasetThumbnails = (opts) => request('GET', 'dataset-thumbnails', undefined, opts);

/** State after `step` updates: {step, epoch, params, metrics, diverged, diverged_at_step}. */
export const postSnapshot = (scenario, step, opts) =>
  viaLink(scenario) ? request('GET', linkPath('snapshot', { step }), undefined, opts) : request('POST', 'snapshot', { scenario, step }, opts);

/** The update from `step` to `step + 1`, with its trace. */
export const postStep = (scenario, step, traceSamples, opts) =>
  viaLink(scenario)
    ? request('GET', linkPath('step', { step, trace_samples: traceSamples || 32 }), undefined, opts)
    : request('POST', 'step', traceSamples ? { scenario, step, trace_samples: traceSamples } : { scenario, step }, opts);

/** `steps` updates from `step`, with their history. */
export const postTrain = (scenario, step, steps, extra, opts) =>
  request('POST', 'train', { scenario, step, steps, ...extra }, opts);

/** Unit outputs of every layer over the input plane, base64 float32 grids. */
export const postHeatmaps = (scenario, step, resolution, opts) =>
  viaLink(scenario) ? request('GET', linkPath('heatmaps', { step, resolution }), undefined, opts) : request('POST', 'heatmaps', { scenario, step, resolution }, opts);

/** Stores a view as a short link: {id, url, qr_svg_url, scenario, step, view, title, …}. */
export const createLink = (body, opts) => request('POST', 'links', body, opts);

/** {public_base_url, loopback, addresses: [{interface, address, base_url}]}: where students reach this server. */
export const getNetworkAddresses = (opts) => request('GET', 'network-addresses', undefined, opts);
/** A stored link, exactly as created. */
export const getLink = (id, opts) => request('GET', `links/${encodeURIComponent(id)}`, undefined, opts);

/** Every data row with the split at `step` (points added by events up to `step` included). */
export const postDataset = (scenario, step, opts) => request('POST', 'dataset', { scenario, step }, opts);
