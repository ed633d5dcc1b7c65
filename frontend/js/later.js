// What the first frame does not need (the charts, the inspector, the export menu): fetched once
// that frame is out, so it waits neither for their modules nor for their compiling. A stand-in
// is made at once, with the same arguments and methods; calls made before its module has loaded
// are handed to the real one once it has (the last call of each method, in the order of those
// calls; until then a method returns undefined), and every call after that goes straight to it.

const waiting = []; // () => Promise, one per stand-in not yet loading
const loading = [];

/** A factory like `module[name]` of the module `load()` imports, made now and loaded by loadAll(). */
export function loadLater(load, name) {
  return (...args) => {
    let real = null;
    const calls = new Map(); // method -> its latest arguments, in the order of those calls
    waiting.push(() =>
      load().then((module) => {
        real = module[name](...args);
        for (const [method, a] of calls) real[method](...a);
        calls.clear();
      }),
    );
    const call = (method) => (...a) => {
      if (real) return real[method](...a);
      calls.delete(method);
      calls.set(method, a);
      return undefined;
    };
    // Once loaded, a property that is not a method (a getter such as live.info) reads through.
    const get = (_, key) => {
      if (typeof key !== 'string') return undefined;
      if (real && typeof real[key] !== 'function') return real[key];
      return call(key);
    };
    return new Proxy({}, { get });
  };
}

/** Loads every stand-in made so far; resolves once each has its real object (rejects if a module failed). */
export function loadAll() {
  loading.push(...waiting.splice(0).map((start) => start()));
  return Promise.all(loading);
}
