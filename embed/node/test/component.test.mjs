// The certhost component in Node, checked with Node's X509Certificate, openssl and certhost.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { CertError, open } from "../index.mjs";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const certhost = process.env.CERTHOST_BIN ?? join(repo, "target/release/certhost");
const component = await open();

test("a generated certificate is what X509Certificate reads", async () => {
  const entry = await component.generateSelfSigned({
    dnsNames: ["backup01.tech.local"],
    ipAddresses: ["10.0.0.5"],
    notBefore: 1767225600n,
    notAfter: 1798761600n,
  });
  const cert = new X509Certificate(entry.certificate);
  const info = await component.inspect(entry.certificate);
  assert.equal(cert.fingerprint.replaceAll(":", ""), info.thumbprint);
  assert.equal(cert.subject, "CN=backup01.tech.local");
  assert.equal(cert.subjectAltName, "DNS:backup01.tech.local, IP Address:10.0.0.5");
  assert.equal(new Date(cert.validTo).getTime() / 1000, 1798761600);
  assert.ok(cert.verify(cert.publicKey), "self-signed signature verifies");
  await component.checkKeyPair(entry.certificate, entry.privateKey);
});

test("openssl verifies it and certhost imports it with the same thumbprint", async () => {
  const dir = mkdtempSync(join(tmpdir(), "certhost-node-"));
  const entry = await component.generateSelfSigned({ dnsNames: ["node.tech.local"] });
  const pem = join(dir, "node.pem");
  writeFileSync(pem, await component.certificateToPem(entry.certificate));
  const verified = spawnSync("openssl", ["verify", "-CAfile", pem, pem], { encoding: "utf8" });
  assert.equal(verified.status, 0, verified.stderr);
  const imported = execFileSync(
    certhost,
    ["-NonInteractive", "-Command", `(Import-Certificate -FilePath '${pem}' -CertStoreLocation Cert:\\LocalMachine\\Root).Thumbprint`],
    { encoding: "utf8", env: { ...process.env, CERTHOST_HOME: join(dir, "home") } },
  );
  assert.equal(imported.trim(), (await component.inspect(entry.certificate)).thumbprint);
});

test("PFX round trip and typed errors", async () => {
  const fixture = new Uint8Array(readFileSync(join(repo, "tests/fixtures/tech-local/backup01.pfx")));
  const [entry] = await component.importPfx(fixture, "Passw0rd!");
  assert.equal(entry.friendlyName, "backup01 from CA");
  assert.equal(entry.chain.length, 1);
  const [again] = await component.importPfx(await component.exportPfx(entry, "other"), "other");
  assert.deepEqual(again.certificate, entry.certificate);
  await assert.rejects(component.importPfx(fixture, "wrong"), (e) => e instanceof CertError && e.kind === "wrong-password");
  await assert.rejects(component.importPfx(new Uint8Array([1, 2, 3]), "x"), (e) => e instanceof CertError && e.kind === "corrupt");
});

test("RSA keys and the PKCS#12 KDF are computed by the component when the host has none", async () => {
  const entry = await component.generateSelfSigned({ dnsNames: ["rsa.tech.local"], key: { tag: "rsa", val: 2048 } });
  assert.equal((await component.inspect(entry.certificate)).keySize, 2048);
  const legacy = new Uint8Array(readFileSync(join(repo, "tests/fixtures/pfx-samples/certtool/rsa2048.3des-pkcs12.p12")));
  const [imported] = await component.importPfx(legacy, "Test-P@ss1");
  assert.ok(imported.privateKey.length > 0);
});

test("cmdlets run through invoke, against the in-memory store", async () => {
  const names = (await component.listCmdlets()).map((c) => c.name);
  assert.ok(names.includes("New-SelfSignedCertificate"), names.join(", "));
  const [made] = await component.invoke("New-SelfSignedCertificate", "__AllParameterSets", [
    { name: "DnsName", value: { tag: "text-list", val: ["invoke.tech.local"] } },
    { name: "CertStoreLocation", value: { tag: "text", val: "Cert:\\LocalMachine\\My" } },
  ]);
  assert.equal(made.tag, "certificate");
  assert.equal(made.val.info.subject, "CN=invoke.tech.local");
  assert.ok(component.store.stores.get("my").has(made.val.info.thumbprint), "stored in the host's memory");
  // A cmdlet's failure is its cmdlet-error, and the instance goes on serving.
  await assert.rejects(
    component.invoke("New-SelfSignedCertificate", "__AllParameterSets", [
      { name: "KeyLength", value: { tag: "integer", val: 1000n } },
      { name: "DnsName", value: { tag: "text-list", val: ["x.tech.local"] } },
    ]),
    (e) => typeof e.payload?.message === "string" && e.payload.errorId.length > 0,
  );
  assert.equal((await component.generateSelfSigned({ dnsNames: ["after.tech.local"] })).certificate.length > 0, true);
});

test("the component can reach no files, sockets or environment", async () => {
  const { wasiImports } = await import("../wasi.mjs");
  const names = Object.keys(wasiImports);
  assert.deepEqual(names.filter((n) => /^wasi:(filesystem|sockets|http)/.test(n)), []);
  assert.deepEqual(wasiImports["wasi:cli/environment@0.2.6"].getEnvironment(), []);
  assert.deepEqual(wasiImports["wasi:cli/environment@0.2.6"].getArguments(), []);
  // The transpiled component asks for none of them either.
  const generated = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../generated/certhost.js"), "utf8");
  assert.equal(/wasi:(filesystem|sockets|http)/.test(generated), false);
});
