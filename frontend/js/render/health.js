// The training-health warning: what the server judged to be going wrong with the run on screen
// (POST /train and /step answer `health`), in its words, with the likely cause and one thing to
// try. Divergence has its own banner (status.js), so it is not repeated here.

/** The warnings to show for a health answer (none for a healthy or diverged run). */
export function warningsToShow(health) {
  if (!health || health.status !== 'warning') return [];
  return health.warnings.filter((w) => w.kind !== 'diverged').slice(0, 2);
}

/** The health of the run on screen: of the last /train answer, or of the traced next update. */
export function healthOf(state) {
  if (state.snapshot?.health) return state.snapshot.health;
  const t = state.trace;
  return t && t.fromStep === state.step ? t.after?.health ?? null : null;
}

export function createHealth(el) {
  let shown = '';
  return {
    update(state) {
      const warnings = warningsToShow(healthOf(state));
      const key = warnings.map((w) => `${w.kind}:${w.layer}:${w.message}`).join('|');
      if (key === shown) return;
      shown = key;
      el.replaceChildren();
      el.hidden = warnings.length === 0;
      for (const w of warnings) {
        const item = document.createElement('p');
        item.className = 'health-item';
        item.dataset.kind = w.kind;
        const what = document.createElement('strong');
        what.textContent = w.message;
        const why = document.createElement('span');
        why.className = 'health-cause';
        why.textContent = ` ${w.cause} `;
        const fix = document.createElement('span');
        fix.className = 'health-try';
        fix.textContent = w.suggestion;
        item.append('⚠ ', what, why, fix);
        el.append(item);
      }
    },
  };
}
