// A student's side of a live class: follow the class's event stream (class-api.js) and show
// each view the way a short link opens (url-sync.js's applyView), its states fetched through
// the link's cacheable GETs; Explore branches off (also when the student steps or selects
// something themselves), Rejoin snaps back; answer polls with one tap (one vote per device).

import { phaseLabel } from '../phases.js';
import { sameScenario } from '../url-state.js';
import * as classApi from './class-api.js';
import { createThrottle, formatCode, gotIt, normalizeCode, readPoll } from './class-core.js';
import { myVote, rememberVote, voterId } from './class-storage.js';
import { viewOfLink } from './url-sync.js';

const GESTURE_MS = 1500;
/** A student's own change of these (after a tap or a key) means exploring. */
const OWN_KEYS = ['scenario', 'step', 'phase', 'sample', 'row', 'colorMode', 'selection', 'playing'];
const PHONE = globalThis.matchMedia?.('(max-width: 600px)');

/** The network's shape (phases.js) of a scenario: batch normalization is of every hidden layer. */
const shapeOfScenario = (sc) => {
  const hidden = sc.hidden_layers.map(() => sc.normalization?.kind === 'batch');
  return { L: hidden.length + 1, bn: [false, ...hidden, false] };
};

/** deps: {store, api, teach, panel (class-panel.js), onRole(role), fail(message), notify(message)}. */
export function createStudent({ store, api, teach, panel, onRole, fail, notify }) {
  const state = store.state;
  let follow = null; // {code, stream, latest, exploring, ended, link: {id, scenario}, poll, mine}
  let engine = null; // /health's engine_version, for the link's GETs
  let applying = 0;
  let gestureAt = -Infinity;

  for (const type of ['pointerdown', 'keydown']) {
    window.addEventListener(type, (e) => {
      if (e.target instanceof Element && e.target.closest('.class-bar, dialog')) return;
      gestureAt = performance.now();
    }, { capture: true });
  }

  /** The class's scenario, from its link (the same object while the link is the same). */
  async function scenarioOf(f, linkId) {
    if (f.link?.id === linkId) return f.link.scenario;
    const [rec, health] = await Promise.all([api.getLink(linkId), engine ? null : api.getHealth()]);
    if (health) engine = health.engine_version;
    let scenario = rec.title && rec.title !== rec.scenario.title ? { ...rec.scenario, title: rec.title } : rec.scenario;
    // An equal scenario on screen is kept (nothing reloads); its requests go through the link.
    if (sameScenario(scenario, state.scenario)) scenario = state.scenario;
    f.link = { id: linkId, scenario };
    return scenario;
  }

  /** Shows a class state {link_id, step, view}; a newer one arriving meanwhile wins. */
  let queued = null;
  let running = false;
  async function show(f, c) {
    queued = c;
    if (running) return;
    running = true;
    applying++;
    try {
      while (queued) {
        const next = queued;
        queued = null;
        if (f.exploring || f.ended) break;
        const scenario = await scenarioOf(f, next.link_id);
        api.useLink({ id: next.link_id, scenario, engine });
        const view = await viewOfLink({ step: next.step, view: next.view }, scenario);
        // A phone keeps the phone layout: lecture mode's large labels would not fit it.
        if (PHONE?.matches) view.lecture = false;
        await teach.applyView(view);
      }
    } catch (err) {
      fail(`The class’s view could not be shown: ${err?.message ?? err}`);
    } finally {
      running = false;
      // Let the frame that draws the last change pass before the page's own changes count.
      requestAnimationFrame(() => requestAnimationFrame(() => applying--));
      showWhere();
    }
  }

  function whereText() {
    const c = follow?.latest;
    if (!c) return '';
    const sc = follow.link?.id === c.link_id ? follow.link.scenario : null;
    const phase = c.view?.phase ?? -1;
    const label = sc?.hidden_layers && phase >= 0 ? ` (${phaseLabel(phase, shapeOfScenario(sc))})` : '';
    return `the class is at step ${c.step}${label}`;
  }

  function showWhere() {
    if (!follow) return;
    panel.setStudent({ following: !follow.exploring, ended: follow.ended, where: follow.exploring ? whereText() : '' });
  }

  function explore() {
    if (!follow || follow.ended) return;
    follow.exploring = true;
    queued = null;
    showWhere();
  }

  async function rejoin() {
    const f = follow;
    if (!f || f.ended) return;
    f.exploring = false;
    showWhere();
    try {
      f.latest = await classApi.getClass(f.code);
    } catch (err) {
      if (err?.status === 404) {
        ended();
        return;
      }
    }
    if (f.latest) await show(f, f.latest);
  }

  function ended() {
    if (!follow) return;
    follow.ended = true;
    follow.stream?.close();
    showWhere();
    showPoll();
  }

  function onEvent(type, data) {
    if (!follow) return;
    if (type === 'view') {
      follow.latest = data;
      if (!follow.exploring) show(follow, data);
      else showWhere();
    } else if (type === 'poll') {
      const p = readPoll(data);
      if (!p || p.id !== follow.poll?.id) follow.mine = myVote(p);
      follow.poll = p;
      showPoll();
    } else if (type === 'end') {
      ended();
    } else if (type === 'tally' && follow.poll && data.poll_id === follow.poll.id) {
      follow.poll.counts = data.counts ?? follow.poll.counts;
      follow.poll.voters = data.voters ?? follow.poll.voters;
      showPoll();
    }
  }

  /** Hides a closed question from this screen. */
  function hidePoll() {
    if (follow?.poll && !follow.poll.open) follow.poll = null;
    showPoll();
  }

  function showPoll() {
    const p = follow?.poll;
    if (!p) {
      panel.setPoll(null);
      return;
    }
    let revealText = null;
    if (!p.open && p.answer !== null) {
      const you = follow.mine === null ? '' : follow.mine === p.answer ? ' You got it!' : ` You said ${p.choices[follow.mine]}.`;
      revealText = `Answer: ${p.choices[p.answer]}.${you} ${gotIt(p, p.answer)}`;
    } else if (!p.open) revealText = 'The question is closed.';
    panel.setPoll({ role: 'student', id: p.id, question: p.question, choices: p.choices, open: p.open && !follow.ended, mine: follow.mine, answer: p.open ? null : p.answer, revealText });
  }

  // One vote in flight per device, the latest answer sent last: a changed mind is never
  // overtaken by the answer it replaces. A vote that did not get through is sent again.
  const voteSender = createThrottle(() => sendVote(), { interval: 0 });
  function vote(idx) {
    if (!follow?.poll?.open) return;
    follow.mine = idx;
    rememberVote(follow.poll, idx);
    showPoll();
    voteSender.request();
  }

  async function sendVote() {
    const p = follow?.poll;
    const idx = follow?.mine;
    if (!p?.open || idx === null || idx === undefined) return true;
    try {
      await classApi.vote(follow.code, p.id, voterId(), idx);
      return true;
    } catch (err) {
      if (err?.status === 409 || err?.status === 404) {
        p.open = false;
        notify('This question has closed.');
        showPoll();
        return true;
      }
      if (err?.status === 422) return true;
      notify(`Your answer did not get through (${err?.message ?? err}): trying again.`);
      return false;
    }
  }

  /** Follows the class c (GET /classes/{code}'s answer) from now on. */
  async function join(code, c) {
    code = normalizeCode(code);
    const poll = readPoll(c.poll);
    follow = { code, stream: null, latest: c, exploring: false, ended: false, link: null, poll, mine: myVote(poll) };
    onRole('student');
    panel.setCode(code, formatCode(code));
    showWhere();
    showPoll();
    follow.stream = classApi.followClass(code, { onEvent, onEnded: () => ended() });
    await show(follow, c);
  }

  /** Shows a class's state once, without following it (the lecturer's page after a reload). */
  const showOnce = (c) => show({ exploring: false, ended: false, link: null }, c);

  /** After every change of the page's state: the student's own change means exploring. */
  function update(s, keys) {
    if (!follow || follow.exploring || follow.ended || applying || running) return;
    if (OWN_KEYS.some((k) => keys.has(k)) && performance.now() - gestureAt < GESTURE_MS) queueMicrotask(explore);
  }

  return {
    join,
    showOnce,
    explore,
    rejoin,
    vote,
    hidePoll,
    update,
    get code() {
      return follow?.code ?? null;
    },
    get exploring() {
      return follow ? follow.exploring : null;
    },
  };
}
