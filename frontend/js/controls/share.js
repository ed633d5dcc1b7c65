// Share: a short link for the current view (POST /links), its full URL as text, a copy button
// and its QR code, shown large on request (big enough to scan from a projected slide).

import * as api from '../api.js';
import { createDialog, h } from './dialogs.js';

/**
 * linkBody(title) -> Promise of the POST /links body for the view on screen ({scenario, step, view, title}).
 * Returns {open, showQr}: open the share dialog (making a link), show the current view's QR large.
 */
export function bindShare(root, store, { linkBody }) {
  const made = new Map(); // JSON of the body -> Promise<link>: the same view gives the same link

  const d = createDialog({ title: 'Share this view', testid: 'share-dialog', cls: 'share' });
  const titleInput = h('input', { testid: 'share-title', attrs: { type: 'text', maxlength: '120', id: 'share-title', placeholder: 'a title shown with the link (optional)' } });
  const titleLabel = h('label', { text: 'Title', attrs: { for: 'share-title' } });
  const remake = h('button', { text: 'New link with this title', testid: 'share-create', attrs: { type: 'button' } });
  const status = h('p', { cls: 'share-status', testid: 'share-status', attrs: { role: 'status' } });
  const url = h('a', { cls: 'share-url', testid: 'share-url', attrs: { target: '_blank', rel: 'noopener' } });
  const copy = h('button', { text: 'Copy', testid: 'share-copy', attrs: { type: 'button' } });
  const qr = h('img', { cls: 'qr', testid: 'qr', attrs: { alt: 'QR code of the short link', width: '180', height: '180' } });
  const large = h('button', { text: 'Show the QR code large', testid: 'qr-large-open', attrs: { type: 'button' } });
  const explain = h('p', { cls: 'share-note', text: 'The link opens exactly this view: the same scenario, step, phase and colours, with the same numbers.' });
  const linkBox = h('div', { cls: 'share-link' }, h('div', { cls: 'share-url-row' }, url, copy), h('div', { cls: 'share-qr-row' }, qr, h('div', { cls: 'share-qr-side' }, explain, large)));
  linkBox.hidden = true;
  d.body.append(h('div', { cls: 'share-title-row' }, titleLabel, titleInput, remake), status, linkBox);

  // The large QR code: a modal of its own, filling most of the screen.
  const big = createDialog({ title: 'Scan to open this view', testid: 'qr-modal', cls: 'qr-modal' });
  const bigImg = h('img', { cls: 'qr-big', testid: 'qr-large', attrs: { alt: 'QR code of the short link, large' } });
  const bigUrl = h('p', { cls: 'qr-big-url', testid: 'qr-large-url' });
  big.body.append(bigImg, bigUrl);
  bigImg.addEventListener('click', () => big.close());

  let current = null;

  async function make(title) {
    const b = await linkBody(title);
    const key = JSON.stringify(b);
    if (!made.has(key)) {
      const p = api.createLink(b);
      made.set(key, p);
      p.catch(() => made.delete(key));
    }
    return made.get(key);
  }

  function describe(err) {
    if (err?.status === 429) {
      const wait = err.retryAfter ? ` Try again in ${err.retryAfter} s.` : ' Try again in a minute.';
      return `Too many links were made from this address in the last minute.${wait}`;
    }
    if (err?.status === 413) return `This view is too large for a link: ${err.message}`;
    if (err?.status === 503) return 'The link store cannot be reached now; try again soon.';
    return `No link could be made: ${err?.message ?? err}`;
  }

  function show(link) {
    current = link;
    url.textContent = link.url;
    url.href = link.url;
    qr.src = link.qr_svg_url;
    linkBox.hidden = false;
    status.textContent = link.title ? `Link made: “${link.title}”` : 'Link made.';
    status.classList.remove('bad');
  }

  async function createAndShow(title) {
    status.textContent = 'Making a link…';
    status.classList.remove('bad');
    try {
      show(await make(title));
      return current;
    } catch (err) {
      linkBox.hidden = true;
      status.textContent = describe(err);
      status.classList.add('bad');
      return null;
    }
  }

  async function open() {
    const s = store.state;
    if (!s.scenario) return;
    titleInput.value = s.scenario.title ?? '';
    linkBox.hidden = true;
    d.open();
    await createAndShow(titleInput.value.trim() || null);
  }

  remake.addEventListener('click', () => createAndShow(titleInput.value.trim() || null));
  titleInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      remake.click();
    }
  });
  copy.addEventListener('click', async () => {
    if (!current) return;
    try {
      await navigator.clipboard.writeText(current.url);
      copy.textContent = 'Copied';
    } catch {
      // No clipboard permission: select the text so that Ctrl+C copies it.
      const range = document.createRange();
      range.selectNodeContents(url);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      copy.textContent = 'Selected: press Ctrl+C';
    }
    setTimeout(() => (copy.textContent = 'Copy'), 2000);
  });

  function showLarge(link) {
    bigImg.src = `${link.qr_svg_url}?scale=16`;
    bigUrl.textContent = link.url;
    big.open();
  }
  large.addEventListener('click', () => current && showLarge(current));

  root.querySelector('[data-testid="share"]')?.addEventListener('click', () => open());

  return {
    open,
    /** The QR code of the view on screen, large (lecture mode's Q key). */
    async showQr() {
      if (big.isOpen) {
        big.close();
        return;
      }
      try {
        const link = await make(store.state.scenario?.title ?? null);
        current = link;
        showLarge(link);
      } catch (err) {
        store.set({ notice: describe(err) });
      }
    },
  };
}
