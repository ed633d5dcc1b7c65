// The presets menu, filled from GET /presets.

export function bindPresets(select, store, sessions) {
  select.addEventListener('change', async () => {
    const p = store.state.presets.find((x) => x.id === select.value);
    if (p) await sessions.loadScenario(structuredClone(p.scenario));
  });
  let filled = null;
  let shown = null;
  return {
    update(state) {
      if (state.presets === filled && state.scenario === shown) return;
      shown = state.scenario;
      if (state.presets !== filled) {
        filled = state.presets;
        select.textContent = '';
        select.append(new Option('Choose a preset…', ''));
        for (const p of state.presets) {
          const o = new Option(p.title, p.id);
          o.title = p.summary;
          select.append(o);
        }
      }
      // Show the preset whose scenario is on screen (or none once something was changed).
      const match = state.presets.find((p) => sameJson(p.scenario, state.scenario));
      const v = match ? match.id : '';
      if (select.value !== v) select.value = v;
    },
  };
}

function sameJson(a, b) {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
