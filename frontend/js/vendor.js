// Third-party modules, installed by npm (package-lock.json) and served by the app at /vendor/.
export { default as katex } from '../vendor/katex/dist/katex.mjs';
export { default as uPlot } from '../vendor/uplot/dist/uPlot.esm.js';
