"""The conformance harness for Python: runs embed/conformance/operations.json on a saved
component and writes the normalized results (embed/README.md).

    python conformance.py <operations.json> <component directory> <results.jsonl>
"""

import base64
import json
import sys
from pathlib import Path

from certhost_embed import CertError, Component

REPO = Path(__file__).resolve().parents[2]


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def info_json(info):
    return {
        "thumbprint": info["thumbprint"],
        "sha256Fingerprint": info["sha256_fingerprint"],
        "subject": info["subject"],
        "issuer": info["issuer"],
        "serialNumber": info["serial_number"],
        "notBefore": info["not_before"],
        "notAfter": info["not_after"],
        "dnsNames": info["dns_names"],
        "ipAddresses": info["ip_addresses"],
        "keyAlgorithm": info["key_algorithm"],
        "keySize": info["key_size"],
        "extendedKeyUsages": [
            {"friendlyName": e["friendly_name"], "oid": e["oid"]}
            for e in info["extended_key_usages"]
        ],
        "keyUsages": info["key_usages"],
        "selfSigned": info["self_signed"],
        "signatureAlgorithm": info["signature_algorithm"],
        "version": info["version"],
        "isCa": info["is_ca"],
    }


def key_matches(c, entry):
    if entry["private_key"] is None:
        return None
    try:
        c.check_key_pair(entry["certificate"], entry["private_key"])
        return True
    except CertError:
        return False


def entries_json(c, entries):
    return {
        "entries": [
            {
                "certificate": info_json(c.inspect(e["certificate"])),
                "hasKey": e["private_key"] is not None,
                "keyMatches": key_matches(c, e),
                "friendlyName": e["friendly_name"],
                "chain": [c.inspect(d)["thumbprint"] for d in e["chain"]],
            }
            for e in entries
        ]
    }


def input_bytes(op):
    if "file" in op:
        data = (REPO / op["file"]).read_bytes()
    else:
        data = base64.b64decode(op["base64"])
    if "truncate" in op:
        data = data[: op["truncate"]]
    return data


def password(op):
    if "passwordFile" in op:
        return (REPO / op["passwordFile"]).read_text().strip()
    return op["password"]


def key_of(spec):
    if spec["algorithm"] == "rsa":
        return ("rsa", spec["bits"])
    return spec["algorithm"]


def run_operation(c, op):
    kind = op["op"]
    try:
        if kind == "generateSelfSigned":
            r = op["request"]
            entry = c.generate_self_signed(
                dns_names=r["dnsNames"],
                ip_addresses=r["ipAddresses"],
                subject=r["subject"],
                not_before=r["notBefore"],
                not_after=r["notAfter"],
                key=key_of(r["key"]),
                key_usages=r["keyUsages"],
                extended_key_usages=r["extendedKeyUsages"],
            )
            info = info_json(c.inspect(entry["certificate"]))
            for random in ("thumbprint", "sha256Fingerprint", "serialNumber"):
                del info[random]
            return {
                "certificate": info,
                "hasKey": entry["private_key"] is not None,
                "keyMatches": key_matches(c, entry),
            }
        if kind == "parseCertificates":
            ders = c.parse_certificates(input_bytes(op))
            return {"certificates": [info_json(c.inspect(d)) for d in ders]}
        if kind == "parsePrivateKey":
            return {"pkcs8Length": len(c.parse_private_key(input_bytes(op), op["password"]))}
        if kind == "checkKeyPair":
            der = c.parse_certificates((REPO / op["certificateFile"]).read_bytes())[0]
            key = c.parse_private_key((REPO / op["keyFile"]).read_bytes())
            c.check_key_pair(der, key)
            return {"ok": True}
        if kind == "importPfx":
            return entries_json(c, c.import_pfx(input_bytes(op), password(op)))
        if kind == "exportPfx":
            entries = c.import_pfx(input_bytes(op), password(op))
            pfx = c.export_pfx(
                entries[0],
                op["exportPassword"],
                op["profile"],
                op["includeChain"],
                op["iterations"],
            )
            return entries_json(c, c.import_pfx(pfx, op["exportPassword"]))
    except CertError as e:
        return {"error": e.kind, "message": e.message}
    raise ValueError(f"unknown operation {kind}")


def main(operations_path, component_dir, out_path):
    operations = json.loads(Path(operations_path).read_text())["operations"]
    c = Component.open(component_dir)
    lines = [canonical({"component": c.sha256, "operations": len(operations)})]
    for op in operations:
        lines.append(canonical({"id": op["id"], "result": run_operation(c, op)}))
    Path(out_path).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
