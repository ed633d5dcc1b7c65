// The lecturer's side of a live class: start it (POST /classes), publish every change of what
// the page shows as the class's view (PUT, at most four a second, the latest state winning; the
// scenario only when it changed), show the followers and the running tally (GET /classes/{code}),
// ask the class and reveal the answer once the update is on screen, end it.

import { fmt } from '../format.js';
import { sameScenario } from '../url-state.js';
import * as classApi from './class-api.js';
import { answerOf, createThrottle, defaultQuestion, formatCode, gotIt, normalizeCode, readPoll, weightQuestion } from './class-core.js';
import { forgetDriving, rememberDriving } from './class-storage.js';
import { confirmDialog } from './dialogs.js';
import { createPacker, linkViewOf } from './url-sync.js';

const PUBLISH_MS = 250;
const FOLLOWERS_MS = 3000;
const TALLY_MS = 700;
/** What the class's view holds: a change of any of these is published. */
const VIEW_KEYS = ['scenario', 'step', 'phase', 'sample', 'row', 'colorMode', 'lecture', 'compare', 'compareLabel', 'selection', 'playing'];

/**
 * deps: {store, sessions, teach, panel (class-panel.js), join: {check(), show(cls), open(),
 * urlOf(code), base}, onRole(role|null), fail(message), notify(message)}.
 */
export function createLecturer({ store, sessions, teach, panel, join, onRole, fail, notify }) {
  const state = store.state;
  const pack = createPacker();
  let cls = null; // {code, key, joinUrl, title} while this page drives a class
  let published = { scenario: null, json: null };
  let throttle = null; // one per class driven
  let followersTimer = null;
  let asked = null; // {kind, question, choices, sel?, fromStep, lossBefore?, version, pollId, tally, result}
  let closing = false;
  let starting = false;

  /** {step, view} of the page: a link's view, with the compared scenario as an object. */
  async function bodyOfState() {
    const view = await linkViewOf(state, { pack, pacePhase: sessions.pacePhase });
    if (state.compare) view.compare = state.compare;
    return { step: state.step, view };
  }

  async function publish() {
    const c = cls;
    if (!c || !state.scenario) return true;
    const scenario = state.scenario;
    const body = await bodyOfState();
    if (cls !== c) return true; // the class ended meanwhile
    const changed = scenario !== published.scenario && !sameScenario(scenario, published.scenario);
    const json = JSON.stringify(body);
    if (!changed && json === published.json) {
      published.scenario = scenario;
      return true;
    }
    if (changed) body.scenario = scenario;
    try {
      await classApi.putView(c.code, c.key, body);
    } catch (err) {
      if (err?.status === 404 || err?.status === 403 || err?.status === 401) {
        stop(err.status === 404 ? 'The class has ended (or expired): the students’ screens no longer follow.' : 'This page may not drive the class any more (its key was refused).');
        return true;
      }
      if (err?.status === 422) {
        fail(`The class could not show this view: ${err.message}`);
        published = { scenario, json }; // the same view would be refused again
        return true;
      }
      return false; // retried with a growing delay
    }
    published = { scenario, json };
    return true;
  }

  async function start() {
    if (cls || starting || !state.scenario) return;
    starting = true;
    let made;
    let body;
    try {
      await join.check();
      body = { ...(await bodyOfState()), scenario: state.scenario };
      if (state.scenario.title) body.title = state.scenario.title;
      made = await classApi.createClass(body, { base: join.base });
    } catch (err) {
      fail(`No class could be started: ${err?.message ?? err}`);
      return;
    } finally {
      starting = false;
    }
    const code = normalizeCode(made.code);
    rememberDriving(code, made.lecturer_key);
    published = { scenario: body.scenario, json: JSON.stringify({ step: body.step, view: body.view }) };
    begin({ code, key: made.lecturer_key, joinUrl: made.join_url, title: body.title ?? null });
    join.open();
  }

  /**
   * Drives the class c ({code, key, joinUrl, title}). fresh: the page's view is not the class's
   * yet (after a reload), so the first publication carries the scenario.
   */
  function begin(c, { fresh = false } = {}) {
    cls = { ...c, code: normalizeCode(c.code) };
    if (fresh) published = { scenario: null, json: null };
    onRole('lecturer');
    panel.setCode(cls.code, formatCode(cls.code));
    panel.setFollowers(null);
    panel.setLecturer({ note: '' });
    join.show(cls);
    refreshAsk();
    throttle = createThrottle(() => publish(), { interval: PUBLISH_MS });
    pollFollowers();
    throttle.request();
  }

  /** Followers (and the running tally) from GET /classes/{code}: often while a poll is open. */
  async function pollFollowers() {
    clearTimeout(followersTimer);
    const polled = cls;
    if (!polled) return;
    try {
      const now = await classApi.getClass(polled.code);
      if (cls !== polled) return; // the class ended meanwhile
      panel.setFollowers(now.followers);
      const p = readPoll(now.poll);
      if (asked && p && p.id === asked.pollId && !asked.result) {
        asked.tally = { counts: p.counts, voters: p.voters };
        showAsked();
      }
    } catch (err) {
      if (cls !== polled) return;
      if (err?.status === 404) {
        stop('The class has ended (or expired): the students’ screens no longer follow.');
        return;
      }
    }
    followersTimer = setTimeout(pollFollowers, asked && !asked.result ? TALLY_MS : FOLLOWERS_MS);
  }

  function stop(message) {
    forgetDriving(cls?.code);
    throttle?.stop();
    throttle = null;
    clearTimeout(followersTimer);
    cls = null;
    asked = null;
    onRole(null);
    if (message) notify(message);
  }

  async function end() {
    if (!cls) return;
    const sure = await confirmDialog('End the class? The students’ screens stop following this one, and the class code stops working.', { ok: 'End class', cancel: 'Keep teaching' });
    if (!sure || !cls) return;
    const { code, key } = cls;
    try {
      await classApi.endClass(code, key);
    } catch (err) {
      if (err?.status !== 404) {
        fail(`The class could not be ended: ${err?.message ?? err}`);
        return;
      }
    }
    stop('The class has ended.');
  }

  // ---- asking the class

  async function ask(q) {
    const c = cls;
    if (!c) return false;
    let opened;
    try {
      opened = await classApi.openPoll(c.code, c.key, q.question, q.choices);
    } catch (err) {
      fail(`The question could not be asked: ${err?.message ?? err}`);
      return false;
    }
    if (cls !== c) return false;
    // Its answer comes from this scenario's trace: another scenario (or a mid-run change) is
    // another run, whose update at the same step says nothing about this question.
    asked = { ...q, version: state.scenarioVersion, pollId: opened.poll_id, tally: { counts: q.choices.map(() => 0), voters: 0 }, result: null };
    showAsked();
    pollFollowers();
    return true;
  }

  function askDefault() {
    // In predict mode before the update, lecture mode asks (and holds the update until the
    // reveal): its question comes here through onAsk.
    if (teach.lecture.ask?.()) return;
    ask(defaultQuestion(state));
  }

  teach.lecture.onAsk?.(({ sel, fromStep }) => {
    if (cls) ask(weightQuestion(sel, fromStep));
  });

  function revealText(a) {
    const { result } = a;
    if (!result) return null;
    const r = result.answer;
    if (!r) return `The question is closed. ${result.tally?.voters ?? 0} answered.`;
    const tallyText = gotIt(result.tally, r.index);
    const choice = a.choices[r.index];
    if (a.kind === 'weight') {
      const { layer, to, from } = a.sel;
      const dir = choice === 'stays' ? 'stayed' : `went ${choice}`;
      return `Answer: ${choice}. w${to}←${from} of layer ${layer} ${dir}: ${fmt(r.before, 4)} → ${fmt(r.after, 4)} (Δw = ${fmt(r.change, 3)}). ${tallyText}`;
    }
    return `Answer: ${choice}. The training loss went ${choice}: ${fmt(r.before, 4)} → ${fmt(r.after, 4)}. ${tallyText}`;
  }

  function showAsked() {
    if (!asked) {
      panel.setPoll(null);
      return;
    }
    const tally = asked.result?.tally ?? asked.tally;
    panel.setPoll({ role: 'lecturer', id: asked.pollId, question: asked.question, choices: asked.choices, open: !asked.result, counts: tally.counts, voters: tally.voters, answer: asked.result?.answer?.index ?? null, revealText: revealText(asked) });
  }

  /** Closes the question with its answer (null: unknown), or hides a revealed one. */
  async function closePoll(answer = null) {
    if (!asked) return;
    if (asked.result) {
      asked = null;
      showAsked();
      return;
    }
    const c = cls;
    if (closing || !c) return;
    closing = true;
    const a = asked;
    try {
      const tally = await classApi.closePoll(c.code, c.key, a.pollId, answer?.index ?? null);
      a.result = { answer, tally: { counts: tally.counts, voters: tally.voters } };
    } catch (err) {
      a.result = { answer, tally: a.tally };
      if (err?.status !== 409) fail(`The question could not be closed: ${err?.message ?? err}`);
    } finally {
      closing = false;
    }
    if (asked === a) showAsked();
  }

  function refreshAsk() {
    panel.setAskEnabled(!!cls && !!state.trace?.layers && !state.playing && !(asked && !asked.result));
  }

  /** After every change of the page's state: publish, and reveal once the update is shown. */
  function update(s, keys) {
    if (!cls) return;
    if (VIEW_KEYS.some((k) => keys.has(k))) throttle?.request();
    if (asked && !asked.result && !closing && s.scenarioVersion === asked.version) {
      const answer = answerOf(asked, s);
      if (answer) queueMicrotask(() => closePoll(answer));
    }
    if (asked?.result && keys.has('scenarioVersion') && s.scenarioVersion !== asked.version) {
      asked = null; // a revealed answer about another run
      showAsked();
    }
    refreshAsk();
  }

  return {
    start,
    begin,
    end,
    askDefault,
    closePoll: () => closePoll(null),
    update,
    get code() {
      return cls?.code ?? null;
    },
    get asked() {
      return asked ? { kind: asked.kind, pollId: asked.pollId, result: asked.result } : null;
    },
  };
}
