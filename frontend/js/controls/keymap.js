// The page's keys, all of them, in one place:
//   Space      a whole step          → / ←        next / previous phase
//   PageDown   next phase (clickers)  PageUp       previous phase (clickers)
//   P          play / pause
// and in lecture mode
//   Q the QR code of the view, H predict-then-reveal, ↑ / ↓ the class's vote, F fullscreen.
// Phases and steps go through lecture.act, which holds the update back while the class
// predicts. Keys typed into a form control stay there; keys inside an open dialog belong to it
// (dialogs.js), except Q.

/** A text field, a select or a text area keeps every key (a range slider keeps them too, except in lecture mode). */
const typing = (t) => t instanceof HTMLElement && (t.matches('input:not([type=checkbox]):not([type=button]):not([type=range]), select, textarea') || t.isContentEditable);
const ownsKeys = (t) => t instanceof HTMLElement && (t.matches('input:not([type=checkbox]):not([type=radio]):not([type=button]), select, textarea') || t.isContentEditable);

const PHASE_KEYS = { PageDown: 'next', ArrowRight: 'next', PageUp: 'prev', ArrowLeft: 'prev' };

/**
 * deps: {sessions (the session group), lecture (lecture.js), showQr(), stepButton}.
 * Keys bound on the window, in the capture phase: before the page's elements see them.
 */
export function bindKeymap(store, { sessions, lecture, showQr, stepButton }) {
  const state = store.state;
  const dialogOpen = () => !!document.querySelector('dialog[open]');

  function fullscreen() {
    if (document.fullscreenElement) document.exitFullscreen?.().catch(() => {});
    else document.documentElement.requestFullscreen?.().catch(() => {});
  }

  window.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key;
    const t = e.target;
    const space = k === ' ' || e.code === 'Space';
    const teaching = state.lecture || state.predicting;

    // Clicker keys always, and in lecture mode (or while predicting) the arrows and Space too.
    const clicker = k === 'PageDown' || k === 'PageUp' || (teaching && (k === 'ArrowRight' || k === 'ArrowLeft' || space));
    if (clicker || (state.lecture && /^[qQhHfF]$|^Arrow(Up|Down)$/.test(k))) {
      if (typing(t) || (dialogOpen() && k !== 'q' && k !== 'Q')) return;
      if (clicker) {
        e.preventDefault();
        e.stopImmediatePropagation();
        const action = space ? 'step' : PHASE_KEYS[k];
        if (action === 'step') performance.mark('step:click');
        lecture.act(action);
        return;
      }
      if (k === 'q' || k === 'Q') showQr();
      else if (k === 'h' || k === 'H') lecture.setPredict(!state.predicting);
      else if (k === 'f' || k === 'F') fullscreen();
      else if (lecture.asking) lecture.vote(k === 'ArrowUp' ? 'up' : 'down');
      else return;
      e.preventDefault();
      return;
    }

    // The page's own keys. A focused neuron takes Space and Enter itself (network.js: explain).
    if (ownsKeys(t) || (space && t instanceof Element && t.closest('[data-node]'))) return;
    if (space) {
      if (t instanceof HTMLInputElement) return; // a checkbox toggles
      e.preventDefault();
      stepButton.click();
    } else if (k === 'ArrowRight' || k === 'ArrowLeft') {
      e.preventDefault();
      lecture.act(PHASE_KEYS[k]);
    } else if (k === 'p' || k === 'P') {
      e.preventDefault();
      sessions.togglePlay();
    }
  }, { capture: true });

  // A focused button would also "click" on Space's keyup; the keydown above already stepped.
  document.addEventListener('keyup', (e) => {
    if ((e.key === ' ' || e.code === 'Space') && e.target instanceof HTMLButtonElement) e.preventDefault();
  });
}
