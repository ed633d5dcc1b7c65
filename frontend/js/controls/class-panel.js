// The live class on screen (class.css): the header's one "Class" button, the class bar under the
// rewind row (the lecturer's code, QR code, followers, Ask, tally and End class; a student's
// "following", Explore, Rejoin and the poll's big buttons) and the join dialog with the code and
// the QR code large for the screen. DOM only: live-class.js says what to show. Every text from
// the server or a person (titles, questions, choices) is set as text, never as HTML.

import { createDialog, h } from './dialogs.js';

/**
 * root: the header's #class-tools. on: {start, showJoin, ask, closePoll, end, explore, rejoin,
 * vote(index), pickBase(url)}. Returns the elements' setters (see below).
 */
export function createClassPanel(root, on) {
  const button = h('button', { cls: 'class-button', text: 'Class', testid: 'class-start', attrs: { type: 'button', title: 'Start a live class: the students’ screens follow this one' } });
  root?.append(button);
  button.addEventListener('click', () => (button.dataset.testid === 'class-start' ? on.start() : on.showJoin()));

  // ---- the bar
  const bar = h('section', { cls: 'class-bar', testid: 'class-bar', attrs: { 'aria-label': 'Live class' } });
  const code = h('strong', { cls: 'class-code', testid: 'class-code' });
  const codeBox = h('span', { cls: 'class-id' }, h('span', { cls: 'class-id-label', text: 'Class' }), code);
  const qr = h('img', { cls: 'class-qr', testid: 'class-qr', attrs: { alt: 'QR code to join the class (click for a large one)', width: '64', height: '64' } });
  const status = h('span', { cls: 'class-status', testid: 'class-status', attrs: { role: 'status' } });
  const position = h('span', { cls: 'class-position', testid: 'class-position' });
  const followers = h('output', { cls: 'class-followers', testid: 'class-followers' });
  const followersBox = h('span', { cls: 'class-followers-box' }, followers, document.createTextNode(' following'));
  const ask = h('button', { cls: 'primary', text: 'Ask the class', testid: 'class-poll', attrs: { type: 'button', title: 'Ask the students which way the selected weight (or the loss) will move' } });
  const showJoin = h('button', { text: 'Join code', testid: 'class-show', attrs: { type: 'button', title: 'Show the class code and its QR code large' } });
  const end = h('button', { text: 'End class', testid: 'class-end', attrs: { type: 'button' } });
  const explore = h('button', { text: 'Explore', testid: 'class-explore', attrs: { type: 'button', title: 'Stop following: change anything, on your own' } });
  const rejoin = h('button', { cls: 'primary', text: 'Rejoin', testid: 'class-rejoin', attrs: { type: 'button', title: 'Back to the lecturer’s view' } });
  const actions = h('span', { cls: 'class-actions' }, ask, showJoin, explore, rejoin, end);
  const main = h('div', { cls: 'class-main' }, codeBox, qr, h('span', { cls: 'class-where' }, status, position), followersBox, actions);

  // ---- the poll: the lecturer's tally, the students' choices
  const poll = h('div', { cls: 'class-poll-box', testid: 'poll-box', attrs: { 'aria-live': 'polite' } });
  const question = h('p', { cls: 'poll-question', testid: 'poll-question' });
  const choices = h('div', { cls: 'poll-choices' });
  const tally = h('div', { cls: 'poll-tally', testid: 'poll-tally' });
  const mine = h('p', { cls: 'poll-mine', testid: 'poll-mine' });
  const reveal = h('p', { cls: 'poll-reveal', testid: 'poll-reveal' });
  const closePoll = h('button', { cls: 'small', text: 'Close', testid: 'poll-close', attrs: { type: 'button', title: 'Close the question (the answer stays unknown); Hide: clear it from the screen' } });
  poll.append(question, choices, tally, closePoll, mine, reveal);
  poll.hidden = true;
  bar.append(main, poll);
  bar.hidden = true;
  const anchor = document.querySelector('.rewind-row');
  if (anchor) anchor.parentElement.insertBefore(bar, anchor.nextSibling);
  else document.body.prepend(bar);

  ask.addEventListener('click', () => on.ask());
  showJoin.addEventListener('click', () => on.showJoin());
  qr.addEventListener('click', () => on.showJoin());
  end.addEventListener('click', () => on.end());
  explore.addEventListener('click', () => on.explore());
  rejoin.addEventListener('click', () => on.rejoin());
  closePoll.addEventListener('click', () => on.closePoll());

  // ---- the join dialog: the code and the QR code large, and where students reach this machine
  const join = createDialog({ title: 'Join the class', testid: 'class-join', cls: 'class-join' });
  const joinCode = h('p', { cls: 'class-join-code', testid: 'class-join-code' });
  const joinQr = h('img', { cls: 'class-join-qr', testid: 'class-qr-large', attrs: { alt: 'QR code to join the class, large' } });
  const joinUrl = h('p', { cls: 'class-join-url', testid: 'class-join-url' });
  const joinHow = h('p', { cls: 'class-join-how', text: 'Scan the code, or open the address and type the class code. Your screen then follows this one.' });
  const reach = h('div', { cls: 'class-reach', testid: 'class-reach' });
  reach.hidden = true;
  const joinText = h('div', { cls: 'class-join-text' }, h('p', { cls: 'class-join-label', text: 'Class code' }), joinCode, joinUrl, joinHow, reach);
  join.body.append(h('div', { cls: 'class-join-grid' }, joinQr, joinText));
  joinQr.addEventListener('click', () => join.close());

  const text = (el, t) => el.textContent !== t && (el.textContent = t);
  let choiceKey = null;
  let choiceButtons = [];

  return {
    bar,
    /** role: null (no class), 'lecturer' or 'student'. */
    setRole(role) {
      button.dataset.testid = role ? 'class-open' : 'class-start';
      button.textContent = 'Class';
      button.classList.toggle('live', !!role);
      button.title = role ? 'The class code and its QR code, large' : 'Start a live class: the students’ screens follow this one';
      bar.hidden = !role;
      bar.dataset.role = role ?? '';
      document.body.classList.toggle('in-class', !!role);
      for (const el of [ask, end, followersBox]) el.hidden = role !== 'lecturer';
      explore.hidden = role !== 'student';
      rejoin.hidden = true;
      if (!role) {
        join.close();
        poll.hidden = true;
      }
    },
    setCode(c, formatted) {
      text(code, formatted);
      text(joinCode, formatted);
      code.title = `Class code ${c}`;
    },
    setJoin({ url, qrSmall, qrLarge }) {
      text(joinUrl, url ?? '');
      if (qrSmall && qr.getAttribute('src') !== qrSmall) qr.src = qrSmall;
      if (qrLarge && joinQr.getAttribute('src') !== qrLarge) joinQr.src = qrLarge;
    },
    setFollowers(n) {
      text(followers, Number.isInteger(n) ? String(n) : '…');
    },
    /** The student's line: following or exploring, and where the class is. */
    setStudent({ following, ended, where }) {
      text(status, ended ? 'The class has ended.' : following ? 'Following the class' : 'Exploring on your own:');
      text(position, ended ? '' : where ?? '');
      explore.hidden = !following || ended;
      rejoin.hidden = following || ended;
      bar.classList.toggle('exploring', !following && !ended);
    },
    setLecturer({ note }) {
      text(status, note ?? '');
      text(position, '');
    },
    setAskEnabled(on) {
      ask.disabled = !on;
    },
    /**
     * poll: null (none) or {id, question, choices, open, counts, voters, mine (index|null),
     * revealText, role}. The lecturer sees the tally; a student the choices, as big buttons.
     */
    setPoll(p) {
      poll.hidden = !p;
      bar.classList.toggle('polling', !!p?.open);
      if (!p) return;
      text(question, p.question ?? '');
      const student = p.role === 'student';
      const key = `${p.id}|${JSON.stringify(p.choices)}`;
      if (student && key !== choiceKey) {
        choiceKey = key;
        choiceButtons = (p.choices ?? []).map((c, idx) => {
          const b = h('button', { cls: 'poll-choice', text: c, testid: 'poll-choice', attrs: { type: 'button', 'data-choice': String(idx), 'aria-pressed': 'false' } });
          b.addEventListener('click', () => on.vote(idx));
          return b;
        });
        choices.replaceChildren(...choiceButtons);
      }
      choices.hidden = !student;
      choiceButtons.forEach((b, idx) => {
        b.setAttribute('aria-pressed', String(p.mine === idx));
        b.disabled = !p.open;
        b.classList.toggle('right', p.answer === idx);
      });
      tally.hidden = student;
      if (!student) {
        const counts = p.counts ?? [];
        const most = Math.max(1, ...counts);
        tally.replaceChildren(
          ...(p.choices ?? []).map((c, idx) => {
            const n = counts[idx] ?? 0;
            const fill = h('span', { cls: 'tally-fill', attrs: { style: `width: ${(100 * n) / most}%` } });
            return h('div', { cls: `tally-row${p.answer === idx ? ' right' : ''}`, attrs: { 'data-choice': String(idx) } }, h('span', { cls: 'tally-choice', text: c }), h('span', { cls: 'tally-bar' }, fill), h('output', { cls: 'tally-count', text: String(n) }));
          }),
          h('p', { cls: 'tally-voters', testid: 'poll-voters', text: `${p.voters ?? 0} answered${p.open ? ' so far' : ''}` }),
        );
      }
      text(mine, student ? (p.mine === null || p.mine === undefined ? (p.open ? 'Tap your answer.' : '') : `Your answer: ${p.choices?.[p.mine]}.${p.open ? ' You can change it until the answer is shown.' : ''}`) : '');
      text(reveal, p.revealText ?? '');
      reveal.hidden = !p.revealText;
      // The lecturer closes an open question (its answer then stays unknown); anyone hides a
      // closed one from their own screen.
      closePoll.hidden = student && p.open;
      closePoll.textContent = p.open ? 'Close' : 'Hide';
    },
    /** The reach warning (loopback) with the addresses to pick from; null hides it. */
    setReach(info) {
      reach.replaceChildren();
      reach.hidden = !info;
      if (!info) return;
      for (const line of info.warnings) reach.append(h('p', { cls: 'class-warn', testid: 'class-reach-warning', text: line }));
      if (!info.addresses?.length) return;
      const pick = h('select', { testid: 'class-base', attrs: { 'aria-label': 'The address students reach' } });
      pick.append(h('option', { text: `${location.origin}  (this computer only)`, attrs: { value: '' } }));
      for (const a of info.addresses) {
        const option = h('option', { text: `${a.base_url}  (${a.interface})`, attrs: { value: a.base_url } });
        if (a.base_url === info.picked) option.selected = true;
        pick.append(option);
      }
      pick.addEventListener('change', () => on.pickBase(pick.value || null));
      reach.append(h('label', { cls: 'class-base-row', text: 'Students reach this machine at ' }, pick));
    },
    openJoin: () => join.open(),
    closeJoin: () => join.close(),
    get joinOpen() {
      return join.isOpen;
    },
  };
}
