// Third-party modules, installed by npm (package-lock.json) and served by the app at /vendor/.
export { default as uPlot } from '../vendor/uplot/dist/uPlot.esm.js';

const KATEX_JS = new URL('../vendor/katex/dist/katex.min.js', import.meta.url).href;
const KATEX_CSS = new URL('../vendor/katex/dist/katex.min.css', import.meta.url).href;
let katex = null;

/** KaTeX with its stylesheet, loaded the first time a formula is shown: it is most of the
 * page's weight and the page draws without it. KaTeX ships no minified ES module; its minified
 * UMD build (half the size of katex.mjs), run as a module, defines `self.katex`. */
export function loadKatex() {
  katex ??= Promise.all([import(KATEX_JS), stylesheet(KATEX_CSS)]).then(
    () => self.katex,
    (err) => {
      katex = null; // a later formula tries again
      throw err;
    },
  );
  return katex;
}

function stylesheet(href) {
  return new Promise((resolve, reject) => {
    const link = Object.assign(document.createElement('link'), { rel: 'stylesheet', href });
    link.onload = resolve;
    link.onerror = () => reject(new Error(`could not load ${href}`));
    document.head.append(link);
  });
}
