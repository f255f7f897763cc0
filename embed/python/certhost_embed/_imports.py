"""The host side of the WIT contract: what the component imports, implemented in Python.

The component gets what it is granted and nothing else: an in-memory certificate store,
the clock, messages collected for the caller, and PBKDF2. Files, bindings, the server's
slots and the other primitives answer `permission-denied` (the component computes the
primitives itself then). WASI grants randomness and nothing else.
"""

import hashlib
import time

from wasmtime.component import Record, Variant

WIT_VERSION = "0.3.2"


def record(**fields):
    """A WIT record from snake_case keyword arguments (the WIT's names are kebab-case)."""
    r = Record()
    for name, value in fields.items():
        setattr(r, name.replace("_", "-"), value)
    return r


def denied(capability, what):
    return Variant(
        "permission-denied",
        record(
            capability=capability,
            message=f"{what} is not granted to the certificate component in this host",
        ),
    )


class MemoryStore:
    """Named certificate stores kept in memory: {store name (lower case): {thumbprint: entry}}."""

    def __init__(self):
        self.stores = {}

    @staticmethod
    def thumbprint(der):
        return hashlib.sha1(bytes(der)).hexdigest().upper()

    def _stored(self, store, thumbprint, entry):
        return record(store=store, thumbprint=thumbprint, entry=entry)

    def list_certificates(self, _store, name):
        items = self.stores.get(name.lower(), {})
        return [self._stored(name, t, e) for t, e in items.items()]

    def get_certificate(self, _store, name, thumbprint):
        entry = self.stores.get(name.lower(), {}).get(thumbprint.upper())
        return None if entry is None else self._stored(name, thumbprint.upper(), entry)

    def add_certificates(self, _store, name, entries):
        items = self.stores.setdefault(name.lower(), {})
        thumbprints = []
        for entry in entries:
            t = self.thumbprint(getattr(entry, "certificate"))
            old = items.get(t)
            if old is not None:
                if getattr(entry, "private-key") is None:
                    setattr(entry, "private-key", getattr(old, "private-key"))
                if getattr(entry, "friendly-name") == "":
                    setattr(entry, "friendly-name", getattr(old, "friendly-name"))
            items[t] = entry
            thumbprints.append(t)
        return thumbprints

    def remove_certificate(self, _store, name, thumbprint, _delete_key):
        return self.stores.get(name.lower(), {}).pop(thumbprint.upper(), None) is not None

    def accept_request(self, _store, _request_store, _request_thumbprint, _name, _entry):
        return denied("StoreWrite", "pairing a request")


def define(linker, memory_store, messages):
    """Defines every certhost:plugin import in `linker`."""
    v = WIT_VERSION
    with linker.root() as root:
        _define(root, v, memory_store, messages)


def _define(root, v, memory_store, messages):
    with root.add_instance(f"certhost:plugin/store@{v}") as i:
        i.add_func("list-certificates", memory_store.list_certificates)
        i.add_func("get-certificate", memory_store.get_certificate)
        i.add_func("add-certificates", memory_store.add_certificates)
        i.add_func("remove-certificate", memory_store.remove_certificate)
        i.add_func("accept-request", memory_store.accept_request)
    with root.add_instance(f"certhost:plugin/files@{v}") as i:
        i.add_func("read-file", lambda _s, path: denied("FilesRead", f"reading {path}"))
        i.add_func(
            "write-file", lambda _s, path, _c, _secret: denied("FilesWrite", f"writing {path}")
        )
    with root.add_instance(f"certhost:plugin/host@{v}") as i:
        i.add_func("now", lambda _s: int(time.time()))

        def write_message(_s, level, text):
            messages.append((level, text))

        i.add_func("write-message", write_message)
    with root.add_instance(f"certhost:plugin/server@{v}") as i:
        i.add_func("identity", lambda _s: denied("Server", "the server identity"))

        def no_slots(*_args):
            raise PermissionError("the server's slots are not granted in this host")

        i.add_func("get-slot", no_slots)
        i.add_func("plan-assignment", lambda _s, _slot, _t: denied("Server", "a slot"))
        i.add_func("assign-certificate", lambda _s, _r: denied("Server", "a slot"))
    with root.add_instance(f"certhost:plugin/primitives@{v}") as i:

        # primitive-error's cases have payloads of distinct types, so wasmtime's Python
        # API takes them untagged: a str is `invalid`, a record `permission-denied`.
        not_here = record(
            capability="Primitives",
            message="not provided by this host; the component computes it itself",
        )

        def pbkdf2(_s, digest, password, salt, iterations, length):
            if not 1 <= iterations <= 10_000_000 or not 1 <= length <= 1024:
                return "iterations or length out of bounds"
            return hashlib.pbkdf2_hmac(digest, bytes(password), bytes(salt), iterations, length)

        i.add_func("pbkdf2-hmac", pbkdf2)
        i.add_func("pkcs12-kdf", lambda _s, *_a: not_here)
        i.add_func("generate-rsa-key", lambda _s, _bits: not_here)
