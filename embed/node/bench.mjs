// Times the Node package, for scripts/bench-embed.sh: load (compiling the transpiled core
// modules), then the median of N generateSelfSigned (P-256) and N importPfx calls.
//   PFX_PASSWORD=... node bench.mjs <pfx> <runs>
import { readFileSync } from "node:fs";
import { open } from "./index.mjs";

const [pfxPath, runs] = process.argv.slice(2);
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
let started = performance.now();
const component = await open();
const load = performance.now() - started;
const data = new Uint8Array(readFileSync(pfxPath));
const generate = [];
const imports = [];
for (let i = 0; i < Number(runs); i++) {
  started = performance.now();
  await component.generateSelfSigned({ dnsNames: ["backup01.tech.local"], notBefore: 1767225600n, notAfter: 1798761600n });
  generate.push(performance.now() - started);
  started = performance.now();
  await component.importPfx(data, process.env.PFX_PASSWORD);
  imports.push(performance.now() - started);
}
console.log(JSON.stringify({
  host: "node",
  loadMs: Number(load.toFixed(1)),
  generateP256Ms: Number(median(generate).toFixed(2)),
  importPfxMs: Number(median(imports).toFixed(2)),
}));
