// The data for the output view: {inputs, targets, train: [row], test: [row]}.

import * as api from './api.js';

/**
 * With a /dataset endpoint, from it; otherwise from two full-batch traces of update 0: one over
 * every row (train_fraction 1), one over the training rows. A trace's batch lists row numbers,
 * raw inputs and encoded targets, so no data is generated or split in JavaScript.
 */
export async function fetchDataset(openapi, scenario, maxBatch) {
  if (api.hasEndpoint(openapi, 'dataset')) return api.postDataset(scenario);
  const all = { ...scenario, batch_size: maxBatch, dataset: { ...scenario.dataset, train_fraction: 1 } };
  const train = { ...scenario, batch_size: maxBatch };
  const [a, b] = await Promise.all([api.postStep(all, 0, 1), api.postStep(train, 0, 1)]);
  return mergeBatches(a.trace.batch, b.trace.batch);
}

/** Rows of the whole set and of the training set -> the data with its split. */
export function mergeBatches(everyRow, trainRows) {
  const n = everyRow.indices.length;
  const inputs = new Array(n);
  const targets = new Array(n);
  everyRow.indices.forEach((row, k) => {
    inputs[row] = everyRow.inputs[k];
    targets[row] = everyRow.targets[k];
  });
  const isTrain = new Uint8Array(n);
  for (let k = 0; k < trainRows.indices.length; k++) {
    const row = trainRows.indices[k];
    const x = trainRows.inputs[k];
    // The split must not move the rows; if it did, only the training rows are shown.
    if (!inputs[row] || inputs[row].some((v, c) => v !== x[c])) {
      return { inputs: trainRows.inputs, targets: trainRows.targets, train: trainRows.inputs.map((_, i) => i), test: [] };
    }
    isTrain[row] = 1;
  }
  const train = [];
  const test = [];
  for (let row = 0; row < n; row++) (isTrain[row] ? train : test).push(row);
  return { inputs, targets, train, test };
}
