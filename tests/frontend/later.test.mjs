// later.js: a stand-in made at once for a module loaded later hands it the calls made meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAll, loadLater } from '../../frontend/js/later.js';

test('calls before the load reach the real object (the last of each method, in order); later ones go straight', async () => {
  const log = [];
  let release;
  let asked = 0;
  const loaded = new Promise((resolve) => (release = resolve));
  const createThing = loadLater(() => (asked++, loaded), 'createThing');
  const thing = createThing('el', { option: 1 });
  assert.equal(thing.update('state-1'), undefined); // not loaded yet
  thing.reset();
  thing.update('state-2');
  assert.equal(asked, 0); // nothing is fetched before loadAll()
  const all = loadAll();
  assert.equal(asked, 1);
  assert.deepEqual(log, []);
  release({
    createThing: (...args) => {
      log.push(['create', ...args]);
      return {
        update: (s) => (log.push(['update', s]), true),
        reset: () => log.push(['reset']),
      };
    },
  });
  await all;
  assert.deepEqual(log, [['create', 'el', { option: 1 }], ['reset'], ['update', 'state-2']]);
  assert.equal(thing.update('state-3'), true); // the real method's answer
  assert.deepEqual(log.at(-1), ['update', 'state-3']);
});

test('loadAll rejects when a module could not be loaded', async () => {
  const make = loadLater(() => Promise.reject(new Error('offline')), 'make');
  make();
  await assert.rejects(loadAll(), /offline/);
});

test('once loaded, a property that is not a method reads through (a getter such as live.info)', async () => {
  let role = 'student';
  const make = loadLater(async () => ({ bind: () => ({ get info() { return { role }; }, update() {} }) }), 'bind');
  const standIn = make();
  // loadAll also waits for the earlier tests' loads (one of them fails on purpose)
  await loadAll().catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(standIn.info, { role: 'student' });
  role = 'lecturer';
  assert.equal(standIn.info.role, 'lecturer');
  assert.equal(typeof standIn.update, 'function');
});
