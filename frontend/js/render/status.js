// Counters, phase label, play button, rewind slider, metrics line, and the banners:
// divergence, API errors and notices.

import { fmt, fmtEpoch, pct } from '../format.js';
import { phaseHint, phaseLabel } from '../phases.js';

/**
 * Where a scenario's whole-set numbers come from, when it matters: with batch normalization or
 * dropout they are eval mode (running statistics, no dropout), unlike a trace (API.md).
 */
export function evalModeNote(scenario) {
  const norm = scenario?.normalization?.kind === 'batch';
  const drop = (scenario?.dropout?.rate ?? 0) > 0;
  if (!norm && !drop) return '';
  return `eval mode: ${norm ? 'running statistics, ' : ''}no dropout`;
}

/** Where a trace's numbers come from, with batch normalization or dropout ('' without). */
export function trainModeNote(scenario) {
  const norm = scenario?.normalization?.kind === 'batch';
  const drop = (scenario?.dropout?.rate ?? 0) > 0;
  if (!norm && !drop) return '';
  return `training mode (${[norm ? 'batch statistics' : '', drop ? 'dropout on' : ''].filter(Boolean).join(', ')})`;
}

/**
 * The whole-set numbers of a step, in words: not the batch's L nor the sample's ℓ. `scenario`:
 * with normalization or dropout, the line says that these numbers are eval mode.
 */
export function metricsLine(m, { short = false, scenario = null } = {}) {
  const hasAcc = m.train_accuracy !== null && m.train_accuracy !== undefined;
  const note = evalModeNote(scenario);
  const tail = note ? ` · ${note}` : '';
  if (short) return `train / test loss ${fmt(m.train_loss, 3)} / ${fmt(m.test_loss, 3)}${hasAcc ? ` · accuracy ${pct(m.train_accuracy)} / ${pct(m.test_accuracy)}` : ''}${tail}`;
  const acc = hasAcc ? ` · accuracy train / test ${pct(m.train_accuracy)} / ${pct(m.test_accuracy)}` : '';
  return `train / test loss (whole set) ${fmt(m.train_loss)} / ${fmt(m.test_loss)}${acc}${tail}`;
}

export function createStatus(root, { onDismissError }) {
  const q = (sel) => root.querySelector(sel);
  const counter = q('[data-testid="step-counter"]');
  const phase = q('[data-testid="phase-label"]');
  const play = q('[data-testid="play"]');
  const rewind = q('[data-testid="rewind"]');
  const rewindOut = q('#rewind-value');
  const epoch = q('#epoch');
  const metrics = q('#metrics');
  const banner = q('#banner');
  const error = q('#error');
  const errorText = q('#error-text');
  const notice = q('#notice');
  const title = q('#scenario-title');
  const hint = q('[data-testid="phase-hint"]');
  q('#error-dismiss').addEventListener('click', onDismissError);

  const text = (el, t) => {
    if (el.textContent !== t) el.textContent = t;
  };

  let slowAt = 0;
  let wasPlaying = false;
  return {
    update(state) {
      // The network's phases: a normalized layer's sub-phases count (phases.js).
      const layers = state.trace?.layers;
      const L = layers && layers.length === state.params?.length ? layers : state.params ?? 0;
      text(counter, String(state.step));
      // While playing, the slider and the epoch follow ten times a second (the counter always).
      const now = performance.now();
      if (state.playing && wasPlaying && now - slowAt < 100) return;
      slowAt = now;
      if (wasPlaying !== state.playing) {
        // A screen reader hears the step when it stops changing, not sixty times a second.
        counter.setAttribute('aria-live', state.playing ? 'off' : 'polite');
      }
      wasPlaying = state.playing;
      const label = state.playing ? 'playing' : phaseLabel(state.phase, L);
      text(phase, label);
      if (hint) text(hint, phaseHint(state.phase, L, state.playing));
      phase.dataset.phase = state.playing ? 'play' : state.phase < 0 ? 'ready' : label.split(' ')[0];
      text(play, state.playing ? '❚❚ Pause' : '▶ Play');
      play.setAttribute('aria-pressed', String(state.playing));
      play.setAttribute('aria-label', state.playing ? 'Pause' : 'Play');
      const max = String(Math.max(state.maxStep, state.step));
      if (rewind.max !== max) rewind.max = max;
      if (document.activeElement !== rewind || state.playing) {
        if (rewind.value !== String(state.step)) rewind.value = String(state.step);
      }
      rewind.setAttribute('aria-valuetext', `step ${state.step} of ${max}`);
      text(rewindOut, `${state.step} / ${max}`);
      const snap = state.snapshot;
      text(epoch, snap ? fmtEpoch(snap.epoch) : '…');
      const diverged = !!snap?.diverged;
      banner.hidden = !diverged;
      if (diverged) {
        text(banner, `Training diverged at step ${snap.diverged_at_step ?? '?'}: the loss or a weight is no longer a finite number (grey edges). Rewind to an earlier step, lower the learning rate, or turn on gradient clipping.`);
      }
      error.hidden = !state.error;
      if (state.error) text(errorText, `The API refused the request: ${state.error.message}`);
      notice.hidden = !state.notice;
      text(notice, state.notice ?? '');
      document.body.dataset.busy = String(state.busy);
    },
    /** The metrics line and the title, after the frame. */
    updateLater(state) {
      const m = state.snapshot?.metrics;
      text(metrics, m ? metricsLine(m, { short: document.body.classList.contains('compare'), scenario: state.scenario }) : '');
      text(title, state.scenario?.title ?? '');
    },
  };
}
