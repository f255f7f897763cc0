// The conformance harness for Node: runs embed/conformance/operations.json on the
// component built into this package and writes the normalized results (embed/README.md).
//
//   node conformance.mjs <operations.json> <results.jsonl>
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CertError, open } from "./index.mjs";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** One line of JSON with every object's keys sorted. */
function canonical(value) {
  const sorted = (v) => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
    }
    return v;
  };
  return JSON.stringify(sorted(value));
}

const infoJson = (i) => ({
  thumbprint: i.thumbprint,
  sha256Fingerprint: i.sha256Fingerprint,
  subject: i.subject,
  issuer: i.issuer,
  serialNumber: i.serialNumber,
  notBefore: Number(i.notBefore),
  notAfter: Number(i.notAfter),
  dnsNames: i.dnsNames,
  ipAddresses: i.ipAddresses,
  keyAlgorithm: i.keyAlgorithm,
  keySize: i.keySize,
  extendedKeyUsages: i.extendedKeyUsages.map((e) => ({ friendlyName: e.friendlyName, oid: e.oid })),
  keyUsages: i.keyUsages,
  selfSigned: i.selfSigned,
  signatureAlgorithm: i.signatureAlgorithm,
  version: i.version,
  isCa: i.isCa ?? null,
});

async function keyMatches(c, entry) {
  if (entry.privateKey == null) return null;
  try {
    await c.checkKeyPair(entry.certificate, entry.privateKey);
    return true;
  } catch (e) {
    if (e instanceof CertError) return false;
    throw e;
  }
}

async function entriesJson(c, entries) {
  const out = [];
  for (const e of entries) {
    const chain = [];
    for (const der of e.chain) chain.push((await c.inspect(der)).thumbprint);
    out.push({
      certificate: infoJson(await c.inspect(e.certificate)),
      hasKey: e.privateKey != null,
      keyMatches: await keyMatches(c, e),
      friendlyName: e.friendlyName,
      chain,
    });
  }
  return { entries: out };
}

function inputBytes(op) {
  let data = op.file ? readFileSync(resolve(repo, op.file)) : Buffer.from(op.base64, "base64");
  if (op.truncate !== undefined) data = data.subarray(0, op.truncate);
  return new Uint8Array(data);
}

const password = (op) =>
  op.passwordFile ? readFileSync(resolve(repo, op.passwordFile), "utf8").trim() : op.password;

const keyOf = (k) => (k.algorithm === "rsa" ? { tag: "rsa", val: k.bits } : { tag: k.algorithm });

async function runOperation(c, op) {
  try {
    switch (op.op) {
      case "generateSelfSigned": {
        const r = op.request;
        const entry = await c.generateSelfSigned({ ...r, key: keyOf(r.key) });
        const info = infoJson(await c.inspect(entry.certificate));
        delete info.thumbprint;
        delete info.sha256Fingerprint;
        delete info.serialNumber;
        return { certificate: info, hasKey: entry.privateKey != null, keyMatches: await keyMatches(c, entry) };
      }
      case "parseCertificates": {
        const certificates = [];
        for (const der of await c.parseCertificates(inputBytes(op))) certificates.push(infoJson(await c.inspect(der)));
        return { certificates };
      }
      case "parsePrivateKey":
        return { pkcs8Length: (await c.parsePrivateKey(inputBytes(op), op.password)).length };
      case "checkKeyPair": {
        const [der] = await c.parseCertificates(new Uint8Array(readFileSync(resolve(repo, op.certificateFile))));
        const key = await c.parsePrivateKey(new Uint8Array(readFileSync(resolve(repo, op.keyFile))));
        await c.checkKeyPair(der, key);
        return { ok: true };
      }
      case "importPfx":
        return await entriesJson(c, await c.importPfx(inputBytes(op), password(op)));
      case "exportPfx": {
        const [entry] = await c.importPfx(inputBytes(op), password(op));
        const pfx = await c.exportPfx(entry, op.exportPassword, {
          profile: op.profile,
          includeChain: op.includeChain,
          iterations: op.iterations,
        });
        return await entriesJson(c, await c.importPfx(pfx, op.exportPassword));
      }
      default:
        throw new Error(`unknown operation ${op.op}`);
    }
  } catch (e) {
    if (e instanceof CertError) return { error: e.kind, message: e.detail };
    throw e;
  }
}

const [operationsPath, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error("usage: node conformance.mjs <operations.json> <results.jsonl>");
  process.exit(64);
}
const { operations } = JSON.parse(readFileSync(operationsPath, "utf8"));
const c = await open();
const lines = [canonical({ component: c.sha256, operations: operations.length })];
for (const op of operations) lines.push(canonical({ id: op.id, result: await runOperation(c, op) }));
writeFileSync(outPath, lines.join("\n") + "\n");
