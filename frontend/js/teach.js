// Wiring of "share and teach" (issue 4): links and the address bar, the share dialog and QR
// codes, mid-run changes, lecture mode, compare mode, the lessons gallery and the phone layout's
// panel button. main.js calls this once and routes three things through it: the first view,
// form changes, and points clicked onto the output view.

import { bindCompare } from './controls/compare.js';
import { bindLecture } from './controls/lecture.js';
import { bindUrlSync } from './controls/url-sync.js';
import { bindShare } from './controls/share.js';
import { bindMidRun } from './controls/mid-run.js';
import { bindLessons } from './controls/lessons.js';

/** deps: {store, session, points, afterFrame}. */
export function bindShareAndTeach({ store, session, points, afterFrame }) {
  const root = document;
  const compare = bindCompare(root, store, session, { afterFrame });
  let share = null;
  const lecture = bindLecture(root, store, session, { showQr: () => share.showQr() });
  const url = bindUrlSync({ store, session, compare, lecture });
  share = bindShare(root, store, { linkBody: (title) => url.linkBody(title) });
  const midRun = bindMidRun(root, store, session, { points });
  const lessons = bindLessons(root, store, session, { compare });

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
    share,
    lecture,
    compare,
    lessons,
  };
}
