// Pinning a data row: the sample shown then stays the same row of the data from step to step
// (its numbers change because the network learned, not because another row was picked). The
// row is the link's optional `r`; state.js derives the sample shown from it.

import { tracedRows } from '../state.js';

export function bindPin(root, store) {
  const select = root.querySelector('#sample');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'small pin-row';
  button.dataset.testid = 'pin-row';
  const status = document.createElement('span');
  status.className = 'pin-status';
  status.dataset.testid = 'pin-status';
  status.setAttribute('role', 'status');
  select?.closest('label')?.after(button, status);

  button.addEventListener('click', () => {
    const state = store.state;
    if (state.row !== null) {
      store.set({ row: null });
      return;
    }
    const row = tracedRows(state.trace)[state.sample];
    if (row !== undefined) store.set({ row });
  });

  let shown = '';
  return {
    update(state) {
      const pinned = state.row !== null;
      const key = `${state.row}|${state.rowInBatch}|${state.sample}|${tracedRows(state.trace)[state.sample]}`;
      if (key === shown) return;
      shown = key;
      button.setAttribute('aria-pressed', String(pinned));
      const here = tracedRows(state.trace)[state.sample];
      button.textContent = pinned ? `row ${state.row} pinned ✕` : 'pin row';
      button.title = pinned
        ? `Row ${state.row} of the data is pinned: shown whenever a batch holds it. Click to unpin.`
        : `Pin this sample's data row${here === undefined ? '' : ` (row ${here})`}, so that the same row is shown at every step`;
      status.textContent = pinned && state.rowInBatch === false ? `row ${state.row} is not in this batch` : '';
    },
  };
}
