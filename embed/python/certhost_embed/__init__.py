"""The certhost certificate component in Python programs.

    from certhost_embed import Component
    component = Component.open("certhost-component")   # the directory `certhost component save` wrote
    entry = component.generate_self_signed(dns_names=["backup01.tech.local"], key="ecdsa-p256")
    print(component.inspect(entry["certificate"])["thumbprint"])

Every call runs in a fresh instance of the component (a trap cannot leave a broken
instance behind). The component is granted an in-memory store, the clock and PBKDF2;
WASI gives it randomness and nothing else: no files, environment or network.
"""

import hashlib
import time
from pathlib import Path

import wasmtime
from wasmtime import component as wc
from wasmtime.component import Variant

from . import _imports

__all__ = ["Component", "CertError", "CmdletError", "IntegrityError"]

COMPONENT_FILE = "certhost-certificates.wasm"
_EXPORTS = "certhost:plugin/{}@" + _imports.WIT_VERSION
_CERT_ERRORS = {"wrong-password", "corrupt", "unsupported", "key-mismatch", "invalid-input"}


class CertError(Exception):
    """The component refused the input; `kind` is the WIT cert-error case."""

    def __init__(self, kind, message):
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


class CmdletError(Exception):
    """A cmdlet failed: `error` is the WIT cmdlet-error (category, error_id, message, target)."""

    def __init__(self, error):
        super().__init__(error["message"])
        self.error = error


class IntegrityError(Exception):
    """The component file is not the one SHA256SUMS names."""


def _snake(name):
    return name.replace("-", "_")


def _plain(value):
    """WIT values as Python ones: records as dicts with snake_case keys."""
    if isinstance(value, wc.Record):
        return {_snake(k): _plain(v) for k, v in vars(value).items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Variant):
        return {"tag": value.tag, "value": _plain(value.payload)}
    return value


def _unwrap(value):
    """An export's result: the ok value, or CertError for a cert-error."""
    if isinstance(value, Variant):
        if value.tag == "ok":
            return value.payload
        if value.tag == "err":
            value = value.payload
        if isinstance(value, Variant) and value.tag in _CERT_ERRORS:
            raise CertError(value.tag, value.payload)
    return value


def _entry(entry):
    """A certificate entry (dict from this package) as the WIT record."""
    return _imports.record(
        certificate=bytes(entry["certificate"]),
        private_key=None if entry.get("private_key") is None else bytes(entry["private_key"]),
        friendly_name=entry.get("friendly_name", ""),
        chain=[bytes(c) for c in entry.get("chain", [])],
    )


def _key_algorithm(key):
    if key in ("ecdsa-p256", "ecdsa-p384"):
        return Variant(key)
    if isinstance(key, tuple) and key[0] == "rsa":
        return Variant("rsa", int(key[1]))
    raise ValueError(f"key must be 'ecdsa-p256', 'ecdsa-p384' or ('rsa', bits), not {key!r}")


class Component:
    """The certificate component, loaded once and instantiated per call."""

    def __init__(self, wasm_path, expected_sha256=None):
        wasm = Path(wasm_path).read_bytes()
        actual = hashlib.sha256(wasm).hexdigest()
        if expected_sha256 is not None and actual != expected_sha256:
            raise IntegrityError(f"{wasm_path} has SHA-256 {actual}, not {expected_sha256}")
        self.sha256 = actual
        started = time.perf_counter()
        self._engine = wasmtime.Engine()
        self._component = wc.Component(self._engine, wasm)
        self._linker = wc.Linker(self._engine)
        self._linker.add_wasip2()
        self.store = _imports.MemoryStore()
        self.messages = []
        _imports.define(self._linker, self.store, self.messages)
        self.load_seconds = time.perf_counter() - started

    @classmethod
    def open(cls, directory):
        """The component `certhost component save <directory>` wrote, checked against its SHA256SUMS."""
        directory = Path(directory)
        sums = (directory / "SHA256SUMS").read_text()
        expected = next(
            (line.split()[0] for line in sums.splitlines() if line.endswith("  " + COMPONENT_FILE)),
            None,
        )
        if expected is None:
            raise IntegrityError(f"{directory / 'SHA256SUMS'} has no line for {COMPONENT_FILE}")
        return cls(directory / COMPONENT_FILE, expected)

    def _call(self, name, *args, export="certificates"):
        store = wasmtime.Store(self._engine)
        store.set_wasi(wasmtime.WasiConfig())
        instance = self._linker.instantiate(store, self._component)
        interface = instance.get_export_index(store, _EXPORTS.format(export))
        func = instance.get_func(store, instance.get_export_index(store, name, interface))
        result = func(store, *args)
        func.post_return(store)
        return _unwrap(result)

    def generate_self_signed(
        self,
        dns_names=(),
        ip_addresses=(),
        subject=None,
        not_before=None,
        not_after=None,
        key="ecdsa-p256",
        key_usages=("digital-signature",),
        extended_key_usages=("server-auth",),
    ):
        """A self-signed certificate and its key (not stored): a dict with certificate, private_key (PKCS#8 DER), friendly_name, chain."""
        now = int(time.time())
        request = _imports.record(
            subject=subject,
            dns_names=list(dns_names),
            ip_addresses=list(ip_addresses),
            not_before=now - 600 if not_before is None else int(not_before),
            not_after=now + 365 * 86400 if not_after is None else int(not_after),
            key=_key_algorithm(key),
            key_usages=list(key_usages),
            extended_key_usages=list(extended_key_usages),
        )
        return _plain(self._call("generate-self-signed", request))

    def inspect(self, certificate):
        """What a DER certificate says about itself (certificate-info, snake_case keys)."""
        return _plain(self._call("inspect", bytes(certificate)))

    def import_pfx(self, data, password):
        """The entries of a PFX: one per private key, or one per certificate without keys."""
        return _plain(self._call("import-pfx", bytes(data), password))

    def export_pfx(self, entry, password, profile="aes256-sha256", include_chain=True, iterations=2048):
        """A PFX of the entry; profile 'aes256-sha256' or 'triple-des-sha1'."""
        return bytes(
            self._call("export-pfx", _entry(entry), password, profile, include_chain, iterations)
        )

    def parse_certificates(self, data):
        """DER certificates from PEM (one or many) or one DER certificate."""
        return [bytes(d) for d in self._call("parse-certificates", bytes(data))]

    def parse_private_key(self, data, password=None):
        """A private key (PEM or DER; PKCS#8, encrypted PKCS#8, PKCS#1, SEC1) as PKCS#8 DER."""
        return bytes(self._call("parse-private-key", bytes(data), password))

    def check_key_pair(self, certificate, private_key):
        """Raises CertError('key-mismatch', ...) unless the key belongs to the certificate."""
        self._call("check-key-pair", bytes(certificate), bytes(private_key))

    def certificate_to_pem(self, certificate):
        return self._call("certificate-to-pem", bytes(certificate))

    def list_cmdlets(self):
        """The cmdlets the component provides (cmdlet-info records as dicts)."""
        return _plain(self._call("list-cmdlets", export="cmdlets"))

    def invoke(self, name, arguments, parameter_set="__AllParameterSets", input=None):
        """Runs a cmdlet against the in-memory store and returns its output values.

        `arguments` maps parameter names to WIT `value` cases as (tag, value) pairs, such
        as {"DnsName": ("text-list", ["a.tech.local"])}. A cmdlet's failure raises
        CmdletError.
        """
        bound = [
            _imports.record(name=n, value=Variant(tag, value)) for n, (tag, value) in arguments.items()
        ]
        result = self._call("invoke", name, parameter_set, bound, input, export="cmdlets")
        if isinstance(result, wc.Record) and hasattr(result, "error-id"):
            raise CmdletError(_plain(result))
        return _plain(result)
