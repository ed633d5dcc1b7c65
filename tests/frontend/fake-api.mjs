// A fake of api.js for session tests: a 1-1 network whose only weight is w_k = w0 + k·dw after
// k updates (each update adds dw), answered the way the API answers (/snapshot, /step, /train,
// /dataset). It records every call, so tests can say which requests an action made.

export function fakeApi({ w0 = 0, dw = 1, divergeAt = Infinity, maxTrainSteps = Infinity } = {}) {
  const calls = [];
  const weight = (scenario, k) => (scenario.w0 ?? w0) + k * dw;
  const params = (scenario, k) => [{ W: [[weight(scenario, k)]], b: [0] }];
  const snapshot = (scenario, k) => ({
    step: k,
    epoch: k / 4,
    params: params(scenario, k),
    metrics: { train_loss: 1 / (k + 1), test_loss: 1 / (k + 1) },
    diverged: k >= divergeAt,
    diverged_at_step: k >= divergeAt ? divergeAt : null,
    lr: 0.5,
    output_activation: 'sigmoid',
    loss: 'bce',
  });
  const layer = (scenario, k) => ({
    W: [[weight(scenario, k)]],
    b: [0],
    z: [[weight(scenario, k)]],
    a: [[0.5]],
    dL_da: [[-0.5]],
    delta: [[-0.125]],
    fprime: [[0.25]],
    grad_W: [[-dw / 0.5]],
    grad_b: [-0.125],
    update_W: [[dw]],
    update_b: [0],
    W_after: [[weight(scenario, k + 1)]],
    b_after: [0],
    grad_norm: 2 * dw,
  });
  const settle = (value) => new Promise((resolve) => setTimeout(() => resolve(structuredClone(value)), 1));
  return {
    calls,
    count: (name) => calls.filter((c) => c[0] === name).length,
    postSnapshot(scenario, step) {
      calls.push(['snapshot', step]);
      return settle(snapshot(scenario, step));
    },
    postStep(scenario, step) {
      calls.push(['step', step]);
      const trace = step >= divergeAt ? null : { lr: 0.5, optimizer: 'sgd', batch: { indices: [0], inputs: [[1]], features: [[1]], targets: [[1]] }, loss: { total: 0.7, per_sample: [0.7] }, layers: [layer(scenario, step)] };
      return settle({ ...snapshot(scenario, step + 1), trace });
    },
    postTrain(scenario, step, steps) {
      calls.push(['train', step, steps]);
      if (steps > maxTrainSteps) {
        const err = Object.assign(new Error(`step: about ${steps} s of work, over the limit`), { status: 422, body: { detail: [{ loc: ['body', 'step'], msg: 'too much work', type: 'work_too_large' }] } });
        return new Promise((resolve, reject) => setTimeout(() => reject(err), 1));
      }
      const to = step + steps;
      const history = Array.from({ length: steps }, (_, n) => ({ step: step + n + 1, loss: 0.5, lr: 0.5, grad_norm: [1] }));
      return settle({ ...snapshot(scenario, to), history, evaluations: [{ step: to, train_loss: 0.5, test_loss: 0.5 }] });
    },
    postHeatmaps(scenario, step) {
      calls.push(['heatmaps', step]);
      return settle(null);
    },
    postDataset(scenario, step) {
      calls.push(['dataset', step]);
      return settle({ step, inputs: [[1]], features: [[1]], targets: [[1]], labels: null, train: [0], test: [], extent: [-6, 6, -6, 6] });
    },
  };
}
