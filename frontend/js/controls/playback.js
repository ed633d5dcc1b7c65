// Step, phases, play, reset, speed and the rewind slider; and their keys
// (Space step, → / ← phase, P play). DOM events -> session calls.

export const SPEEDS = [
  [1, '1 update / frame'],
  [5, '5 updates / frame'],
  [25, '25 updates / frame'],
  [-1, '1 epoch / frame'],
  [-2, '2 epochs / frame'],
  [-5, '5 epochs / frame'],
];

function mark(name) {
  performance.mark(name);
}

export function bindPlayback(root, store, session) {
  const q = (id) => root.querySelector(`[data-testid="${id}"]`);
  q('step').addEventListener('click', () => {
    mark('step:click');
    store.state.pendingMeasure = 'step';
    session.step();
  });
  q('next-phase').addEventListener('click', () => session.nextPhase());
  q('prev-phase').addEventListener('click', () => session.prevPhase());
  q('play').addEventListener('click', () => session.togglePlay());
  q('reset').addEventListener('click', () => session.reset());

  const speed = q('speed');
  for (const [v, label] of SPEEDS) speed.append(new Option(label, String(v)));
  speed.value = String(store.state.speed);
  speed.addEventListener('change', () => store.set({ speed: Number(speed.value) }));

  // The slider asks for one state at a time and always ends on the latest position.
  const rewind = q('rewind');
  let busy = false;
  let pending = null;
  const go = async (k) => {
    if (busy) {
      pending = k;
      return;
    }
    busy = true;
    await session.goTo(k);
    busy = false;
    if (pending !== null && pending !== k) {
      const next = pending;
      pending = null;
      go(next);
    } else pending = null;
  };
  rewind.addEventListener('input', () => go(Number(rewind.value)));

  // Keys act on the page unless a form control needs them: text fields, selects and sliders keep
  // every key, checkboxes keep Space (to toggle).
  const ownsKeys = (t) => t instanceof HTMLElement && (t.matches('input:not([type=checkbox]):not([type=radio]):not([type=button]), select, textarea') || t.isContentEditable);
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (ownsKeys(t)) return;
    if (e.key === ' ' || e.code === 'Space') {
      if (t instanceof HTMLInputElement) return;
      e.preventDefault();
      q('step').click();
    } else if (e.key === 'ArrowRight') {
      e.preventDefault();
      session.nextPhase();
    } else if (e.key === 'ArrowLeft') {
      e.preventDefault();
      session.prevPhase();
    } else if (e.key === 'p' || e.key === 'P') {
      e.preventDefault();
      session.togglePlay();
    }
  });
  // A focused button would also "click" on Space's keyup; the keydown above already stepped.
  document.addEventListener('keyup', (e) => {
    if ((e.key === ' ' || e.code === 'Space') && e.target instanceof HTMLButtonElement) e.preventDefault();
  });
}
