// What a live class keeps in this browser: the lecturer's key (localStorage, keyed by the
// class code: never in an address), the class this tab drives (sessionStorage, so a reload
// keeps driving), the device's voter id (localStorage: one vote per device and poll) and this
// tab's answer to a poll. Storage may be missing or refused (private mode): then nothing lasts.

const KEY_PREFIX = 'bp-class-key:';
const TAB_CLASS = 'bp-class';
const VOTER = 'bp-voter';
const VOTE_PREFIX = 'bp-vote:';
const BASE_KEY = 'bp-share-base'; // the address picked in the share dialog (share.js)

function read(kind, k) {
  try {
    return globalThis[kind]?.getItem(k) ?? null;
  } catch {
    return null;
  }
}

function write(kind, k, v) {
  try {
    if (v === null) globalThis[kind]?.removeItem(k);
    else globalThis[kind]?.setItem(k, v);
  } catch {
    // private mode: lasts for this page only
  }
}

/** The lecturer's key of a class (normalized code), or null. */
export const lecturerKey = (code) => read('localStorage', KEY_PREFIX + code);
/** The class this tab drives (its normalized code), or null. */
export const drivenClass = () => read('sessionStorage', TAB_CLASS);

/** This tab drives `code` with `key` from now on. */
export function rememberDriving(code, key) {
  write('localStorage', KEY_PREFIX + code, key);
  write('sessionStorage', TAB_CLASS, code);
}

/** The class ended (or its key was refused): forget it. */
export function forgetDriving(code) {
  if (code) write('localStorage', KEY_PREFIX + code, null);
  write('sessionStorage', TAB_CLASS, null);
}

/** The network address picked for students (the share dialog's choice too). */
export const pickedBase = () => read('localStorage', BASE_KEY);
export const rememberBase = (base) => write('localStorage', BASE_KEY, base ?? '');

/** The device's voter id: random, made once. */
export function voterId() {
  let id = read('localStorage', VOTER);
  if (!id) {
    id = globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
    write('localStorage', VOTER, id);
  }
  return id;
}

/** This tab's answer to a poll ({id, choices}), kept over a reload; null if none. */
export function myVote(poll) {
  const v = poll ? read('sessionStorage', VOTE_PREFIX + poll.id) : null;
  const n = Number(v);
  return v !== null && Number.isInteger(n) && n >= 0 && n < poll.choices.length ? n : null;
}

export const rememberVote = (poll, idx) => write('sessionStorage', VOTE_PREFIX + poll.id, String(idx));
