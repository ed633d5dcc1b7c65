// What the first frame does not need (the charts, the inspector, the export menu), loaded after
// the modules it needs: fewer modules to fetch before the network is drawn. A stand-in is made
// at once, with the same arguments and methods; calls made before its module has loaded are
// handed to the real one once it has (the last call of each method, in the order of those calls;
// until then a method returns undefined), and every call after that goes straight to it.

const loading = [];

/** A factory like `module[name]` of the module `load()` imports, made now and loaded later. */
export function loadLater(load, name) {
  return (...args) => {
    let real = null;
    const calls = new Map(); // method -> its latest arguments, in the order of those calls
    loading.push(
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
    return new Proxy({}, { get: (_, method) => (typeof method === 'string' ? call(method) : undefined) });
  };
}

/** Resolves once every stand-in made so far has its real object (rejects if a module failed). */
export const allLoaded = () => Promise.all(loading);
