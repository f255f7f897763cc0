// The certhost certificate component in Node programs.
//
//   import { open } from "certhost-embed";
//   const component = await open();
//   const entry = await component.generateSelfSigned({ dnsNames: ["backup01.tech.local"] });
//   console.log((await component.inspect(entry.certificate)).thumbprint);
//
// One instance of the component serves the calls (instantiating costs about 200 ms in
// Node, a call a few); after a trap the next call gets a fresh one. Its imports are
// implemented here:
// an in-memory store, the clock, messages collected for the caller, and PBKDF2 from
// node:crypto; files and the server's slots answer permission-denied, and the component
// computes the other primitives itself. WASI gives it randomness only (wasi.mjs).
import { createHash, pbkdf2Sync } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { instantiate } from "./generated/certhost.js";
import { wasiImports } from "./wasi.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const V = "0.3.2";

/** The component refused the input; `kind` is the WIT cert-error case. */
export class CertError extends Error {
  constructor(kind, message) {
    super(`${kind}: ${message}`);
    this.kind = kind;
    this.detail = message;
  }
}

const refusal = (capability, what) =>
  Object.assign(new Error(`${what} is not granted`), {
    payload: {
      tag: "permission-denied",
      val: { capability, message: `${what} is not granted to the certificate component in this host` },
    },
  });

/** Named certificate stores in memory: store name (lower case) to thumbprint to entry. */
export class MemoryStore {
  stores = new Map();

  static thumbprint(der) {
    return createHash("sha1").update(der).digest("hex").toUpperCase();
  }

  imports() {
    const items = (name) => {
      const key = name.toLowerCase();
      if (!this.stores.has(key)) this.stores.set(key, new Map());
      return this.stores.get(key);
    };
    return {
      listCertificates: (store) =>
        [...items(store).entries()].map(([thumbprint, entry]) => ({ store, thumbprint, entry })),
      getCertificate: (store, thumbprint) => {
        const entry = items(store).get(thumbprint.toUpperCase());
        return entry === undefined ? undefined : { store, thumbprint: thumbprint.toUpperCase(), entry };
      },
      addCertificates: (store, entries) =>
        entries.map((entry) => {
          const thumbprint = MemoryStore.thumbprint(entry.certificate);
          const old = items(store).get(thumbprint);
          if (old) {
            entry.privateKey ??= old.privateKey;
            if (entry.friendlyName === "") entry.friendlyName = old.friendlyName;
          }
          items(store).set(thumbprint, entry);
          return thumbprint;
        }),
      removeCertificate: (store, thumbprint) => items(store).delete(thumbprint.toUpperCase()),
      acceptRequest: () => {
        throw refusal("StoreWrite", "pairing a request");
      },
    };
  }
}

const notHere = () => {
  throw Object.assign(new Error("computed by the component"), {
    payload: {
      tag: "permission-denied",
      val: { capability: "Primitives", message: "not provided by this host; the component computes it itself" },
    },
  });
};

function certhostImports(store, messages) {
  return {
    [`certhost:plugin/types@${V}`]: {},
    [`certhost:plugin/store@${V}`]: store.imports(),
    [`certhost:plugin/files@${V}`]: {
      readFile: (path) => {
        throw refusal("FilesRead", `reading ${path}`);
      },
      writeFile: (path) => {
        throw refusal("FilesWrite", `writing ${path}`);
      },
    },
    [`certhost:plugin/host@${V}`]: {
      now: () => BigInt(Math.floor(Date.now() / 1000)),
      writeMessage: (level, text) => {
        messages.push({ level, text });
      },
    },
    [`certhost:plugin/server@${V}`]: {
      identity: () => {
        throw refusal("Server", "the server identity");
      },
      getSlot: () => {
        throw refusal("Server", "a slot");
      },
      planAssignment: () => {
        throw refusal("Server", "a slot");
      },
      assignCertificate: () => {
        throw refusal("Server", "a slot");
      },
    },
    [`certhost:plugin/primitives@${V}`]: {
      pbkdf2Hmac: (digest, password, salt, iterations, length) =>
        new Uint8Array(pbkdf2Sync(password, salt, iterations, length, digest)),
      pkcs12Kdf: notHere,
      generateRsaKey: notHere,
    },
  };
}

/** The transpiled component's core modules, compiled once. */
async function coreModules() {
  const modules = new Map();
  for (const name of ["certhost.core.wasm", "certhost.core2.wasm", "certhost.core3.wasm"]) {
    modules.set(name, await WebAssembly.compile(await readFile(join(here, "generated", name))));
  }
  return modules;
}

/** A cert-error the export returned, as CertError; anything else is a trap (null). */
function certError(e) {
  if (e?.payload?.tag !== undefined && typeof e.payload.val === "string") {
    return new CertError(e.payload.tag, e.payload.val);
  }
  return null;
}

/**
 * Opens the component built into this package (npm run build), after checking its SHA-256.
 * Returns an object with async functions named as the WIT certificates export.
 */
export async function open() {
  const started = performance.now();
  const expected = (await readFile(join(here, "generated/SHA256"), "utf8")).trim();
  const wasm = await readFile(join(here, "component/certhost-certificates.wasm"));
  const sha256 = createHash("sha256").update(wasm).digest("hex");
  if (sha256 !== expected) {
    throw new Error(`component/certhost-certificates.wasm has SHA-256 ${sha256}, not ${expected} (run npm run build)`);
  }
  const modules = await coreModules();
  const store = new MemoryStore();
  const messages = [];
  // jco's generated code looks imports up with and without their version.
  const imports = {};
  for (const [name, value] of Object.entries({ ...wasiImports, ...certhostImports(store, messages) })) {
    imports[name] = value;
    imports[name.split("@")[0]] = value;
  }
  let root = await instantiate((path) => modules.get(path), imports);
  const call = async (name, ...args) => {
    root ??= await instantiate((path) => modules.get(path), imports);
    const [exported, func] = name.includes(".") ? name.split(".") : ["certificates", name];
    try {
      return root[`certhost:plugin/${exported}@${V}`][func](...args);
    } catch (e) {
      // A returned error carries its payload; anything else is a trap, and a trapped
      // instance is not used again.
      if (e !== null && typeof e === "object" && Object.hasOwn(e, "payload")) {
        throw certError(e) ?? e;
      }
      root = null;
      throw e;
    }
  };
  const loadMilliseconds = performance.now() - started;
  const now = () => BigInt(Math.floor(Date.now() / 1000));
  return {
    sha256,
    store,
    messages,
    loadMilliseconds,
    /** A self-signed certificate and its key (PKCS#8 DER), not stored. */
    generateSelfSigned: ({
      subject, dnsNames = [], ipAddresses = [], notBefore, notAfter,
      key = { tag: "ecdsa-p256" }, keyUsages = ["digital-signature"], extendedKeyUsages = ["server-auth"],
    } = {}) =>
      call("generateSelfSigned", {
        subject: subject ?? undefined,
        dnsNames,
        ipAddresses,
        notBefore: BigInt(notBefore ?? now() - 600n),
        notAfter: BigInt(notAfter ?? now() + 365n * 86400n),
        key,
        keyUsages,
        extendedKeyUsages,
      }),
    inspect: (certificate) => call("inspect", certificate),
    importPfx: (data, password) => call("importPfx", data, password),
    exportPfx: (entry, password, { profile = "aes256-sha256", includeChain = true, iterations = 2048 } = {}) =>
      call("exportPfx", entry, password, profile, includeChain, iterations),
    parseCertificates: (data) => call("parseCertificates", data),
    parsePrivateKey: (data, password) => call("parsePrivateKey", data, password ?? undefined),
    checkKeyPair: (certificate, privateKey) => call("checkKeyPair", certificate, privateKey),
    certificateToPem: (certificate) => call("certificateToPem", certificate),
    /** The cmdlets the component provides (WIT cmdlet-info records). */
    listCmdlets: () => call("cmdlets.listCmdlets"),
    /**
     * Runs a cmdlet on bound arguments ({name, value: {tag, val}} with the WIT value
     * cases) and one pipeline input; returns its output values. A cmdlet's failure is
     * thrown as an Error whose payload is the WIT cmdlet-error.
     */
    invoke: (name, parameterSet, args, input) =>
      call("cmdlets.invoke", name, parameterSet ?? "__AllParameterSets", args, input ?? undefined),
  };
}
