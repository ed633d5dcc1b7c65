// Wiring of "share and teach": links and the address bar, the share dialog and QR codes,
// mid-run changes, lecture mode and the page's keys, compare mode, the lessons gallery and the
// phone layout's panel button. main.js calls this once and routes through it: the first view,
// form changes, points clicked onto the output view, and each render (update).

import { bindCompare } from './controls/compare.js';
import { bindLecture } from './controls/lecture.js';
import { bindUrlSync } from './controls/url-sync.js';
import { bindShare } from './controls/share.js';
import { bindMidRun } from './controls/mid-run.js';
import { bindLessons } from './controls/lessons.js';
import { bindKeymap } from './controls/keymap.js';

/** deps: {store, sessions (the page's session group), api, points, afterFrame}. */
export function bindShareAndTeach({ store, sessions, api, points, afterFrame }) {
  const root = document;
  const compare = bindCompare(root, store, sessions, { api, afterFrame });
  const lecture = bindLecture(root, store, sessions);
  const url = bindUrlSync({ store, sessions, compare, lecture });
  const share = bindShare(root, store, { linkBody: (title) => url.linkBody(title) });
  const midRun = bindMidRun(root, store, sessions, { points });
  const lessons = bindLessons(root, store, sessions, { compare });
  bindKeymap(store, { sessions, lecture, showQr: () => share.showQr(), stepButton: root.querySelector('[data-testid="step"]') });

  // Phones: the settings panel is one button away.
  const panel = root.querySelector('[data-testid="panel-toggle"]');
  panel?.addEventListener('click', () => {
    const open = !document.body.classList.contains('panel-open');
    document.body.classList.toggle('panel-open', open);
    panel.setAttribute('aria-expanded', String(open));
    panel.textContent = open ? 'Close settings' : 'Settings';
  });

  return {
    /** Shows the view the address names (fragment or short link); false when it names none. */
    openInitial: () => url.openInitial(),
    onFormChange: (scenario, path) => midRun.onFormChange(scenario, path),
    addPoint: (p) => midRun.addPoint(p),
    addEvent: (e) => midRun.addEvent(e),
    applyView: (v) => url.applyView(v),
    /** After every change of the page's state (keys: what changed). */
    update(state, keys) {
      lecture.update(state);
      midRun.update();
      compare.update(keys);
      url.schedule();
    },
    act: (action) => lecture.act(action),
    share,
    lecture,
    compare,
    lessons,
  };
}
