// Live classes (API.md "Live classes"): the lecturer's view published to the students' pages.
//
// The lecturer starts a class with the header's Class button (class-lecturer.js): every change
// of what the page shows is published as the class's view. The lecturer's key stays in this
// browser (class-storage.js), never in an address, so a reload keeps driving. A student opens
// /c/{code} (class-student.js) and the page follows the class; Explore branches off, Rejoin
// snaps back. Polls: the lecturer asks the default question for the phase on screen
// (class-core.js) and the answer is read from the trace once the update is on screen.
// This module wires them: the join address and its QR code, the first view, every render.

import * as classApi from './class-api.js';
import { classCodeOf, formatCode } from './class-core.js';
import { createLecturer } from './class-lecturer.js';
import { createClassPanel } from './class-panel.js';
import { drivenClass, forgetDriving, lecturerKey, pickedBase, rememberBase } from './class-storage.js';
import { createStudent } from './class-student.js';

/** deps: {store, sessions, api, teach, root (#class-tools)}. Returns {openInitial, update, info}. */
export function bindLiveClass({ store, sessions, api, teach, root }) {
  let role = null; // 'lecturer' | 'student' | null
  let shown = null; // {code, joinUrl} of the class on screen
  const notify = (message) => store.set({ notice: message });
  const fail = (message) => store.set({ error: { message, fields: [] } });

  const panel = createClassPanel(root, {
    start: () => lecturer.start(),
    showJoin: () => join.open(),
    ask: () => lecturer.askDefault(),
    closePoll: () => (role === 'student' ? student.hidePoll() : lecturer.closePoll()),
    end: () => lecturer.end(),
    explore: () => student.explore(),
    rejoin: () => student.rejoin(),
    vote: (idx) => student.vote(idx),
    pickBase: (b) => join.pick(b),
  });
  const onRole = (next) => {
    role = next;
    panel.setRole(next);
    if (!next) shown = null;
  };

  // ---- the join address and its QR code: PUBLIC_BASE_URL, or the network address picked
  // when the page was opened at a loopback address (never 127.0.0.1 without saying so)
  const join = {
    base: null, // the network address picked
    publicBase: null, // PUBLIC_BASE_URL, when the server has one
    reach: null, // {warnings, addresses} when the page's address is loopback
    /** The join address as the server writes it (POST /classes' join_url). */
    urlOf(code) {
      return `${this.publicBase ?? location.origin}/c/${formatCode(code)}`;
    },
    async check() {
      let info;
      try {
        info = await api.getNetworkAddresses();
      } catch {
        return;
      }
      this.base = null;
      this.publicBase = info.public_base_url ? info.public_base_url.replace(/\/+$/, '') : null;
      if (info.public_base_url || !info.loopback) {
        this.reach = null;
        return;
      }
      const saved = pickedBase();
      if (saved && info.addresses.some((a) => a.base_url === saved)) this.base = saved;
      const warnings = [`This page was opened at ${location.host}, which means “this computer”: students cannot open a class address or QR code to it. Pick the address their network reaches, or set PUBLIC_BASE_URL.`];
      if (!info.listening_on_network) warnings.push('The server listens on this computer only: start it with HOST=0.0.0.0 (make run HOST=0.0.0.0) so that the addresses below reach it.');
      if (!info.addresses.length) warnings.push('The server lists no network address for this machine.');
      this.reach = { warnings, addresses: info.addresses };
    },
    /** Shows the join address of the class c ({code, joinUrl}). */
    show(c = shown) {
      shown = c;
      if (!c) return;
      const base = this.base;
      const url = base ? `${base}/c/${formatCode(c.code)}` : c.joinUrl;
      panel.setJoin({ url, qrSmall: classApi.qrUrl(c.code, { scale: 2, base }), qrLarge: classApi.qrUrl(c.code, { scale: 16, base }) });
      panel.setReach(role === 'lecturer' && this.reach ? { ...this.reach, picked: base } : null);
    },
    pick(b) {
      this.base = b;
      rememberBase(b);
      this.show();
    },
    open() {
      this.show();
      panel.openJoin();
    },
  };

  const lecturer = createLecturer({ store, sessions, teach, panel, join, onRole, fail, notify });
  const student = createStudent({ store, api, teach, panel, onRole, fail, notify });

  /** A tab that drove a class before its reload drives it again (its address shows the view). */
  async function resume() {
    const code = drivenClass();
    const key = code && lecturerKey(code);
    if (!key) return;
    let c;
    try {
      c = await classApi.getClass(code);
    } catch (err) {
      if (err?.status === 404) forgetDriving(code);
      return;
    }
    await join.check();
    lecturer.begin({ code, key, joinUrl: join.urlOf(code), title: c.title ?? null }, { fresh: true });
  }

  /** Opens the class the address names (/c/{code}); false when the address names none. */
  async function openInitial() {
    const code = classCodeOf(location.pathname);
    if (!code) {
      resume(); // not awaited: the page's own address says what it shows
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
    const key = drivenClass() === code ? lecturerKey(code) : null;
    if (key) {
      await student.showOnce(c);
      await join.check();
      lecturer.begin({ code, key, joinUrl: join.urlOf(code), title: c.title ?? null }, { fresh: true });
      return true;
    }
    await student.join(code, c);
    join.show({ code, joinUrl: join.urlOf(code) });
    return true;
  }

  return {
    openInitial,
    /** After every change of the page's state (main.js's render; nothing here writes the store). */
    update(state, keys) {
      if (role === 'lecturer') lecturer.update(state, keys);
      else if (role === 'student') student.update(state, keys);
    },
    /** For tests and the console: the class this page leads or follows. */
    get info() {
      return { role, code: lecturer.code ?? student.code, exploring: student.exploring, asked: lecturer.asked };
    },
  };
}
