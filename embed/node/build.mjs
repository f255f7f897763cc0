// Builds the package: saves the certificate component with `certhost component save`
// (CERTHOST_BIN, default ../../target/release/certhost), checks it against its SHA256SUMS,
// and transpiles it with jco into generated/ (ES modules; imports passed at instantiation).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const certhost = process.env.CERTHOST_BIN ?? resolve(here, "../../target/release/certhost");
const componentDir = join(here, "component");
const generated = join(here, "generated");

rmSync(componentDir, { recursive: true, force: true });
execFileSync(certhost, ["component", "save", componentDir], { stdio: "inherit" });
const wasm = readFileSync(join(componentDir, "certhost-certificates.wasm"));
const sha256 = createHash("sha256").update(wasm).digest("hex");
const sums = readFileSync(join(componentDir, "SHA256SUMS"), "utf8");
if (!sums.includes(`${sha256}  certhost-certificates.wasm`)) {
  throw new Error(`the saved component (SHA-256 ${sha256}) is not the one SHA256SUMS names`);
}
rmSync(generated, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [
    join(here, "node_modules/@bytecodealliance/jco/dist/jco.js"),
    "transpile",
    join(componentDir, "certhost-certificates.wasm"),
    "--out-dir", generated,
    "--name", "certhost",
    "--instantiation", "async",
    "--quiet",
  ],
  { stdio: "inherit" },
);
writeFileSync(join(generated, "SHA256"), `${sha256}\n`);
