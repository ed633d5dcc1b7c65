// Share: a short link for the current view (POST /links), its full URL as text, a copy button
// and its QR code, shown large on request (big enough to scan from a projected slide).
// A page opened at 127.0.0.1 without PUBLIC_BASE_URL would make links only this machine opens:
// the dialog says so and offers the machine's network addresses; the one picked (remembered in
// this browser) is used for the link's URL and its QR codes.

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
  const reach = h('div', { cls: 'share-reach', testid: 'share-reach' });
  reach.hidden = true;
  const linkBox = h('div', { cls: 'share-link' }, h('div', { cls: 'share-url-row' }, url, copy), h('div', { cls: 'share-qr-row' }, qr, h('div', { cls: 'share-qr-side' }, explain, large)));
  linkBox.hidden = true;
  d.body.append(h('div', { cls: 'share-title-row' }, titleLabel, titleInput, remake), status, reach, linkBox);

  // The large QR code: a modal of its own, filling most of the screen.
  const big = createDialog({ title: 'Scan to open this view', testid: 'qr-modal', cls: 'qr-modal' });
  const bigImg = h('img', { cls: 'qr-big', testid: 'qr-large', attrs: { alt: 'QR code of the short link, large' } });
  const bigUrl = h('p', { cls: 'qr-big-url', testid: 'qr-large-url' });
  big.body.append(bigImg, bigUrl);
  bigImg.addEventListener('click', () => big.close());

  let current = null;
  let base = null; // the address students reach, when the page's own would not do
  let reachChecked = false;

  const BASE_KEY = 'bp-share-base';
  const remembered = () => {
    try {
      return localStorage.getItem(BASE_KEY);
    } catch {
      return null;
    }
  };
  const remember = (value) => {
    try {
      localStorage.setItem(BASE_KEY, value);
    } catch {
      // private mode: the choice lasts for this page only
    }
  };
  const urlOf = (link) => (base ? `${base}/s/${link.id}` : link.url);
  const qrOf = (link, scale) => {
    const q = new URLSearchParams();
    if (scale) q.set('scale', String(scale));
    if (base) q.set('base', base);
    const qs = q.toString();
    return qs ? `${link.qr_svg_url}?${qs}` : link.qr_svg_url;
  };

  /** Offers the network addresses when the page's address is one students cannot reach. */
  async function checkReach() {
    let info;
    try {
      info = await api.getNetworkAddresses();
    } catch {
      return;
    }
    reach.replaceChildren();
    base = null;
    reach.hidden = !!info.public_base_url || !info.loopback;
    if (reach.hidden) return;
    const here = location.host;
    const warn = h('p', { cls: 'share-warn', testid: 'share-reach-warning', text: `This page was opened at ${here}, which means “this computer”: students cannot open links or QR codes to it. Pick the address their network reaches, or set PUBLIC_BASE_URL.` });
    reach.append(warn);
    if (!info.listening_on_network) {
      reach.append(h('p', { cls: 'share-warn', text: 'The server listens on this computer only: start it with HOST=0.0.0.0 (make run HOST=0.0.0.0) so that the addresses below reach it.' }));
    }
    if (!info.addresses.length) {
      reach.append(h('p', { cls: 'share-warn', text: 'The server lists no network address for this machine.' }));
      return;
    }
    const pick = h('select', { testid: 'share-base', attrs: { 'aria-label': 'The address students reach' } });
    pick.append(h('option', { text: `${location.origin}  (this computer only)`, attrs: { value: '' } }));
    const saved = remembered();
    for (const a of info.addresses) {
      const option = h('option', { text: `${a.base_url}  (${a.interface})`, attrs: { value: a.base_url } });
      if (a.base_url === saved) {
        option.selected = true;
        base = saved;
      }
      pick.append(option);
    }
    pick.addEventListener('change', () => {
      base = pick.value || null;
      remember(pick.value);
      if (current) show(current);
    });
    reach.append(h('label', { cls: 'share-base-row', text: 'Students reach this machine at ' }, pick));
  }

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
    url.textContent = urlOf(link);
    url.href = urlOf(link);
    qr.src = qrOf(link);
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
    reachChecked = true;
    await checkReach();
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
      await navigator.clipboard.writeText(urlOf(current));
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
    bigImg.src = qrOf(link, 16);
    bigUrl.textContent = urlOf(link);
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
        if (!reachChecked) {
          reachChecked = true;
          await checkReach();
        }
        const link = await make(store.state.scenario?.title ?? null);
        current = link;
        showLarge(link);
      } catch (err) {
        store.set({ notice: describe(err) });
      }
    },
  };
}
