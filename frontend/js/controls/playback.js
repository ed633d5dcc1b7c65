// Step, phases, play, reset, speed and the rewind slider. DOM events -> calls on the page's
// session group (their keys: keymap.js). Step and the next phase go through `act`
// (lecture.js), which holds the update back while a class predicts it.

export const SPEEDS = [
  [1, '1 update / frame'],
  [5, '5 updates / frame'],
  [25, '25 updates / frame'],
  [-1, '1 epoch / frame'],
  [-2, '2 epochs / frame'],
  [-5, '5 epochs / frame'],
];

/** sessions: the page's session group; act(action): lecture.js's act ('step', 'next'). */
export function bindPlayback(root, store, sessions, { act }) {
  const q = (id) => root.querySelector(`[data-testid="${id}"]`);
  q('step').addEventListener('click', () => {
    performance.mark('step:click');
    act('step');
  });
  q('next-phase').addEventListener('click', () => act('next'));
  q('prev-phase').addEventListener('click', () => sessions.prevPhase());
  q('play').addEventListener('click', () => sessions.togglePlay());
  q('reset').addEventListener('click', () => sessions.reset());

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
    await sessions.goTo(k);
    busy = false;
    if (pending !== null && pending !== k) {
      const next = pending;
      pending = null;
      go(next);
    } else pending = null;
  };
  rewind.addEventListener('input', () => go(Number(rewind.value)));
}
