// The lessons gallery: the lesson presets of GET /presets (title, what it shows, what to watch),
// in a dialog. Opening one loads it; a lesson that contrasts two settings opens in compare mode.
// A banner keeps the lesson's "watch" text on screen while it is taught.

import { createDialog, h } from './dialogs.js';

/** sessions: the page's session group; deps: {compare: {open, close}}. Returns {open(), openLesson(id)}. */
export function bindLessons(root, store, sessions, { compare }) {
  const d = createDialog({ title: 'Lessons', testid: 'lessons-dialog', cls: 'lessons' });
  const intro = h('p', { cls: 'lessons-intro', text: 'Each lesson sets up a scenario that shows one idea. Open it, then step through it or press Play, and watch what it names.' });
  const list = h('ul', { cls: 'lesson-list' });
  d.body.append(intro, list);

  const banner = h('aside', { cls: 'lesson-banner', testid: 'lesson-banner', attrs: { 'aria-label': 'Lesson' } });
  const bannerTitle = h('strong', { cls: 'lesson-banner-title' });
  const bannerWatch = h('span', { cls: 'lesson-banner-watch' });
  const bannerClose = h('button', { cls: 'small', text: '✕', attrs: { type: 'button', 'aria-label': 'Hide the lesson note' } });
  banner.append(bannerTitle, bannerWatch, bannerClose);
  banner.hidden = true;
  bannerClose.addEventListener('click', () => (banner.hidden = true));
  const anchor = root.querySelector('.rewind-row');
  anchor?.parentElement.insertBefore(banner, anchor.nextSibling);

  const lessons = () => (store.state.presets ?? []).filter((p) => p.lesson);

  let filled = null;
  function fill() {
    if (filled === store.state.presets) return;
    filled = store.state.presets;
    list.textContent = '';
    for (const p of lessons()) {
      const open = h('button', { cls: 'primary', text: p.compare ? 'Open (compare)' : 'Open', testid: 'lesson-open', attrs: { type: 'button', 'data-lesson': p.id } });
      open.addEventListener('click', () => openLesson(p.id));
      const item = h(
        'li',
        { cls: 'lesson', attrs: { 'data-lesson': p.id } },
        h('h3', { text: p.title }),
        h('p', { cls: 'lesson-summary', text: p.summary ?? '' }),
        p.watch ? h('p', { cls: 'lesson-watch' }, h('b', { text: 'Watch: ' }), document.createTextNode(p.watch)) : null,
        h(
          'p',
          { cls: 'lesson-meta' },
          document.createTextNode(p.steps ? `About ${p.steps} step${p.steps === 1 ? '' : 's'}.` : ''),
          p.compare ? document.createTextNode(` Side by side with: ${p.compare_label ?? p.compare.title ?? 'a variant'}.`) : null,
        ),
        open,
      );
      list.appendChild(item);
    }
    if (!list.children.length) list.append(h('li', { text: 'The server lists no lessons.' }));
  }

  async function openLesson(id) {
    const p = lessons().find((x) => x.id === id);
    if (!p) return false;
    d.close();
    const ok = await sessions.loadScenario(structuredClone(p.scenario));
    if (!ok) return false;
    if (p.compare) await compare.open(p.compare, p.compare_label ?? null);
    else compare.close();
    bannerTitle.textContent = `Lesson: ${p.title}`;
    bannerWatch.textContent = p.watch ? ` Watch ${p.watch}.` : '';
    banner.hidden = false;
    return true;
  }

  root.querySelector('[data-testid="lessons"]')?.addEventListener('click', () => {
    fill();
    d.open();
  });
  // A preset chosen from the menu is not the lesson any more, nor compared.
  root.querySelector('#presets')?.addEventListener('change', () => {
    banner.hidden = true;
    compare.close();
  });

  return {
    open() {
      fill();
      d.open();
    },
    openLesson,
  };
}
