// Small modal dialogs (<dialog>): built from DOM nodes, never from HTML text, so that titles and
// any other user text stay text.

/** An element with a class and text (textContent, never innerHTML). */
export function h(tag, { cls, text, testid, attrs } = {}, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  if (testid) e.dataset.testid = testid;
  for (const [k, v] of Object.entries(attrs ?? {})) e.setAttribute(k, v);
  e.append(...children.filter(Boolean));
  return e;
}

/** A modal dialog with a heading and a close button; `body` is where content goes. */
export function createDialog({ title, testid, cls = '' }) {
  const dialog = h('dialog', { cls: `pg-dialog ${cls}`.trim(), testid, attrs: { 'aria-label': title } });
  const head = h('div', { cls: 'pg-dialog-head' });
  const heading = h('h2', { text: title });
  const close = h('button', { cls: 'small', text: '✕', testid: testid ? `${testid}-close` : undefined, attrs: { type: 'button', 'aria-label': 'Close' } });
  close.addEventListener('click', () => dialog.close());
  head.append(heading, close);
  const body = h('div', { cls: 'pg-dialog-body' });
  dialog.append(head, body);
  // A click on the backdrop (outside the box) closes it.
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();
  });
  document.body.appendChild(dialog);
  return {
    dialog,
    body,
    heading,
    open() {
      if (!dialog.open) dialog.showModal();
    },
    close() {
      if (dialog.open) dialog.close();
    },
    get isOpen() {
      return dialog.open;
    },
  };
}

// Keys pressed inside an open dialog belong to it: the page's shortcuts (Space steps, arrows
// walk phases) must not act behind a modal.
for (const type of ['keydown', 'keyup']) {
  window.addEventListener(type, (e) => {
    // Q stays: in lecture mode it shows and hides the QR code.
    if (e.key === 'q' || e.key === 'Q') return;
    if (e.target instanceof Element && e.target.closest('dialog[open]')) e.stopImmediatePropagation();
  }, { capture: true });
}

let confirmBox = null;

/**
 * Asks before something is lost (a page dialog, so that tests and keyboards can answer it).
 * Resolves true for OK, false for Cancel, Escape or a click outside.
 */
export function confirmDialog(message, { ok = 'OK', cancel = 'Cancel' } = {}) {
  if (!confirmBox) {
    const d = createDialog({ title: 'Are you sure?', testid: 'confirm', cls: 'confirm' });
    const text = h('p', { cls: 'confirm-text', testid: 'confirm-text' });
    const okBtn = h('button', { cls: 'primary', testid: 'confirm-ok', attrs: { type: 'button' } });
    const cancelBtn = h('button', { testid: 'confirm-cancel', attrs: { type: 'button' } });
    d.body.append(text, h('div', { cls: 'pg-dialog-actions' }, cancelBtn, okBtn));
    confirmBox = { d, text, okBtn, cancelBtn, resolve: null };
    okBtn.addEventListener('click', () => {
      d.dialog.returnValue = 'ok';
      d.close();
    });
    cancelBtn.addEventListener('click', () => d.close());
    d.dialog.addEventListener('close', () => {
      const r = confirmBox.resolve;
      confirmBox.resolve = null;
      r?.(d.dialog.returnValue === 'ok');
    });
  }
  const box = confirmBox;
  box.resolve?.(false);
  box.text.textContent = message;
  box.okBtn.textContent = ok;
  box.cancelBtn.textContent = cancel;
  box.d.dialog.returnValue = '';
  box.d.open();
  box.cancelBtn.focus();
  return new Promise((resolve) => (box.resolve = resolve));
}
