// The pure parts of a live class (API.md "Live classes"): reading and writing class codes, the
// lecturer's publishing throttle, the students' reconnection backoff, and the question a poll
// asks for the phase on screen with its answer read from the trace. No DOM: runs under node.

import { updateIndex } from '../phases.js';

// Crockford base32 reads the look-alikes as digits: O is 0, I and L are 1.
const LOOKALIKES = { O: '0', I: '1', L: '1' };

/** A code as typed or scanned (any case, spaces or dashes) as the server writes it; '' if none. */
export function normalizeCode(text) {
  return String(text ?? '')
    .toUpperCase()
    .replace(/[^0-9A-Z]/g, '')
    .replace(/[OIL]/g, (c) => LOOKALIKES[c]);
}

/** A code in groups of four to read aloud: "K7QM3XPA" → "K7QM-3XPA". */
export function formatCode(code) {
  return normalizeCode(code).match(/.{1,4}/g)?.join('-') ?? '';
}

/** The class code of a class page's path (/c/{code}), normalized; null for any other path. */
export function classCodeOf(pathname) {
  const m = /^\/c\/([^/]{1,64})\/?$/.exec(pathname ?? '');
  if (!m) return null;
  let raw = m[1];
  try {
    raw = decodeURIComponent(raw);
  } catch {
    return null;
  }
  if (!/^[0-9A-Za-z _.-]+$/.test(raw)) return null;
  const code = normalizeCode(raw);
  return code.length >= 4 ? code : null;
}

/** Delays for reconnecting: min, then doubling up to max; reset() after a good connection. */
export function createBackoff({ min = 500, max = 5000 } = {}) {
  let next = min;
  return {
    next() {
      const d = next;
      next = Math.min(max, next * 2);
      return d;
    },
    reset() {
      next = min;
    },
  };
}

/**
 * Sends the latest state at most once per `interval` ms, one request at a time: request() says
 * "the state changed"; send() reads the state itself when it runs (latest wins), and a change
 * while a request is out is sent after it. A failed send (it throws or resolves false) is
 * retried with the backoff's growing delays until one succeeds.
 */
export function createThrottle(send, { interval = 250, now = () => Date.now(), setTimer = setTimeout, clearTimer = clearTimeout, backoff = createBackoff({ min: interval * 2, max: 5000 }) } = {}) {
  let pending = false;
  let inflight = false;
  let lastStart = -Infinity;
  let retryAt = -Infinity;
  let timer = null;
  let stopped = false;

  function kick() {
    if (stopped || !pending || inflight || timer !== null) return;
    const wait = Math.max(lastStart + interval, retryAt) - now();
    if (wait > 0) {
      timer = setTimer(() => {
        timer = null;
        kick();
      }, wait);
      return;
    }
    pending = false;
    inflight = true;
    lastStart = now();
    Promise.resolve()
      .then(send)
      .then(
        (ok) => ok !== false,
        () => false,
      )
      .then((ok) => {
        inflight = false;
        if (ok) {
          backoff.reset();
          retryAt = -Infinity;
        } else {
          pending = true;
          retryAt = now() + backoff.next();
        }
        kick();
      });
  }

  return {
    request() {
      pending = true;
      kick();
    },
    stop() {
      stopped = true;
      pending = false;
      if (timer !== null) clearTimer(timer);
      timer = null;
    },
    /** True while a change waits to be sent or a request is out. */
    get busy() {
      return pending || inflight;
    },
  };
}

export const WEIGHT_QUESTION = 'Which way will this weight move?';
export const LOSS_QUESTION = 'Will the loss go up or down?';

/** The coming update is on screen: the trace of step k → k+1, before its update phase. */
export const beforeUpdate = (state) => !!state.trace?.layers && state.trace.fromStep === state.step && state.phase < updateIndex(state.trace.layers);

/**
 * The question to ask for the state on screen, about the next update (the one from the step
 * shown): with an edge selected before the update, which way that weight moves; otherwise
 * whether the whole-set training loss goes up or down.
 */
export function defaultQuestion(state) {
  const sel = state.selection;
  if (sel?.kind === 'edge' && beforeUpdate(state)) {
    return { kind: 'weight', question: WEIGHT_QUESTION, choices: ['up', 'down', 'stays'], sel: { ...sel }, fromStep: state.step };
  }
  const before = state.snapshot?.step === state.step ? state.snapshot?.metrics?.train_loss : null;
  return { kind: 'loss', question: LOSS_QUESTION, choices: ['up', 'down'], fromStep: state.step, lossBefore: Number.isFinite(before) ? before : null };
}

/** The weight question about a given edge (lecture mode's predict-then-reveal). */
export const weightQuestion = (sel, fromStep) => ({ kind: 'weight', question: WEIGHT_QUESTION, choices: ['up', 'down', 'stays'], sel: { ...sel }, fromStep });

/**
 * The answer to an asked question once its update is on screen (the trace of fromStep → +1 at
 * its update phase): the choice's index and what happened, read from numbers the server sent
 * (the weight's update_W, the training loss before and after). null while it is not known.
 */
export function answerOf(asked, state) {
  const t = state.trace;
  if (!asked || !t?.layers || t.fromStep !== asked.fromStep || state.phase !== updateIndex(t.layers)) return null;
  if (asked.kind === 'weight') {
    const { layer, to, from } = asked.sel;
    const L = t.layers[layer - 1];
    const d = L?.update_W?.[to]?.[from];
    const w = L?.W?.[to]?.[from];
    if (!Number.isFinite(d)) return null;
    return { index: d > 0 ? 0 : d < 0 ? 1 : 2, before: w, after: L.W_after?.[to]?.[from], change: d };
  }
  const after = t.after?.metrics?.train_loss;
  const before = asked.lossBefore;
  if (!Number.isFinite(after) || !Number.isFinite(before) || after === before) return null;
  return { index: after > before ? 0 : 1, before, after, change: after - before };
}

/** "7 of 12 got it" from a tally {counts, voters} and the answer's index. */
export function gotIt(tally, index) {
  const voters = tally?.voters ?? 0;
  const right = tally?.counts?.[index] ?? 0;
  if (!voters) return 'Nobody answered.';
  return `${right} of ${voters} got it.`;
}

/** A poll of GET /classes/{code} ({poll_id, question, choices, open, counts, voters, answer}),
 * or of a poll event ({version, poll}); null when there is none. */
export function readPoll(raw) {
  const p = raw && 'poll' in raw ? raw.poll : raw;
  if (!p || !Array.isArray(p.choices)) return null;
  return { id: p.poll_id, question: p.question, choices: p.choices, open: !!p.open, counts: p.counts ?? p.choices.map(() => 0), voters: p.voters ?? 0, answer: Number.isInteger(p.answer) ? p.answer : null };
}
