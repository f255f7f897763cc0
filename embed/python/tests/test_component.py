"""The certhost component in Python, checked with `cryptography`, openssl and certhost."""

import os
import subprocess
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from certhost_embed import CertError, CmdletError, Component, IntegrityError

REPO = Path(__file__).resolve().parents[3]
CERTHOST = Path(os.environ.get("CERTHOST_BIN", REPO / "target/release/certhost"))


@pytest.fixture(scope="session")
def saved(tmp_path_factory):
    directory = tmp_path_factory.mktemp("component")
    subprocess.run([str(CERTHOST), "component", "save", str(directory)], check=True, capture_output=True)
    return directory


@pytest.fixture(scope="session")
def component(saved):
    return Component.open(saved)


def test_a_generated_certificate_is_what_cryptography_reads(component):
    entry = component.generate_self_signed(
        dns_names=["backup01.tech.local"],
        ip_addresses=["10.0.0.5"],
        not_before=1767225600,
        not_after=1798761600,
        key="ecdsa-p256",
    )
    cert = x509.load_der_x509_certificate(entry["certificate"])
    info = component.inspect(entry["certificate"])
    assert cert.fingerprint(hashes.SHA1()).hex().upper() == info["thumbprint"]
    assert cert.subject.rfc4514_string() == "CN=backup01.tech.local"
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["backup01.tech.local"]
    assert [str(a) for a in san.get_values_for_type(x509.IPAddress)] == ["10.0.0.5"]
    assert int(cert.not_valid_after_utc.timestamp()) == 1798761600
    cert.public_key().verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))
    component.check_key_pair(entry["certificate"], entry["private_key"])


def test_openssl_verifies_it_and_certhost_imports_it_with_the_same_thumbprint(component, tmp_path):
    entry = component.generate_self_signed(dns_names=["python.tech.local"])
    pem = tmp_path / "python.pem"
    pem.write_text(component.certificate_to_pem(entry["certificate"]))
    verified = subprocess.run(
        ["openssl", "verify", "-CAfile", str(pem), str(pem)], capture_output=True, text=True
    )
    assert verified.returncode == 0, verified.stderr
    imported = subprocess.run(
        [str(CERTHOST), "-NonInteractive", "-Command",
         f"(Import-Certificate -FilePath '{pem}' -CertStoreLocation Cert:\\LocalMachine\\Root).Thumbprint"],
        capture_output=True, text=True, env={**os.environ, "CERTHOST_HOME": str(tmp_path / "home")},
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == component.inspect(entry["certificate"])["thumbprint"]


def test_pfx_round_trip_and_typed_errors(component):
    fixture = (REPO / "tests/fixtures/tech-local/backup01.pfx").read_bytes()
    entries = component.import_pfx(fixture, "Passw0rd!")
    assert entries[0]["friendly_name"] == "backup01 from CA"
    assert len(entries[0]["chain"]) == 1
    again = component.import_pfx(component.export_pfx(entries[0], "other"), "other")
    assert again[0]["certificate"] == entries[0]["certificate"]
    with pytest.raises(CertError) as wrong:
        component.import_pfx(fixture, "wrong")
    assert wrong.value.kind == "wrong-password"
    with pytest.raises(CertError) as corrupt:
        component.import_pfx(b"not a pfx", "x")
    assert corrupt.value.kind == "corrupt"


def test_rsa_keys_and_the_pkcs12_kdf_are_computed_by_the_component_when_the_host_has_none(component):
    entry = component.generate_self_signed(dns_names=["rsa.tech.local"], key=("rsa", 2048))
    assert component.inspect(entry["certificate"])["key_size"] == 2048
    # A legacy PFX needs the PKCS#12 KDF, which this host does not provide.
    legacy = REPO / "tests/fixtures/pfx-samples/certtool/rsa2048.3des-pkcs12.p12"
    assert component.import_pfx(legacy.read_bytes(), "Test-P@ss1")[0]["private_key"]


def test_a_changed_component_is_refused(saved, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "SHA256SUMS").write_text((saved / "SHA256SUMS").read_text())
    wasm = bytearray((saved / "certhost-certificates.wasm").read_bytes())
    wasm[-1] ^= 1
    (copy / "certhost-certificates.wasm").write_bytes(bytes(wasm))
    with pytest.raises(IntegrityError):
        Component.open(copy)


def test_cmdlets_run_through_invoke_against_the_in_memory_store(component):
    names = [c["name"] for c in component.list_cmdlets()]
    assert "New-SelfSignedCertificate" in names
    (made,) = component.invoke(
        "New-SelfSignedCertificate",
        {"DnsName": ("text-list", ["invoke.tech.local"]), "CertStoreLocation": ("text", "Cert:\\LocalMachine\\My")},
    )
    assert made["tag"] == "certificate"
    assert made["value"]["info"]["subject"] == "CN=invoke.tech.local"
    assert made["value"]["info"]["thumbprint"] in component.store.stores["my"]
    with pytest.raises(CmdletError) as failed:
        component.invoke("New-SelfSignedCertificate", {"KeyLength": ("integer", 1000), "DnsName": ("text-list", ["x"])})
    assert failed.value.error["error_id"] == "InvalidArgument"
    assert "2048, 3072 or 4096" in str(failed.value)


def test_the_component_can_reach_no_files_sockets_or_environment(component):
    # It imports no WASI file system, sockets or HTTP, and its WASI context
    # (a default WasiConfig) has no preopened directories, environment or arguments.
    imports = component._component.type.imports(component._engine)
    reachable = [name for name in imports if name.startswith(("wasi:filesystem", "wasi:sockets", "wasi:http"))]
    assert reachable == []
    assert "certhost:plugin/files@0.3.2" in imports  # files only through the host, which refuses
