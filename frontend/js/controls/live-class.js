// Live classes (API.md "Live classes"): the lecturer's view published to the students' pages.
//
// The lecturer starts a class (POST /classes); from then on every change of what the page shows
// (step, phase, selection, sample, colours, lecture and compare mode, a new scenario) is a PUT of
// the class's view, at most four a second, the latest state winning; the scenario is sent only
// when it changed. The lecturer's key stays in this browser (localStorage, keyed by the code;
// the tab remembers its class in sessionStorage), so a reload keeps driving.
//
// A student opens /c/{code}: the page follows the class's event stream (class-api.js) and shows
// each view the way a short link opens (url-sync.js's applyView), its states fetched through the
// link's cacheable GETs. Explore branches off; Rejoin snaps back. Polls: the lecturer asks the
// default question for the phase on screen (class-core.js) and the answer is read from the trace
// once the update is on screen; a student answers with one tap (one vote per device).

import { phaseLabel } from '../phases.js';
import { fmt } from '../format.js';
import { sameScenario } from '../url-state.js';
import * as classApi from './class-api.js';
import { answerOf, classCodeOf, createThrottle, defaultQuestion, formatCode, gotIt, normalizeCode, weightQuestion } from './class-core.js';
import { createClassPanel } from './class-panel.js';
import { confirmDialog } from './dialogs.js';
import { createPacker, linkViewOf, viewOfLink } from './url-sync.js';

const PUBLISH_MS = 250;
const FOLLOWERS_MS = 3000;
const TALLY_MS = 700;
const GESTURE_MS = 1500;
/** What the class's view holds: a change of any of these is published. */
const VIEW_KEYS = ['scenario', 'step', 'phase', 'sample', 'row', 'colorMode', 'lecture', 'compare', 'compareLabel', 'selection', 'playing'];
/** A student's own change of these (after a tap or a key) means exploring. */
const OWN_KEYS = ['scenario', 'step', 'phase', 'sample', 'row', 'colorMode', 'selection', 'playing'];

const PHONE = globalThis.matchMedia?.('(max-width: 600px)');

const KEY_PREFIX = 'bp-class-key:';
const TAB_CLASS = 'bp-class';
const VOTER = 'bp-voter';
const BASE_KEY = 'bp-share-base'; // the address picked in the share dialog (share.js)

const storage = (kind) => {
  try {
    return globalThis[kind] ?? null;
  } catch {
    return null;
  }
};
const read = (kind, k) => {
  try {
    return storage(kind)?.getItem(k) ?? null;
  } catch {
    return null;
  }
};
const write = (kind, k, v) => {
  try {
    if (v === null) storage(kind)?.removeItem(k);
    else storage(kind)?.setItem(k, v);
  } catch {
    // private mode: lasts for this page only
  }
};

const VOTE_PREFIX = 'bp-vote:';
/** This tab's answer to a poll (kept over a reload), or null. */
function myVote(poll) {
  const v = poll ? read('sessionStorage', VOTE_PREFIX + poll.id) : null;
  return v !== null && Number.isInteger(Number(v)) && Number(v) < poll.choices.length ? Number(v) : null;
}

function voterId() {
  let id = read('localStorage', VOTER);
  if (!id) {
    id = globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
    write('localStorage', VOTER, id);
  }
  return id;
}

/** A poll of GET /classes/{code} ({poll_id, question, choices, open, counts, voters, answer}),
 * or of a poll event ({version, poll}); null when there is none. */
function readPoll(raw) {
  const p = raw && 'poll' in raw ? raw.poll : raw;
  if (!p || !Array.isArray(p.choices)) return null;
  return { id: p.poll_id, question: p.question, choices: p.choices, open: !!p.open, counts: p.counts ?? p.choices.map(() => 0), voters: p.voters ?? 0, answer: Number.isInteger(p.answer) ? p.answer : null };
}

/** deps: {store, sessions, api, teach, root (#class-tools)}. Returns {openInitial, update}. */
export function bindLiveClass({ store, sessions, api, teach, root }) {
  const state = store.state;
  const pack = createPacker();
  const panel = createClassPanel(root, {
    start: () => startClass(),
    showJoin: () => showJoin(),
    ask: () => askDefault(),
    closePoll: () => (role === 'student' ? hideStudentPoll() : closeAsked(null)),
    end: () => endClass(),
    explore: () => setExploring(true),
    rejoin: () => rejoin(),
    vote: (idx) => castVote(idx),
    pickBase: (b) => pickBase(b),
  });

  let role = null; // 'lecturer' | 'student'
  let cls = null; // {code, key?, joinUrl, title}
  const notify = (message) => store.set({ notice: message });
  const fail = (message) => store.set({ error: { message, fields: [] } });

  // ---------------------------------------------------------------- the join address and QR
  let base = null; // the network address picked, when the page's own is loopback
  let publicBase = null; // PUBLIC_BASE_URL, when the server has one
  let reachInfo = null;
  /** The join address as the server writes it (POST /classes' join_url). */
  const joinUrlOf = (code) => `${publicBase ?? location.origin}/c/${formatCode(code)}`;

  async function checkReach() {
    let info;
    try {
      info = await api.getNetworkAddresses();
    } catch {
      return;
    }
    base = null;
    publicBase = info.public_base_url ? info.public_base_url.replace(/\/+$/, '') : null;
    if (info.public_base_url || !info.loopback) {
      reachInfo = null;
      return;
    }
    const saved = read('localStorage', BASE_KEY);
    if (saved && info.addresses.some((a) => a.base_url === saved)) base = saved;
    const warnings = [`This page was opened at ${location.host}, which means “this computer”: students cannot open a class address or QR code to it. Pick the address their network reaches, or set PUBLIC_BASE_URL.`];
    if (!info.listening_on_network) warnings.push('The server listens on this computer only: start it with HOST=0.0.0.0 (make run HOST=0.0.0.0) so that the addresses below reach it.');
    if (!info.addresses.length) warnings.push('The server lists no network address for this machine.');
    reachInfo = { warnings, addresses: info.addresses, picked: base };
  }

  function showJoinAddress() {
    if (!cls) return;
    const url = base ? `${base}/c/${formatCode(cls.code)}` : cls.joinUrl;
    panel.setJoin({ url, qrSmall: classApi.qrUrl(cls.code, { scale: 2, base }), qrLarge: classApi.qrUrl(cls.code, { scale: 16, base }) });
    panel.setReach(role === 'lecturer' ? reachInfo && { ...reachInfo, picked: base } : null);
  }

  function pickBase(b) {
    base = b;
    write('localStorage', BASE_KEY, b ?? '');
    showJoinAddress();
  }

  function showJoin() {
    showJoinAddress();
    panel.openJoin();
  }

  // ---------------------------------------------------------------- the lecturer
  let published = { scenario: null, json: null };
  let throttle = null; // one per class driven (createThrottle)

  /** {step, view} of the page: a link's view, with the compared scenario as an object. */
  async function bodyOfState() {
    const view = await linkViewOf(state, { pack, pacePhase: sessions.pacePhase });
    if (state.compare) view.compare = state.compare;
    return { step: state.step, view };
  }

  async function publish() {
    if (role !== 'lecturer' || !state.scenario) return true;
    const c = cls;
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
        stopLecturing(err.status === 404 ? 'The class has ended (or expired): the students’ screens no longer follow.' : 'This page may not drive the class any more (its key was refused).');
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

  let starting = false;
  async function startClass() {
    if (role || starting || !state.scenario) return;
    starting = true;
    let made;
    let body;
    try {
      await checkReach();
      body = { ...(await bodyOfState()), scenario: state.scenario };
      if (state.scenario.title) body.title = state.scenario.title;
      made = await classApi.createClass(body, { base });
    } catch (err) {
      fail(`No class could be started: ${err?.message ?? err}`);
      return;
    } finally {
      starting = false;
    }
    write('localStorage', KEY_PREFIX + normalizeCode(made.code), made.lecturer_key);
    write('sessionStorage', TAB_CLASS, normalizeCode(made.code));
    published = { scenario: body.scenario, json: JSON.stringify({ step: body.step, view: body.view }) };
    beginLecturing({ code: made.code, key: made.lecturer_key, joinUrl: made.join_url, title: body.title ?? null });
    showJoin();
  }

  let followersTimer = null;
  function beginLecturing(c) {
    role = 'lecturer';
    cls = { ...c, code: normalizeCode(c.code) };
    panel.setRole('lecturer');
    panel.setCode(cls.code, formatCode(cls.code));
    panel.setFollowers(null);
    panel.setLecturer({ note: '' });
    showJoinAddress();
    refreshAsk();
    throttle = createThrottle(() => publish(), { interval: PUBLISH_MS });
    pollFollowers();
    throttle.request();
  }

  /** Followers (and the running tally) from GET /classes/{code}: often while a poll is open. */
  async function pollFollowers() {
    clearTimeout(followersTimer);
    if (role !== 'lecturer') return;
    const polled = cls;
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
        stopLecturing('The class has ended (or expired): the students’ screens no longer follow.');
        return;
      }
    }
    followersTimer = setTimeout(pollFollowers, asked && !asked.result ? TALLY_MS : FOLLOWERS_MS);
  }

  function stopLecturing(message) {
    if (cls) write('localStorage', KEY_PREFIX + normalizeCode(cls.code), null);
    write('sessionStorage', TAB_CLASS, null);
    throttle?.stop();
    throttle = null;
    clearTimeout(followersTimer);
    role = null;
    cls = null;
    asked = null;
    panel.setRole(null);
    if (message) notify(message);
  }

  async function endClass() {
    if (role !== 'lecturer') return;
    const sure = await confirmDialog('End the class? The students’ screens stop following this one, and the class code stops working.', { ok: 'End class', cancel: 'Keep teaching' });
    if (!sure || role !== 'lecturer') return;
    const { code, key } = cls;
    try {
      await classApi.endClass(code, key);
    } catch (err) {
      if (err?.status !== 404) {
        fail(`The class could not be ended: ${err?.message ?? err}`);
        return;
      }
    }
    stopLecturing('The class has ended.');
  }

  // ---- polls (lecturer)
  let asked = null; // {kind, question, choices, sel?, fromStep, lossBefore?, pollId, tally, result}

  async function ask(q) {
    if (role !== 'lecturer') return false;
    let opened;
    try {
      opened = await classApi.openPoll(cls.code, cls.key, q.question, q.choices);
    } catch (err) {
      fail(`The question could not be asked: ${err?.message ?? err}`);
      return false;
    }
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
    if (role === 'lecturer') ask(weightQuestion(sel, fromStep));
  });

  function revealText(a) {
    const { result } = a;
    if (!result) return null;
    const r = result.answer;
    const tallyText = gotIt(result.tally, r?.index);
    if (!r) return `The question is closed. ${result.tally?.voters ?? 0} answered.`;
    if (a.kind === 'weight') {
      const { layer, to, from } = a.sel;
      const dir = a.choices[r.index] === 'stays' ? 'stayed' : `went ${a.choices[r.index]}`;
      return `Answer: ${a.choices[r.index]}. w${to}←${from} of layer ${layer} ${dir}: ${fmt(r.before, 4)} → ${fmt(r.after, 4)} (Δw = ${fmt(r.change, 3)}). ${tallyText}`;
    }
    return `Answer: ${a.choices[r.index]}. The training loss went ${a.choices[r.index]}: ${fmt(r.before, 4)} → ${fmt(r.after, 4)}. ${tallyText}`;
  }

  function showAsked() {
    if (!asked) {
      panel.setPoll(null);
      return;
    }
    const open = !asked.result;
    const tally = asked.result?.tally ?? asked.tally;
    panel.setPoll({ role: 'lecturer', id: asked.pollId, question: asked.question, choices: asked.choices, open, counts: tally.counts, voters: tally.voters, answer: asked.result?.answer?.index ?? null, revealText: revealText(asked) });
  }

  let closing = false;
  async function closeAsked(answer) {
    if (!asked) return;
    if (asked.result) {
      asked = null; // "Hide" after the reveal
      showAsked();
      return;
    }
    if (closing || !cls) return;
    closing = true;
    const a = asked;
    try {
      const tally = await classApi.closePoll(cls.code, cls.key, a.pollId, answer?.index ?? null);
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
    panel.setAskEnabled(role === 'lecturer' && !!state.trace?.layers && !state.playing && !(asked && !asked.result));
  }

  // ---------------------------------------------------------------- the student
  let follow = null; // {stream, latest, exploring, ended, link: {id, scenario}, poll, mine}
  let engine = null;
  let applying = 0;
  let gestureAt = -Infinity;

  for (const type of ['pointerdown', 'keydown']) {
    window.addEventListener(type, (e) => {
      if (e.target instanceof Element && e.target.closest('.class-bar, dialog')) return;
      gestureAt = performance.now();
    }, { capture: true });
  }

  /** The class's scenario, from its link (the same object while the link is the same). */
  async function scenarioOf(linkId) {
    if (follow.link?.id === linkId) return follow.link.scenario;
    const [rec, health] = await Promise.all([api.getLink(linkId), engine ? null : api.getHealth()]);
    if (health) engine = health.engine_version;
    let scenario = rec.title && rec.title !== rec.scenario.title ? { ...rec.scenario, title: rec.title } : rec.scenario;
    // An equal scenario on screen is kept (nothing reloads); its requests go through the link.
    if (sameScenario(scenario, state.scenario)) scenario = state.scenario;
    follow.link = { id: linkId, scenario };
    return scenario;
  }

  /** Shows a class state {link_id, step, view}; a newer one arriving meanwhile wins. */
  let queued = null;
  let running = false;
  async function showClassState(c) {
    queued = c;
    if (running) return;
    running = true;
    applying++;
    try {
      while (queued) {
        const next = queued;
        queued = null;
        if (!follow || follow.exploring) break;
        const scenario = await scenarioOf(next.link_id);
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
    const L = (follow.link?.id === c.link_id ? follow.link.scenario?.hidden_layers?.length : null) ?? null;
    const phase = c.view?.phase ?? -1;
    const label = L !== null && phase >= 0 ? ` (${phaseLabel(phase, L + 1)})` : '';
    return `the class is at step ${c.step}${label}`;
  }

  function showWhere() {
    if (!follow) return;
    panel.setStudent({ following: !follow.exploring, ended: follow.ended, where: follow.exploring ? whereText() : '' });
  }

  function setExploring(on) {
    if (!follow || follow.ended) return;
    follow.exploring = on;
    if (on) queued = null;
    showWhere();
  }

  async function rejoin() {
    if (!follow) return;
    follow.exploring = false;
    showWhere();
    try {
      const c = await classApi.getClass(follow.code);
      follow.latest = c;
      await showClassState(c);
    } catch (err) {
      if (err?.status === 404) ended();
      else if (follow.latest) await showClassState(follow.latest);
    }
  }

  function ended() {
    if (!follow) return;
    follow.ended = true;
    follow.stream?.close();
    showWhere();
    showStudentPoll();
  }

  function onEvent(type, data) {
    if (!follow) return;
    if (type === 'view') {
      follow.latest = data;
      if (!follow.exploring) showClassState(data);
      else showWhere();
    } else if (type === 'poll') {
      const p = readPoll(data);
      if (!p || !follow.poll || p.id !== follow.poll.id) follow.mine = myVote(p);
      follow.poll = p;
      showStudentPoll();
    } else if (type === 'end') {
      ended();
    } else if (type === 'tally') {
      const p = follow.poll;
      if (p && data.poll_id === p.id) {
        p.counts = data.counts ?? p.counts;
        p.voters = data.voters ?? p.voters;
        showStudentPoll();
      }
    }
  }

  function hideStudentPoll() {
    if (follow?.poll && !follow.poll.open) follow.poll = null;
    showStudentPoll();
  }

  function showStudentPoll() {
    const p = follow?.poll;
    if (!p) {
      panel.setPoll(null);
      return;
    }
    let revealText = null;
    if (!p.open) {
      if (p.answer !== null) {
        const you = follow.mine === null ? '' : follow.mine === p.answer ? ' You got it!' : ` You said ${p.choices[follow.mine]}.`;
        revealText = `Answer: ${p.choices[p.answer]}.${you} ${gotIt(p, p.answer)}`;
      } else revealText = 'The question is closed.';
    }
    panel.setPoll({ role: 'student', id: p.id, question: p.question, choices: p.choices, open: p.open && !follow.ended, mine: follow.mine, answer: p.open ? null : p.answer, revealText });
  }

  // One vote in flight per device, the latest answer sent last: a changed mind is never
  // overtaken by the answer it replaces. A vote that did not get through is sent again.
  const voteSender = createThrottle(() => sendVote(), { interval: 0 });
  function castVote(idx) {
    if (!follow?.poll?.open) return;
    follow.mine = idx;
    write('sessionStorage', VOTE_PREFIX + follow.poll.id, String(idx));
    showStudentPoll();
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
        showStudentPoll();
        return true;
      }
      if (err?.status === 422) return true;
      notify(`Your answer did not get through (${err?.message ?? err}): trying again.`);
      return false;
    }
  }

  async function joinAsStudent(code, c) {
    code = normalizeCode(code);
    role = 'student';
    cls = { code, joinUrl: joinUrlOf(code), title: c.title ?? null };
    const poll = readPoll(c.poll);
    follow = { code, stream: null, latest: c, exploring: false, ended: false, link: null, poll, mine: myVote(poll) };
    panel.setRole('student');
    panel.setCode(code, formatCode(code));
    showJoinAddress();
    showWhere();
    showStudentPoll();
    follow.stream = classApi.followClass(code, {
      onEvent,
      onEnded: () => ended(),
    });
    await showClassState(c);
  }

  // ---------------------------------------------------------------- opening the page
  async function openInitial() {
    const code = classCodeOf(location.pathname);
    if (!code) {
      resumeLecturing(); // not awaited: the page's own address says what it shows
      return false;
    }
    let c;
    try {
      c = await classApi.getClass(code);
    } catch (err) {
      fail(err?.status === 404 ? `There is no class ${formatCode(code)}: it has ended, or the code is mistyped.` : `The class ${formatCode(code)} could not be opened: ${err?.message ?? err}`);
      return false;
    }
    // The tab that started the class (reloaded) drives it; another tab of the same browser
    // (the lecturer checking what students see) follows like any student.
    const key = read('sessionStorage', TAB_CLASS) === code ? read('localStorage', KEY_PREFIX + code) : null;
    if (key) {
      follow = { code, latest: c, exploring: false, link: null };
      await showClassState(c);
      follow = null;
      await checkReach();
      published = { scenario: state.scenario, json: null };
      beginLecturing({ code, key, joinUrl: joinUrlOf(code), title: c.title ?? null });
      return true;
    }
    await joinAsStudent(code, c);
    return true;
  }

  async function resumeLecturing() {
    const code = read('sessionStorage', TAB_CLASS);
    const key = code && read('localStorage', KEY_PREFIX + code);
    if (!key) return;
    let c;
    try {
      c = await classApi.getClass(code);
    } catch (err) {
      if (err?.status === 404) {
        write('sessionStorage', TAB_CLASS, null);
        write('localStorage', KEY_PREFIX + code, null);
      }
      return;
    }
    await checkReach();
    published = { scenario: null, json: null }; // the page's own view is published as it opens
    beginLecturing({ code, key, joinUrl: joinUrlOf(code), title: c.title ?? null });
  }

  // ---------------------------------------------------------------- every render
  function update(s, keys) {
    if (role === 'lecturer') {
      if (VIEW_KEYS.some((k) => keys.has(k))) throttle?.request();
      if (asked && !asked.result && !closing && s.scenarioVersion === asked.version) {
        const answer = answerOf(asked, s);
        if (answer) queueMicrotask(() => closeAsked(answer));
      }
      if (asked?.result && keys.has('scenarioVersion') && s.scenarioVersion !== asked.version) {
        asked = null; // a revealed answer about another run
        showAsked();
      }
      refreshAsk();
    } else if (role === 'student' && follow && !follow.exploring && !follow.ended && !applying && !running) {
      if (OWN_KEYS.some((k) => keys.has(k)) && performance.now() - gestureAt < GESTURE_MS) queueMicrotask(() => setExploring(true));
    }
  }

  return {
    openInitial,
    update,
    /** For tests and the console: the class this page leads or follows. */
    get info() {
      return { role, code: cls?.code ?? null, exploring: follow?.exploring ?? null, asked: asked ? { kind: asked.kind, pollId: asked.pollId, result: asked.result } : null };
    },
  };
}
