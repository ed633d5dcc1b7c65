// The live-class routes of the API (API.md "Live classes"), and the class's event stream with
// its own reconnection. Kept beside api.js (which owns every other URL) in the same style: every
// call returns parsed JSON (null for 204) or throws api.js's ApiError.

import { ApiError } from '../api.js';
import { createBackoff } from './class-core.js';

const ORIGIN = globalThis.location?.origin ?? 'http://localhost';
const BASE = new URL('/api/v1/', ORIGIN);
const path = (code, rest = '') => `classes/${encodeURIComponent(code)}${rest}`;

async function request(method, where, { body, key } = {}) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (key) headers.Authorization = `Bearer ${key}`;
  let res;
  try {
    res = await fetch(new URL(where, BASE), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, null, where);
  }
  const text = await res.text();
  let data = text;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // a proxy's error page: keep the text for the message
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data, where);
    err.retryAfter = Number(res.headers.get('Retry-After')) || null;
    throw err;
  }
  return data;
}

/**
 * {code, lecturer_key, join_url, version, link_id}. body: {title?, scenario, step, view}; base:
 * the network address picked for the join address (when PUBLIC_BASE_URL is not set).
 */
export const createClass = (body, { base } = {}) => request('POST', base ? `classes?${new URLSearchParams({ base })}` : 'classes', { body });
/** {code, title, version, link_id, step, view, poll, followers}. */
export const getClass = (code) => request('GET', path(code));
/** {version, link_id}. body: {scenario?, step, view}. */
export const putView = (code, key, body) => request('PUT', path(code, '/view'), { body, key });
export const endClass = (code, key) => request('DELETE', path(code), { key });
/** {poll_id}. */
export const openPoll = (code, key, question, choices) => request('POST', path(code, '/polls'), { body: { question, choices }, key });
/** The final tally {counts, voters, answer}. */
export const closePoll = (code, key, pollId, answer) => request('POST', path(code, `/polls/${encodeURIComponent(pollId)}/close`), { body: answer === null || answer === undefined ? {} : { answer }, key });
export const vote = (code, pollId, voter, choice) => request('POST', path(code, `/polls/${encodeURIComponent(pollId)}/votes`), { body: { voter, choice } });

/** The address of the class's QR code (base: the network address picked, when there is one). */
export function qrUrl(code, { scale, base } = {}) {
  const q = new URLSearchParams();
  if (scale) q.set('scale', String(scale));
  if (base) q.set('base', base);
  const qs = q.toString();
  return `${new URL(path(code, '/qr.svg'), BASE).pathname}${qs ? `?${qs}` : ''}`;
}

export const EVENT_TYPES = ['view', 'poll', 'tally', 'end'];

/**
 * Follows the class's events (view, poll, tally, end) with the browser's EventSource. It retries by
 * itself after a dropped connection, but gives up on an answer that is not 200 (a proxy's 502
 * while the server restarts): then this reconnects with ?last_event_id= after a growing delay
 * (0.5 s up to 5 s), asking first whether the class still exists (onEnded on a 404).
 * handlers: {onEvent(type, data, id), onOpen(), onDown(), onEnded()}. Returns {close()}.
 */
export function followClass(code, handlers, { EventSourceImpl = globalThis.EventSource, getClassImpl = getClass, setTimer = setTimeout, backoff = createBackoff({ min: 500, max: 5000 }) } = {}) {
  let es = null;
  let lastId = null;
  let closed = false;
  let timer = null;

  function connect() {
    if (closed) return;
    const url = new URL(path(code, '/events'), BASE);
    if (lastId !== null) url.searchParams.set('last_event_id', lastId);
    es = new EventSourceImpl(url.pathname + url.search);
    es.addEventListener('open', () => {
      backoff.reset();
      handlers.onOpen?.();
    });
    for (const type of EVENT_TYPES) {
      es.addEventListener(type, (e) => {
        if (e.lastEventId) lastId = e.lastEventId;
        let data;
        try {
          data = JSON.parse(e.data);
        } catch {
          return;
        }
        handlers.onEvent(type, data, e.lastEventId);
      });
    }
    es.addEventListener('error', () => {
      handlers.onDown?.();
      // CONNECTING: the browser retries by itself; CLOSED: it gave up, so this page retries.
      if (es.readyState === 2) {
        es.close();
        later();
      }
    });
  }

  function later() {
    if (closed || timer !== null) return;
    timer = setTimer(async () => {
      timer = null;
      if (closed) return;
      try {
        await getClassImpl(code);
      } catch (err) {
        if (err?.status === 404) {
          closed = true;
          handlers.onEnded?.();
          return;
        }
        later(); // still down
        return;
      }
      connect();
    }, backoff.next());
  }

  connect();
  return {
    close() {
      closed = true;
      es?.close();
    },
    get lastEventId() {
      return lastId;
    },
  };
}
