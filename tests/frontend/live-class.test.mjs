import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerOf, classCodeOf, createBackoff, createThrottle, defaultQuestion, formatCode, gotIt, LOSS_QUESTION, normalizeCode, readPoll, WEIGHT_QUESTION } from '../../frontend/js/controls/class-core.js';
import { followClass } from '../../frontend/js/controls/class-api.js';

test('class codes are read in any case, with or without separators, look-alikes as digits', () => {
  assert.equal(normalizeCode('k7qm-3xpa'), 'K7QM3XPA');
  assert.equal(normalizeCode(' K7QM 3XPA '), 'K7QM3XPA');
  assert.equal(normalizeCode('k7qm_3x.pa'), 'K7QM3XPA');
  assert.equal(normalizeCode('oIlO-1234'), '0110' + '1234');
  assert.equal(formatCode('k7qm3xpa'), 'K7QM-3XPA');
  assert.equal(formatCode('K7QM-3XPA'), 'K7QM-3XPA');
  assert.equal(formatCode(''), '');
});

test('a class page names its code; other paths do not', () => {
  assert.equal(classCodeOf('/c/k7qm-3xpa'), 'K7QM3XPA');
  assert.equal(classCodeOf('/c/K7QM3XPA/'), 'K7QM3XPA');
  assert.equal(classCodeOf('/c/k7qm%203xpa'), 'K7QM3XPA');
  assert.equal(classCodeOf('/'), null);
  assert.equal(classCodeOf('/s/abcdefabcdef'), null);
  assert.equal(classCodeOf('/c/'), null);
  assert.equal(classCodeOf('/c/ab'), null);
  assert.equal(classCodeOf('/c/%E0%A4%A'), null); // not decodable
  assert.equal(classCodeOf('/c/<script>'), null);
  assert.equal(classCodeOf('/c/K7QM/3XPA'), null);
});

test('the reconnection backoff doubles from 0.5 s to at most 5 s and resets', () => {
  const b = createBackoff({ min: 500, max: 5000 });
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [500, 1000, 2000, 4000, 5000, 5000]);
  b.reset();
  assert.equal(b.next(), 500);
});

/** A clock and timers that only move when the test says so. */
function fakeTime() {
  let t = 0;
  let timers = [];
  return {
    now: () => t,
    setTimer: (fn, ms) => {
      const timer = { at: t + ms, fn };
      timers.push(timer);
      return timer;
    },
    clearTimer: (timer) => (timers = timers.filter((x) => x !== timer)),
    async advance(ms) {
      const end = t + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > end) break;
        timers.shift();
        t = next.at;
        next.fn();
        await flush();
      }
      t = end;
      await flush();
    },
  };
}
const flush = async () => {
  for (let k = 0; k < 10; k++) await Promise.resolve();
};

test('the throttle sends the latest state, at most once per interval, one request at a time', async () => {
  const time = fakeTime();
  let value = 0;
  const sent = [];
  let release = null;
  const send = () => {
    sent.push({ value, at: time.now() });
    return new Promise((resolve) => (release = resolve));
  };
  const th = createThrottle(send, { interval: 250, now: time.now, setTimer: time.setTimer, clearTimer: time.clearTimer });
  value = 1;
  th.request();
  await flush();
  assert.deepEqual(sent, [{ value: 1, at: 0 }]); // the first change goes at once
  // While the request is out, changes pile up: only the latest is sent, after it.
  for (const v of [2, 3, 4]) {
    value = v;
    th.request();
  }
  await time.advance(400);
  assert.equal(sent.length, 1);
  release(true);
  await flush();
  assert.deepEqual(sent[1], { value: 4, at: 400 });
  release(true);
  // A burst of changes (a Play's frames, every 16 ms) makes at most one request per 250 ms.
  for (let k = 0; k < 60; k++) {
    value = 100 + k;
    th.request();
    await time.advance(16);
    release?.(true);
  }
  const starts = sent.slice(2).map((s) => s.at);
  for (let k = 1; k < starts.length; k++) assert.ok(starts[k] - starts[k - 1] >= 250, `requests ${starts[k - 1]} and ${starts[k]} too close`);
  assert.ok(starts.length >= 3 && starts.length <= 4, `${starts.length} requests in 960 ms`);
  await time.advance(300);
  release?.(true);
  await flush();
  assert.equal(sent.at(-1).value, 159); // the last state is sent in the end
  assert.equal(th.busy, false);
});

test('a failed send is retried with growing delays until it succeeds', async () => {
  const time = fakeTime();
  const at = [];
  let fail = 3;
  const th = createThrottle(
    () => {
      at.push(time.now());
      if (fail-- > 0) throw new Error('network');
      return true;
    },
    { interval: 250, now: time.now, setTimer: time.setTimer, clearTimer: time.clearTimer, backoff: createBackoff({ min: 500, max: 5000 }) },
  );
  th.request();
  await flush();
  await time.advance(10_000);
  assert.deepEqual(at, [0, 500, 1500, 3500]);
  assert.equal(th.busy, false);
  th.stop();
  th.request();
  await time.advance(1000);
  assert.equal(at.length, 4); // stopped: nothing more is sent
});

// ---- the default question and its answer

const layers = (updates) => updates.map((u) => ({ W: [[0.5, -0.2]], update_W: [u], W_after: [[0.5 + u[0], -0.2 + u[1]]] }));
const trace = (fromStep, updates, lossAfter = 0.4) => ({ fromStep, layers: layers(updates), after: { metrics: { train_loss: lossAfter } } });

test('with an edge selected before the update the question is the weight; otherwise the loss', () => {
  const t = trace(12, [[0.01, -0.03], [0, 0]]); // two weight layers: update phase 5
  const edge = { kind: 'edge', layer: 1, from: 1, to: 0 };
  const base = { step: 12, trace: t, snapshot: { step: 12, metrics: { train_loss: 0.5 } } };
  for (const phase of [-1, 0, 2, 4]) {
    const q = defaultQuestion({ ...base, phase, selection: edge });
    assert.equal(q.kind, 'weight', `phase ${phase}`);
    assert.equal(q.question, WEIGHT_QUESTION);
    assert.deepEqual(q.choices, ['up', 'down', 'stays']);
    assert.deepEqual(q.sel, edge);
    assert.equal(q.fromStep, 12);
  }
  // at the update itself (step 13 on screen), with a node selected, or with nothing selected
  const atUpdate = defaultQuestion({ ...base, step: 13, phase: 5, selection: edge, snapshot: { step: 13, metrics: { train_loss: 0.45 } } });
  assert.equal(atUpdate.kind, 'loss');
  assert.equal(atUpdate.question, LOSS_QUESTION);
  assert.equal(atUpdate.fromStep, 13);
  assert.equal(atUpdate.lossBefore, 0.45);
  assert.equal(defaultQuestion({ ...base, phase: 1, selection: { kind: 'node', layer: 1, unit: 0 } }).kind, 'loss');
  const q = defaultQuestion({ ...base, phase: -1, selection: null });
  assert.deepEqual(q.choices, ['up', 'down']);
  assert.equal(q.lossBefore, 0.5);
  // a snapshot of another step is not this step's loss
  assert.equal(defaultQuestion({ ...base, phase: 1, selection: null, snapshot: { step: 11, metrics: { train_loss: 0.6 } } }).lossBefore, null);
});

test('the answer is known once its update is on screen: the sign of update_W, the loss change', () => {
  const t = trace(12, [[0.01, -0.03], [0, 0]], 0.4);
  const sel = (from) => ({ kind: 'edge', layer: 1, from, to: 0 });
  const weight = (from) => ({ kind: 'weight', choices: ['up', 'down', 'stays'], sel: sel(from), fromStep: 12 });
  const shown = { step: 13, phase: 5, trace: t };
  assert.equal(answerOf(weight(0), { ...shown, phase: 4, step: 12 }), null); // not revealed yet
  assert.equal(answerOf(weight(0), { ...shown, trace: trace(13, [[1, 1], [0, 0]]) }), null); // another update
  const up = answerOf(weight(0), shown);
  assert.equal(up.index, 0);
  assert.equal(up.change, 0.01);
  assert.equal(up.before, 0.5);
  assert.equal(answerOf(weight(1), shown).index, 1);
  const flat = { ...shown, trace: trace(12, [[0, 0], [0, 0]]) };
  assert.equal(answerOf(weight(0), flat).index, 2);
  const nonFinite = { ...shown, trace: { ...t, layers: [{ ...t.layers[0], update_W: [[null, null]] }, t.layers[1]] } };
  assert.equal(answerOf(weight(0), nonFinite), null);

  const loss = { kind: 'loss', choices: ['up', 'down'], fromStep: 12, lossBefore: 0.5 };
  assert.equal(answerOf(loss, shown).index, 1);
  assert.equal(answerOf({ ...loss, lossBefore: 0.3 }, shown).index, 0);
  assert.equal(answerOf({ ...loss, lossBefore: null }, shown), null);
  assert.equal(answerOf({ ...loss, lossBefore: 0.4 }, shown), null); // unchanged: neither
});

test('a poll is read from GET /classes and from a poll event alike', () => {
  const poll = { poll_id: 'p1', question: 'Q?', choices: ['up', 'down'], open: false, counts: [2, 5], voters: 7, answer: 1 };
  const want = { id: 'p1', question: 'Q?', choices: ['up', 'down'], open: false, counts: [2, 5], voters: 7, answer: 1 };
  assert.deepEqual(readPoll(poll), want);
  assert.deepEqual(readPoll({ version: 9, poll }), want);
  assert.equal(readPoll({ version: 9, poll: null }), null);
  assert.equal(readPoll(null), null);
  assert.equal(readPoll({ ...poll, answer: null, open: true }).answer, null);
});

test('how many got it', () => {
  assert.equal(gotIt({ counts: [3, 7], voters: 10 }, 1), '7 of 10 got it.');
  assert.equal(gotIt({ counts: [0, 0], voters: 0 }, 1), 'Nobody answered.');
});

// ---- reconnecting the event stream

class FakeEventSource {
  static made = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.listeners = {};
    FakeEventSource.made.push(this);
  }
  addEventListener(type, fn) {
    (this.listeners[type] ??= []).push(fn);
  }
  emit(type, e = {}) {
    for (const fn of this.listeners[type] ?? []) fn(e);
  }
  close() {
    this.readyState = 2;
    this.closed = true;
  }
}

test('after the browser gives up on a non-200 answer, the stream reconnects with last_event_id', async () => {
  FakeEventSource.made = [];
  const delays = [];
  const pending = [];
  const setTimer = (fn, ms) => {
    delays.push(ms);
    pending.push(fn);
  };
  const events = [];
  let alive = true;
  const getClassImpl = async () => {
    if (!alive) throw Object.assign(new Error('gone'), { status: 404 });
    return {};
  };
  let down = 0;
  let ended = 0;
  followClass('K7QM3XPA', { onEvent: (type, data, id) => events.push([type, data, id]), onDown: () => down++, onEnded: () => ended++ }, { EventSourceImpl: FakeEventSource, getClassImpl, setTimer });
  const first = FakeEventSource.made[0];
  assert.equal(first.url, '/api/v1/classes/K7QM3XPA/events');
  first.readyState = 1;
  first.emit('open');
  first.emit('view', { data: '{"step": 3}', lastEventId: '7' });
  first.emit('tally', { data: 'not json', lastEventId: '' });
  assert.deepEqual(events, [['view', { step: 3 }, '7']]);

  // The browser retries by itself (CONNECTING): nothing to do here.
  first.readyState = 0;
  first.emit('error');
  assert.equal(pending.length, 0);
  // A 502: the browser gives up (CLOSED); this reconnects after 0.5 s, then 1 s, …
  first.readyState = 2;
  first.emit('error');
  assert.equal(first.closed, true);
  assert.deepEqual(delays, [500]);
  await pending.shift()();
  const second = FakeEventSource.made[1];
  assert.equal(second.url, '/api/v1/classes/K7QM3XPA/events?last_event_id=7');
  second.readyState = 2;
  second.emit('error');
  await pending.shift()();
  assert.deepEqual(delays, [500, 1000]);
  const third = FakeEventSource.made[2];
  third.emit('open'); // a good connection resets the delay
  third.emit('poll', { data: '{"poll": null}', lastEventId: '9' });
  third.readyState = 2;
  third.emit('error');
  assert.deepEqual(delays, [500, 1000, 500]);
  // The class ended meanwhile: no new stream, onEnded.
  alive = false;
  await pending.shift()();
  assert.equal(FakeEventSource.made.length, 3);
  assert.equal(ended, 1);
  assert.equal(down, 4);
});

// ---- the class's view: what the lecturer's page publishes and a student's page reads back

test('a class view carries the selection and the compared scenario, and reads back', async () => {
  const { createPacker, linkViewOf, viewOfLink } = await import('../../frontend/js/controls/url-sync.js');
  const { initialState } = await import('../../frontend/js/state.js');
  const compare = { title: 'B', hidden_layers: [] };
  const state = { ...initialState(), step: 7, phase: 3, colorMode: 'gradient', lecture: true, compare, compareLabel: 'no hidden layer', selection: { kind: 'edge', layer: 2, from: 1, to: 0 } };
  const view = await linkViewOf(state, { pack: createPacker(), pacePhase: 5 });
  assert.equal(view.phase, 5); // compare mode: the deeper run's phases
  assert.deepEqual(view.selection, state.selection);
  assert.equal(typeof view.compare, 'string'); // a short link packs the compared scenario
  assert.equal((await linkViewOf({ ...state, playing: true }, { pack: createPacker() })).phase, -1);

  // a class stores the compared scenario itself; a short link's packed form reads the same
  const scenario = { title: 'A' };
  for (const stored of [{ ...view, compare }, view]) {
    const back = await viewOfLink({ step: 7, view: stored }, scenario);
    assert.equal(back.scenario, scenario);
    assert.equal(back.step, 7);
    assert.equal(back.phase, 5);
    assert.equal(back.colorMode, 'gradient');
    assert.equal(back.lecture, true);
    assert.equal(back.compareLabel, 'no hidden layer');
    assert.deepEqual(back.selection, state.selection);
    assert.equal(back.compare.title, 'B');
    assert.deepEqual(back.compare.hidden_layers, []);
  }
  // what is not a selection is none
  for (const selection of [{ kind: 'edge', layer: 0, from: 0, to: 0 }, { kind: 'node', layer: -1, unit: 0 }, { kind: 'x' }, 'edge', null]) {
    assert.equal((await viewOfLink({ view: { selection } }, scenario)).selection, null);
  }
});
