//! certhost's output checked with tools it did not write: openssl, Python
//! `cryptography`, keytool.

mod common;
use common::*;

fn generate(sb: &Sandbox, args: &str) -> String {
    let out = sb.run(&format!("New-SelfSignedCertificate {args}")).ok();
    thumbprints(&out.stdout)
        .pop()
        .expect("a thumbprint in the output")
}

fn export_pem(sb: &Sandbox, thumb: &str, file: &str) -> std::path::PathBuf {
    sb.run(&format!(
        "Get-Item Cert:\\LocalMachine\\My\\{thumb} | Export-Certificate -FilePath {file} -Type PEM"
    ))
    .ok();
    sb.path(file)
}

#[test]
fn generated_certificates_pass_openssl_and_python_cryptography() {
    let sb = Sandbox::new();
    let cases = [
        (
            "-DnsName 'www.fabrikam.com', 'www.contoso.com' -TextExtension '2.5.29.17={text}IPAddress=10.0.0.5'",
            "RSA",
            2048,
        ),
        (
            "-Subject 'CN=backup01.tech.local, O=Tech' -DnsName backup01.tech.local -KeyAlgorithm RSA -KeyLength 3072 -NotAfter 2030-06-30",
            "RSA",
            3072,
        ),
        (
            "-DnsName ec256.tech.local -KeyAlgorithm ECDSA_nistP256",
            "EC",
            256,
        ),
        (
            "-DnsName ec384.tech.local -KeyAlgorithm ECDSA_nistP384 -NotBefore 2026-01-01 -NotAfter 2027-01-01",
            "EC",
            384,
        ),
    ];
    for (i, (args, kind, bits)) in cases.iter().enumerate() {
        let thumb = generate(&sb, args);
        let pem = export_pem(&sb, &thumb, &format!("c{i}.pem"));
        assert_eq!(openssl_thumbprint(&pem, false), thumb);
        let text = tool(
            "openssl",
            &["x509", "-noout", "-text", "-in", pem.to_str().unwrap()],
            None,
        );
        assert_eq!(text.code, 0, "{}", text.stderr);
        assert!(text.stdout.contains("CA:FALSE"), "{}", text.stdout);
        assert!(
            text.stdout
                .contains("TLS Web Server Authentication, TLS Web Client Authentication")
        );
        openssl_verifies(&pem, &pem);

        let script = r#"
import sys, datetime
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa, ec
c = x509.load_pem_x509_certificate(open(sys.argv[1], 'rb').read())
san = c.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
key = c.public_key()
kind = 'RSA' if isinstance(key, rsa.RSAPublicKey) else 'EC'
eku = [o.dotted_string for o in c.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value]
bc = c.extensions.get_extension_for_class(x509.BasicConstraints).value
print(kind, key.key_size, sep='|', end='|')
print( ','.join(san.get_values_for_type(x509.DNSName)), ','.join(str(i) for i in san.get_values_for_type(x509.IPAddress)),
      ','.join(eku), bc.ca, c.serial_number.bit_length() <= 127 and c.serial_number > 0,
      c.not_valid_before_utc.isoformat(), c.not_valid_after_utc.isoformat(), sep='|')
"#;
        let py = tool("python3", &["-c", script, pem.to_str().unwrap()], None);
        assert_eq!(py.code, 0, "{}", py.stderr);
        let fields: Vec<&str> = py.stdout.trim().split('|').collect();
        assert_eq!(fields[0], *kind);
        assert_eq!(fields[1], bits.to_string());
        assert_eq!(fields[4], "1.3.6.1.5.5.7.3.1,1.3.6.1.5.5.7.3.2");
        assert_eq!(fields[5], "False");
        assert_eq!(fields[6], "True", "positive serial of at most 16 bytes");
        match i {
            0 => {
                assert_eq!(fields[2], "www.fabrikam.com,www.contoso.com");
                assert_eq!(fields[3], "10.0.0.5");
            }
            1 => assert!(
                fields[8].starts_with("2030-06-30T00:00:00"),
                "{}",
                fields[8]
            ),
            3 => {
                assert!(fields[7].starts_with("2026-01-01T00:00:00"));
                assert!(fields[8].starts_with("2027-01-01T00:00:00"));
            }
            _ => {}
        }
    }
}

#[test]
fn default_validity_is_one_year_from_ten_minutes_ago() {
    let sb = Sandbox::new();
    let thumb = generate(&sb, "-DnsName default.tech.local");
    let pem = export_pem(&sb, &thumb, "d.pem");
    let script = "import sys,datetime\nfrom cryptography import x509\nc=x509.load_pem_x509_certificate(open(sys.argv[1],'rb').read())\nnow=datetime.datetime.now(datetime.timezone.utc)\nprint(round((now-c.not_valid_before_utc).total_seconds()), round((c.not_valid_after_utc-now).total_seconds()/86400))";
    let py = tool("python3", &["-c", script, pem.to_str().unwrap()], None);
    let v: Vec<i64> = py
        .stdout
        .split_whitespace()
        .map(|s| s.parse().unwrap())
        .collect();
    assert!((595..=660).contains(&v[0]), "NotBefore {} s ago", v[0]);
    assert_eq!(v[1], 365);
}

#[test]
fn exported_pfx_files_are_read_by_openssl_and_keytool_with_the_same_thumbprint() {
    let sb = Sandbox::new();
    for (alg, key) in [("RSA", "rsa"), ("ECDSA_nistP256", "ec")] {
        let thumb = generate(
            &sb,
            &format!("-DnsName {key}.tech.local -KeyAlgorithm {alg}"),
        );
        for (option, legacy) in [("TripleDES_SHA1", true), ("AES256_SHA256", false)] {
            let file = format!("{key}-{option}.pfx");
            sb.run(&format!(
                "$pw = ConvertTo-SecureString -String 'S3cret!' -Force -AsPlainText\nGet-Item Cert:\\LocalMachine\\My\\{thumb} | Export-PfxCertificate -FilePath {file} -Password $pw -CryptoAlgorithmOption {option}"
            ))
            .ok();
            let path = sb.path(&file);
            let mode = std::os::unix::fs::PermissionsExt::mode(
                &std::fs::metadata(&path).unwrap().permissions(),
            );
            assert_eq!(mode & 0o777, 0o600, "PFX files are private");
            let mut args = vec![
                "pkcs12",
                "-in",
                path.to_str().unwrap(),
                "-passin",
                "env:PFX_PASSWORD",
                "-nodes",
            ];
            if legacy {
                args.push("-legacy");
            }
            let out = tool("openssl", &args, Some("S3cret!"));
            assert_eq!(out.code, 0, "{option}: {}", out.stderr);
            assert!(out.stdout.contains("BEGIN PRIVATE KEY"));
            let leaf = sb.path(&format!("{key}-{option}.crt"));
            std::fs::write(&leaf, &out.stdout).unwrap();
            assert_eq!(openssl_thumbprint(&leaf, false), thumb, "{option}");

            let list = tool(
                "keytool",
                &[
                    "-list",
                    "-v",
                    "-keystore",
                    path.to_str().unwrap(),
                    "-storetype",
                    "PKCS12",
                    "-storepass:env",
                    "PFX_PASSWORD",
                ],
                Some("S3cret!"),
            );
            assert_eq!(
                list.code, 0,
                "keytool {option}: {}{}",
                list.stdout, list.stderr
            );
            assert!(list.stdout.contains("PrivateKeyEntry"), "{}", list.stdout);
            let sha1 = list
                .stdout
                .lines()
                .find(|l| l.trim_start().starts_with("SHA1:"))
                .expect("keytool SHA1 line");
            assert_eq!(
                sha1.trim()
                    .trim_start_matches("SHA1:")
                    .trim()
                    .replace(':', ""),
                thumb,
                "keytool {option}"
            );
        }
    }
}

#[test]
fn every_sample_imports_through_the_cli_with_openssls_leaf() {
    let sb = Sandbox::new();
    sb.run("New-Item Cert:\\LocalMachine\\Samples | Out-Null")
        .ok();
    for sample in pfx_samples() {
        let (file, password, has_key) = (
            sample.file.as_str(),
            sample.password.as_str(),
            sample.has_key,
        );
        let path = sb.sample(file);
        let out = sb.run(&format!(
            "Import-PfxCertificate -FilePath '{}' -CertStoreLocation Cert:\\LocalMachine\\Samples -Password '{}'",
            path.display(),
            password.replace('\'', "''")
        ));
        assert_eq!(out.code, 0, "{file}: {}", out.stderr);
        let imported = thumbprints(&out.stdout);
        assert!(!imported.is_empty(), "{file}: nothing returned");
        if let Some(leaf) = openssl_leaf_thumbprint(&sb, &path, password, has_key) {
            assert_eq!(imported[0], leaf, "{file}");
        }
        let shown = sb
            .run(&format!(
                "Get-Item Cert:\\LocalMachine\\Samples\\{}",
                imported[0]
            ))
            .ok();
        assert_eq!(thumbprints(&shown.stdout), vec![imported[0].clone()]);
    }
}

/// Get-PfxData reads every sample without a store: its end-entity certificate is the
/// leaf openssl finds, with a key when the file has one, and nothing is imported.
#[test]
fn get_pfx_data_lists_every_samples_leaf_as_openssl_does() {
    let sb = Sandbox::new();
    for sample in pfx_samples() {
        let (file, password, has_key) = (
            sample.file.as_str(),
            sample.password.as_str(),
            sample.has_key,
        );
        let certs = sample.certificates;
        let path = sb.sample(file);
        let out = sb.run(&format!(
            "$before = (Get-ChildItem Cert:\\LocalMachine -Recurse | Where-Object Thumbprint).Count\n\
             $d = Get-PfxData -FilePath '{}' -Password (ConvertTo-SecureString '{}' -AsPlainText -Force)\n\
             $d.EndEntityCertificates | ForEach-Object {{ \"E $($_.Thumbprint) $($_.HasPrivateKey)\" }}\n\
             $d.OtherCertificates | ForEach-Object {{ \"O $($_.Thumbprint) $($_.HasPrivateKey)\" }}\n\
             \"stored $((Get-ChildItem Cert:\\LocalMachine -Recurse | Where-Object Thumbprint).Count - $before)\"",
            path.display(),
            password.replace('\'', "''")
        ));
        assert_eq!(out.code, 0, "{file}: {}", out.stderr);
        let lines: Vec<&str> = out.stdout.lines().collect();
        let ends: Vec<&str> = lines
            .iter()
            .filter(|l| l.starts_with("E "))
            .copied()
            .collect();
        let others = lines.iter().filter(|l| l.starts_with("O ")).count();
        assert!(!ends.is_empty(), "{file}: no certificate: {}", out.stdout);
        assert_eq!(ends.len() + others, certs, "{file}: {}", out.stdout);
        assert!(
            lines
                .iter()
                .all(|l| !l.starts_with("O ") || l.ends_with("False")),
            "{file}"
        );
        assert!(
            lines.contains(&"stored 0"),
            "{file}: something was imported: {}",
            out.stdout
        );
        if let Some(leaf) = openssl_leaf_thumbprint(&sb, &path, password, has_key) {
            let key = if has_key { "True" } else { "False" };
            assert_eq!(ends[0], format!("E {leaf} {key}"), "{file}");
        }
    }
    let wrong = sb.run(&format!(
        "Get-PfxData '{}' -Password (ConvertTo-SecureString 'wrong' -AsPlainText -Force)",
        sb.sample("openssl/ec-with-extra-cert.pfx").display()
    ));
    assert_ne!(wrong.code, 0);
    assert!(wrong.stderr.contains("password"), "{}", wrong.stderr);
    assert!(
        !wrong.stderr.contains("wrong"),
        "the password leaked: {}",
        wrong.stderr
    );
}

#[test]
fn backup_server_certificates_match_the_originals_defaults_for_openssl() {
    let sb = Sandbox::new();
    sb.run("Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 10.0.0.5")
        .ok();
    let out = sb
        .run("$c = Generate-BackupServerCertificate -Name 'Main'; $c | Add-BackupServerCertificate | Out-Null; $c | Export-Certificate -FilePath bs.pem -Type CERT | Out-Null; $c.Thumbprint")
        .ok();
    let pem = sb.path("bs.pem");
    let text = tool(
        "openssl",
        &[
            "x509",
            "-in",
            pem.to_str().unwrap(),
            "-inform",
            "DER",
            "-noout",
            "-text",
        ],
        None,
    );
    assert_eq!(text.code, 0, "{}", text.stderr);
    for expected in [
        "Public-Key: (2048 bit)",
        "Subject: CN = backup01.tech.local",
        "DNS:backup01.tech.local, DNS:backup01, IP Address:10.0.0.5",
        "TLS Web Server Authentication",
        "CA:FALSE",
    ] {
        assert!(
            text.stdout.contains(expected),
            "missing {expected}:\n{}",
            text.stdout
        );
    }
    // One year (the originals: ten, beyond the 366 days TLS clients and the Mozilla
    // profile accept): openssl's -checkend says it is valid in 0.99 years, not in 1.01.
    let checkend = |years: f64| {
        let seconds = ((years * 365.0 * 86400.0) as i64).to_string();
        tool(
            "openssl",
            &[
                "x509",
                "-in",
                pem.to_str().unwrap(),
                "-inform",
                "DER",
                "-noout",
                "-checkend",
                &seconds,
            ],
            None,
        )
        .code
    };
    assert_eq!(checkend(0.99), 0);
    assert_ne!(checkend(1.01), 0);
    assert_eq!(openssl_thumbprint(&pem, true), out.stdout.trim());
    // The REST binding serves it (the server makes it real; here the table).
    let bound = sb
        .run("(Get-SslBinding -Endpoint 0.0.0.0:9419).CertificateHash")
        .ok();
    assert_eq!(bound.stdout.trim(), out.stdout.trim());
}

/// Files of other kinds, made by openssl and Python `cryptography`, given to the import
/// commands: each error names what the file is (never Rust debug text), and nothing is
/// stored. PEM with leading text (openssl's "Bag Attributes") or a byte-order mark
/// imports.
#[test]
fn import_errors_name_the_files_real_kind_and_store_nothing() {
    let sb = Sandbox::new();
    let dir = sb.dir.path().to_str().unwrap().to_string();
    let make = "import sys, datetime\n\
from cryptography import x509\n\
from cryptography.hazmat.primitives import hashes, serialization\n\
from cryptography.hazmat.primitives.asymmetric import ec\n\
d = sys.argv[1]\n\
k = ec.generate_private_key(ec.SECP256R1())\n\
n = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, 'kinds.example')])\n\
crl = x509.CertificateRevocationListBuilder().issuer_name(n).last_update(datetime.datetime(2026, 1, 1)).next_update(datetime.datetime(2027, 1, 1)).sign(k, hashes.SHA256())\n\
open(d + '/list.crl', 'wb').write(crl.public_bytes(serialization.Encoding.DER))\n\
open(d + '/list.pem', 'wb').write(crl.public_bytes(serialization.Encoding.PEM))\n\
csr = x509.CertificateSigningRequestBuilder().subject_name(n).sign(k, hashes.SHA256())\n\
open(d + '/request.csr', 'wb').write(csr.public_bytes(serialization.Encoding.DER))\n\
open(d + '/key.der', 'wb').write(k.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))\n\
c = x509.CertificateBuilder().subject_name(n).issuer_name(n).public_key(k.public_key()).serial_number(5).not_valid_before(datetime.datetime(2026, 1, 1)).not_valid_after(datetime.datetime(2027, 1, 1)).sign(k, hashes.SHA256())\n\
pem = c.public_bytes(serialization.Encoding.PEM)\n\
open(d + '/cert.pem', 'wb').write(pem)\n\
open(d + '/bom.pem', 'wb').write(b'\\xef\\xbb\\xbf' + pem)\n\
open(d + '/attributes.pem', 'wb').write(b'Bag Attributes\\n    friendlyName: kinds\\n' + pem)\n\
open(d + '/truncated.der', 'wb').write(c.public_bytes(serialization.Encoding.DER)[:200])\n\
open(d + '/empty.cer', 'wb').write(b'')\n";
    let made = tool("python3", &["-c", make, &dir], None);
    assert_eq!(made.code, 0, "{}", made.stderr);
    let p7b = tool(
        "openssl",
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            &format!("{dir}/cert.pem"),
            "-outform",
            "DER",
            "-out",
            &format!("{dir}/bundle.p7b"),
        ],
        None,
    );
    assert_eq!(p7b.code, 0, "{}", p7b.stderr);

    let before = sb.run("Get-ChildItem Cert:\\LocalMachine\\CA").ok().stdout;
    for (file, says) in [
        ("key.der", "is a DER private key, not a certificate"),
        ("list.crl", "is a certificate revocation list (CRL)"),
        ("list.pem", "is a certificate revocation list (CRL)"),
        ("request.csr", "is a certificate request (CSR)"),
        ("truncated.der", "is a truncated DER file"),
        ("empty.cer", "is an empty file"),
    ] {
        let run = sb.run(&format!(
            "Import-Certificate -FilePath {file} -CertStoreLocation Cert:\\LocalMachine\\CA"
        ));
        assert_eq!(run.code, 1, "{file}");
        assert!(run.stderr.contains(says), "{file}: {}", run.stderr);
        assert!(
            !run.stderr.contains('{'),
            "{file}: no debug text: {}",
            run.stderr
        );
    }
    let pfx = sb.run("Import-PfxCertificate -FilePath key.der -Password 'x'");
    assert!(
        pfx.stderr
            .contains("is a DER private key, not a PFX (PKCS#12) file"),
        "{}",
        pfx.stderr
    );
    assert_eq!(
        sb.run("Get-ChildItem Cert:\\LocalMachine\\CA").ok().stdout,
        before
    );

    for file in ["bom.pem", "attributes.pem", "bundle.p7b"] {
        let run = sb
            .run(&format!(
                "(Import-Certificate -FilePath {file} -CertStoreLocation Cert:\\LocalMachine\\CA).Subject"
            ))
            .ok();
        assert_eq!(run.stdout.trim(), "CN=kinds.example", "{file}");
    }
}

/// A 30-day RSA 2048 CA made by openssl (`req -x509`), with `extra` arguments.
fn openssl_ca(cert: &std::path::Path, key: &std::path::Path, subject: &str, extra: &[&str]) {
    let mut args = vec![
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
        "-subj",
        subject,
        "-days",
        "30",
    ];
    args.extend_from_slice(extra);
    let made = tool("openssl", &args, None);
    assert_eq!(made.code, 0, "{}", made.stderr);
}

/// openssl as the CA: `x509 -req` signs `csr` for 20 days with the extensions it asks for.
fn openssl_signs(
    csr: &std::path::Path,
    ca: &std::path::Path,
    ca_key: &std::path::Path,
    out: &std::path::Path,
) {
    let signed = tool(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            csr.to_str().unwrap(),
            "-CA",
            ca.to_str().unwrap(),
            "-CAkey",
            ca_key.to_str().unwrap(),
            "-copy_extensions",
            "copy",
            "-days",
            "20",
            "-out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(signed.code, 0, "{}", signed.stderr);
}

/// `openssl verify -CAfile ca leaf`: "leaf: OK".
fn openssl_verifies(ca: &std::path::Path, leaf: &std::path::Path) {
    let verify = tool(
        "openssl",
        &[
            "verify",
            "-CAfile",
            ca.to_str().unwrap(),
            leaf.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        verify.stdout.trim(),
        format!("{}: OK", leaf.display()),
        "{}",
        verify.stderr
    );
}

#[test]
fn an_internal_ca_and_what_it_issues_pass_openssl_and_python_cryptography() {
    let sb = Sandbox::new();
    let out = sb
        .run(
            "$ca = New-SelfSignedCertificate -Subject 'CN=Tech Root CA, O=Tech, C=US' -KeyAlgorithm ECDSA_nistP384 -Type Custom -KeyUsage CertSign, CRLSign, DigitalSignature -TextExtension '2.5.29.19={text}CA=true&pathlength=0' -NotAfter (Get-Date).AddYears(10)
             $ca | Export-Certificate -FilePath ca.pem -Type PEM | Out-Null
             $leaf = New-SelfSignedCertificate -DnsName web01.tech.local -KeyAlgorithm RSA -Signer $ca
             $leaf | Export-Certificate -FilePath leaf.pem -Type PEM | Out-Null
             Import-Certificate -FilePath ca.pem -CertStoreLocation Cert:\\LocalMachine\\Root | Out-Null
             Test-Certificate -Cert $leaf -Policy SSL -DNSName web01.tech.local
             ($leaf.Issuer -eq $ca.Subject)",
        )
        .ok();
    assert_eq!(
        out.stdout.split_whitespace().collect::<Vec<_>>(),
        ["True", "True"],
        "{}",
        out.stderr
    );
    let (ca, leaf) = (sb.path("ca.pem"), sb.path("leaf.pem"));
    let text = tool(
        "openssl",
        &["x509", "-noout", "-text", "-in", ca.to_str().unwrap()],
        None,
    );
    assert!(
        text.stdout.contains("CA:TRUE, pathlen:0"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("Certificate Sign, CRL Sign"),
        "{}",
        text.stdout
    );
    openssl_verifies(&ca, &ca);
    openssl_verifies(&ca, &leaf);
    let script = r#"
import sys
from cryptography import x509
ca = x509.load_pem_x509_certificate(open(sys.argv[1], 'rb').read())
leaf = x509.load_pem_x509_certificate(open(sys.argv[2], 'rb').read())
bc = ca.extensions.get_extension_for_class(x509.BasicConstraints)
ku = ca.extensions.get_extension_for_class(x509.KeyUsage).value
leaf.verify_directly_issued_by(ca)
aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
print(bc.critical, bc.value.ca, bc.value.path_length, ku.key_cert_sign, ku.crl_sign,
      leaf.issuer.public_bytes() == ca.subject.public_bytes(), aki == ski,
      leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
"#;
    let py = tool(
        "python3",
        &["-c", script, ca.to_str().unwrap(), leaf.to_str().unwrap()],
        None,
    );
    assert_eq!(py.code, 0, "{}", py.stderr);
    assert_eq!(py.stdout.trim(), "True True 0 True True True True False");

    // A CA made by openssl (PrintableString country, RSA) signs through certhost too.
    let (oca, oca_key, oca_pfx) = (sb.path("oca.pem"), sb.path("oca.key"), sb.path("oca.pfx"));
    openssl_ca(
        &oca,
        &oca_key,
        "/C=US/O=Tech/CN=OpenSSL Issuing CA",
        &[
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    let exported = tool(
        "openssl",
        &[
            "pkcs12",
            "-export",
            "-in",
            oca.to_str().unwrap(),
            "-inkey",
            oca_key.to_str().unwrap(),
            "-out",
            oca_pfx.to_str().unwrap(),
            "-passout",
            "env:PFX_PASSWORD",
        ],
        Some("Issuing-CA-1"),
    );
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    sb.run(
        "$p = ConvertTo-SecureString -String 'Issuing-CA-1' -AsPlainText -Force
         $oca = Import-PfxCertificate -FilePath oca.pfx -CertStoreLocation Cert:\\LocalMachine\\My -Password $p
         New-SelfSignedCertificate -DnsName web02.tech.local -KeyAlgorithm ECDSA_nistP256 -Signer $oca | Export-Certificate -FilePath leaf2.pem -Type PEM | Out-Null",
    )
    .ok();
    openssl_verifies(&oca, &sb.path("leaf2.pem"));
    // Without -NotAfter the certificate ends with its CA (30 days), not a year on.
    let ends = r#"
import sys
from cryptography import x509
ca, leaf = (x509.load_pem_x509_certificate(open(p, 'rb').read()) for p in sys.argv[1:3])
print(leaf.not_valid_after_utc == ca.not_valid_after_utc)
"#;
    let py = tool(
        "python3",
        &[
            "-c",
            ends,
            oca.to_str().unwrap(),
            sb.path("leaf2.pem").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(py.stdout.trim(), "True", "{}", py.stderr);

    // A CA certificate without its key cannot sign; nothing is stored.
    let refused = sb.run(
        "$before = (Get-ChildItem Cert:\\LocalMachine\\My).Count
         $root = Get-ChildItem Cert:\\LocalMachine\\Root | Select-Object -First 1
         New-SelfSignedCertificate -DnsName web03.tech.local -Signer $root
         (Get-ChildItem Cert:\\LocalMachine\\My).Count -eq $before",
    );
    assert!(
        refused.stderr.contains("SignerHasNoPrivateKey")
            || refused.stderr.contains("no private key"),
        "{}",
        refused.stderr
    );
    assert_eq!(refused.stdout.trim(), "True");
}

#[test]
fn pkcs7_bundles_from_openssl_import_every_certificate_leaf_first() {
    let sb = Sandbox::new();
    sb.run(
        "$ca = New-SelfSignedCertificate -Subject 'CN=P7 Root CA' -KeyAlgorithm ECDSA_nistP256 -Type Custom -KeyUsage CertSign, CRLSign -TextExtension '2.5.29.19={text}CA=true'
         $ca | Export-Certificate -FilePath ca.pem -Type PEM | Out-Null
         New-SelfSignedCertificate -DnsName p7.tech.local -Signer $ca | Export-Certificate -FilePath leaf.pem -Type PEM | Out-Null",
    )
    .ok();
    for (form, file) in [("DER", "chain.p7b"), ("PEM", "chain-pem.p7b")] {
        // The CA first, as some CAs write it: certhost puts the end entity first.
        let out = sb.path(file);
        let made = tool(
            "openssl",
            &[
                "crl2pkcs7",
                "-nocrl",
                "-certfile",
                sb.path("ca.pem").to_str().unwrap(),
                "-certfile",
                sb.path("leaf.pem").to_str().unwrap(),
                "-outform",
                form,
                "-out",
                out.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(made.code, 0, "{}", made.stderr);
        let run = sb
            .run(&format!(
                "New-Item Cert:\\LocalMachine\\P7{form} | Out-Null
                 (Import-Certificate -FilePath {file} -CertStoreLocation Cert:\\LocalMachine\\P7{form}).Subject
                 (Get-ChildItem Cert:\\LocalMachine\\P7{form}).Count"
            ))
            .ok();
        assert_eq!(
            run.stdout.lines().map(str::trim).collect::<Vec<_>>(),
            ["CN=p7.tech.local", "CN=P7 Root CA", "2"],
            "{form}"
        );
    }
    // A PKCS#7 bundle without certificates is refused, saying so.
    let signed = tool(
        "openssl",
        &[
            "crl2pkcs7",
            "-nocrl",
            "-outform",
            "DER",
            "-out",
            sb.path("empty.p7b").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(signed.code, 0, "{}", signed.stderr);
    let refused =
        sb.run("Import-Certificate -FilePath empty.p7b -CertStoreLocation Cert:\\LocalMachine\\CA");
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("holds no certificates"),
        "{}",
        refused.stderr
    );
}

#[test]
fn requests_signed_by_an_openssl_ca_pair_with_their_key_on_import() {
    let sb = Sandbox::new();
    let (ca, ca_key) = (sb.path("ca.crt"), sb.path("ca.key"));
    openssl_ca(&ca, &ca_key, "/C=US/O=Tech/CN=Tech Issuing CA", &[]);
    for (i, (key, form)) in [
        ("RSA", "PEM chain"),
        ("ECDSA_nistP256", "DER"),
        ("ECDSA_nistP384", "PKCS#7"),
    ]
    .into_iter()
    .enumerate()
    {
        let csr = sb.path(&format!("r{i}.csr"));
        let out = sb
            .run(&format!(
                "New-CertificateRequest -Subject 'CN=backup0{i}.tech.local, O=Tech' -DnsName backup0{i}.tech.local -IPAddress 10.0.0.{i} -KeyAlgorithm {key} -FriendlyName 'req {i}' -OutFile r{i}.csr | Out-Null
                 (Get-ChildItem Cert:\\LocalMachine\\REQUEST).Count"
            ))
            .ok();
        assert_eq!(out.stdout.trim(), "1", "{key}");
        // openssl and Python read the request: its signature, subject and names.
        let verify = tool(
            "openssl",
            &[
                "req",
                "-in",
                csr.to_str().unwrap(),
                "-noout",
                "-verify",
                "-subject",
            ],
            None,
        );
        assert_eq!(verify.code, 0, "{}", verify.stderr);
        assert!(
            verify.stderr.contains("verify OK") || verify.stdout.contains("verify OK"),
            "{key}: {}{}",
            verify.stdout,
            verify.stderr
        );
        assert!(
            verify
                .stdout
                .contains(&format!("CN = backup0{i}.tech.local")),
            "{}",
            verify.stdout
        );
        let py = tool(
            "python3",
            &[
                "-c",
                "import sys\nfrom cryptography import x509\nr = x509.load_pem_x509_csr(open(sys.argv[1], 'rb').read())\nsan = r.extensions.get_extension_for_class(x509.SubjectAlternativeName).value\nprint(r.is_signature_valid, san.get_values_for_type(x509.DNSName), [str(a) for a in san.get_values_for_type(x509.IPAddress)])",
                csr.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(
            py.stdout.trim(),
            format!("True ['backup0{i}.tech.local'] ['10.0.0.{i}']"),
            "{}",
            py.stderr
        );
        // openssl is the CA; the issued certificate comes back in three forms.
        let issued = sb.path(&format!("r{i}.crt"));
        openssl_signs(&csr, &ca, &ca_key, &issued);
        let file = match form {
            "PEM chain" => {
                let chain = [std::fs::read(&issued).unwrap(), std::fs::read(&ca).unwrap()].concat();
                std::fs::write(sb.path("r0-chain.pem"), chain).unwrap();
                "r0-chain.pem".to_string()
            }
            "DER" => {
                let der = tool(
                    "openssl",
                    &[
                        "x509",
                        "-in",
                        issued.to_str().unwrap(),
                        "-outform",
                        "DER",
                        "-out",
                        sb.path("r1.cer").to_str().unwrap(),
                    ],
                    None,
                );
                assert_eq!(der.code, 0, "{}", der.stderr);
                "r1.cer".to_string()
            }
            _ => {
                let p7 = tool(
                    "openssl",
                    &[
                        "crl2pkcs7",
                        "-nocrl",
                        "-certfile",
                        ca.to_str().unwrap(),
                        "-certfile",
                        issued.to_str().unwrap(),
                        "-outform",
                        "DER",
                        "-out",
                        sb.path("r2.p7b").to_str().unwrap(),
                    ],
                    None,
                );
                assert_eq!(p7.code, 0, "{}", p7.stderr);
                "r2.p7b".to_string()
            }
        };
        let imported = sb
            .run(&format!(
                "$c = Import-Certificate -FilePath {file} -CertStoreLocation Cert:\\LocalMachine\\My
                 \"$($c.HasPrivateKey) $($c.FriendlyName) $((Get-ChildItem Cert:\\LocalMachine\\REQUEST).Count)\"
                 $pw = ConvertTo-SecureString -String 'Export-1' -AsPlainText -Force
                 $c | Export-PfxCertificate -FilePath r{i}.pfx -Password $pw -ChainOption BuildChain | Out-Null"
            ))
            .ok();
        assert_eq!(
            imported.stdout.trim(),
            format!("True req {i} 0"),
            "{form}: {}",
            imported.stderr
        );
        // The PFX holds the key of the certificate and the CA: openssl agrees.
        let pfx = sb.path(&format!("r{i}.pfx"));
        let keys = tool(
            "openssl",
            &[
                "pkcs12",
                "-in",
                pfx.to_str().unwrap(),
                "-passin",
                "env:PFX_PASSWORD",
                "-nocerts",
                "-nodes",
            ],
            Some("Export-1"),
        );
        assert_eq!(keys.code, 0, "{}", keys.stderr);
        std::fs::write(sb.path("k.pem"), &keys.stdout).unwrap();
        let public = |args: &[&str]| tool("openssl", args, None).stdout;
        assert_eq!(
            public(&["pkey", "-in", sb.path("k.pem").to_str().unwrap(), "-pubout"]),
            public(&["x509", "-in", issued.to_str().unwrap(), "-noout", "-pubkey"]),
            "{key}: the stored key is the issued certificate's"
        );
        let certs = tool(
            "openssl",
            &[
                "pkcs12",
                "-in",
                pfx.to_str().unwrap(),
                "-passin",
                "env:PFX_PASSWORD",
                "-nokeys",
            ],
            Some("Export-1"),
        );
        let expected = if form == "DER" { 1 } else { 2 };
        assert_eq!(
            certs.stdout.matches("BEGIN CERTIFICATE").count(),
            expected,
            "{form}: the chain is kept"
        );
        openssl_verifies(&ca, &issued);
    }
    // A certificate for no pending request imports as before, without a key.
    let plain = sb
        .run("(Import-Certificate -FilePath r1.cer -CertStoreLocation Cert:\\LocalMachine\\CA).HasPrivateKey")
        .ok();
    assert_eq!(plain.stdout.trim(), "False");
}

/// `certreq -new` with a policy file as Notepad saves it (UTF-16 with a byte order mark,
/// CRLF) in the layout of Windows' documentation; openssl and Python read the request,
/// openssl signs it, and `certreq -accept` installs the answer (PKCS#7, PEM) with the
/// request's key. `$LASTEXITCODE` is set as for Windows' certreq.exe.
#[test]
fn certreq_policy_files_make_requests_openssl_signs_and_accept_installs() {
    let sb = Sandbox::new();
    let inf = "[Version]\r\nSignature=\"$Windows NT$\"\r\n\r\n[NewRequest]\r\nSubject = \"CN=backup01.tech.local, O=Tech\" ; the server\r\nKeyLength = 3072\r\nKeyAlgorithm = RSA\r\nExportable = TRUE\r\nMachineKeySet = True\r\nKeySpec = 1\r\nKeyUsage = 0xA0\r\nProviderName = \"Microsoft RSA SChannel Cryptographic Provider\"\r\nProviderType = 12\r\nRequestType = PKCS10\r\nFriendlyName = \"Backup server\"\r\n\r\n[Strings]\r\nszOID_SUBJECT_ALT_NAME2 = \"2.5.29.17\"\r\nszOID_ENHANCED_KEY_USAGE = \"2.5.29.37\"\r\nszOID_PKIX_KP_SERVER_AUTH = \"1.3.6.1.5.5.7.3.1\"\r\n\r\n[Extensions]\r\n%szOID_SUBJECT_ALT_NAME2% = \"{text}\"\r\n_continue_ = \"dns=backup01.tech.local&\"\r\n_continue_ = \"dns=backup01&\"\r\n_continue_ = \"ipaddress=10.0.0.5&\"\r\n%szOID_ENHANCED_KEY_USAGE% = \"{text}%szOID_PKIX_KP_SERVER_AUTH%\"\r\n\r\n[RequestAttributes]\r\nCertificateTemplate = WebServer\r\n";
    let mut bytes = vec![0xff, 0xfe];
    for unit in inf.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    std::fs::write(sb.path("request.inf"), bytes).unwrap();
    let made = sb
        .run("certreq -new request.inf req.csr\n\"exit $LASTEXITCODE\"\n(Get-ChildItem Cert:\\LocalMachine\\REQUEST).Count")
        .ok();
    assert_eq!(
        made.stdout.trim(),
        "CertReq: Request Created\nexit 0\n1",
        "{}",
        made.stderr
    );
    let csr = sb.path("req.csr");
    let text = tool(
        "openssl",
        &[
            "req",
            "-in",
            csr.to_str().unwrap(),
            "-noout",
            "-verify",
            "-text",
        ],
        None,
    );
    assert_eq!(text.code, 0, "{}", text.stderr);
    for expected in [
        "Subject: O = Tech, CN = backup01.tech.local",
        "Public-Key: (3072 bit)",
        "Digital Signature, Key Encipherment",
        "DNS:backup01.tech.local, DNS:backup01, IP Address:10.0.0.5",
        "TLS Web Server Authentication",
    ] {
        assert!(
            text.stdout.contains(expected),
            "{expected}:\n{}",
            text.stdout
        );
    }
    let py = tool(
        "python3",
        &[
            "-c",
            "import sys\nfrom cryptography import x509\nr = x509.load_pem_x509_csr(open(sys.argv[1], 'rb').read())\nku = r.extensions.get_extension_for_class(x509.KeyUsage).value\nprint(r.is_signature_valid, r.public_key().key_size, ku.digital_signature, ku.key_encipherment, ku.key_cert_sign)",
            csr.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        py.stdout.trim(),
        "True 3072 True True False",
        "{}",
        py.stderr
    );

    // openssl is the CA and answers with a PEM PKCS#7 (the CA certificate first).
    let (ca, ca_key, issued) = (sb.path("ca.crt"), sb.path("ca.key"), sb.path("issued.cer"));
    openssl_ca(&ca, &ca_key, "/C=US/O=Tech/CN=Tech Issuing CA", &[]);
    openssl_signs(&csr, &ca, &ca_key, &issued);
    let p7 = tool(
        "openssl",
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            ca.to_str().unwrap(),
            "-certfile",
            issued.to_str().unwrap(),
            "-out",
            sb.path("issued.p7b").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(p7.code, 0, "{}", p7.stderr);
    let fingerprint = tool(
        "openssl",
        &[
            "x509",
            "-in",
            issued.to_str().unwrap(),
            "-noout",
            "-fingerprint",
            "-sha1",
        ],
        None,
    )
    .stdout
    .trim()
    .split_once('=')
    .map(|(_, hex)| hex.replace(':', ""))
    .unwrap();
    let accepted = sb
        .run(&format!(
            "certreq -accept issued.p7b\n\"exit $LASTEXITCODE\"\n$c = Get-Item Cert:\\LocalMachine\\My\\{fingerprint}\n\"$($c.HasPrivateKey) $($c.FriendlyName) $((Get-ChildItem Cert:\\LocalMachine\\REQUEST).Count)\"\ncertreq -accept issued.p7b\n\"exit $LASTEXITCODE\""
        ));
    let lines: Vec<&str> = accepted.stdout.lines().collect();
    assert_eq!(lines[0], "Installed Certificate:", "{}", accepted.stdout);
    assert!(
        lines.contains(&format!("  Thumbprint: {}", fingerprint.to_ascii_lowercase()).as_str()),
        "{}",
        accepted.stdout
    );
    assert_eq!(
        &lines[6..],
        ["exit 0", "True Backup server 0", "exit 1"],
        "{}",
        accepted.stderr
    );
    assert!(
        accepted.stderr.contains("0x80092004"),
        "{}",
        accepted.stderr
    );
    openssl_verifies(&ca, &issued);
}
