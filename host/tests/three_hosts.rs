//! One conformance file, three hosts: the operations of embed/conformance/operations.json
//! run on the portable component, saved by the binary under test, by the Rust library
//! (here), the Node package (embed/node, transpiled by jco) and the Python package
//! (embed/python, on wasmtime-py); their normalized results (embed/README.md) must be
//! identical, byte for byte.

mod common;
use common::*;
use serde_json::{Value as Json, json};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `value` with every object's keys sorted, as one line (the canonical form every
/// harness writes).
fn canonical(value: &Json) -> String {
    fn sorted(value: &Json) -> Json {
        match value {
            Json::Object(map) => {
                let ordered: std::collections::BTreeMap<&String, Json> =
                    map.iter().map(|(k, v)| (k, sorted(v))).collect();
                Json::Object(ordered.into_iter().map(|(k, v)| (k.clone(), v)).collect())
            }
            Json::Array(items) => Json::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    serde_json::to_string(&sorted(value)).unwrap()
}

fn info_json(info: &certhost::CertificateInfo) -> Json {
    json!({
        "thumbprint": info.thumbprint,
        "sha256Fingerprint": info.sha256_fingerprint,
        "subject": info.subject,
        "issuer": info.issuer,
        "serialNumber": info.serial_number,
        "notBefore": info.not_before,
        "notAfter": info.not_after,
        "dnsNames": info.dns_names,
        "ipAddresses": info.ip_addresses,
        "keyAlgorithm": info.key_algorithm,
        "keySize": info.key_size,
        "extendedKeyUsages": info.extended_key_usages.iter()
            .map(|e| json!({"friendlyName": e.friendly_name, "oid": e.oid}))
            .collect::<Vec<_>>(),
        "keyUsages": info.key_usages,
        "selfSigned": info.self_signed,
        "signatureAlgorithm": info.signature_algorithm,
        "version": info.version,
        "isCa": info.is_ca,
    })
}

fn error_json(e: certhost::EmbedError) -> Json {
    use certhost::CertError as E;
    match e {
        certhost::EmbedError::Certificate(e) => {
            let tag = match &e {
                E::WrongPassword(_) => "wrong-password",
                E::Corrupt(_) => "corrupt",
                E::Unsupported(_) => "unsupported",
                E::KeyMismatch(_) => "key-mismatch",
                E::InvalidInput(_) => "invalid-input",
            };
            json!({"error": tag, "message": e.message()})
        }
        other => panic!("the component failed: {other}"),
    }
}

fn entries_json(c: &certhost::Component, entries: &[certhost::CertificateEntry]) -> Json {
    let entries: Vec<Json> = entries
        .iter()
        .map(|e| {
            let chain: Vec<Json> = e
                .chain
                .iter()
                .map(|der| json!(c.inspect(der).unwrap().thumbprint))
                .collect();
            json!({
                "certificate": info_json(&c.inspect(&e.certificate).unwrap()),
                "hasKey": e.private_key.is_some(),
                "keyMatches": e.private_key.as_ref().map(|k| c.check_key_pair(&e.certificate, k).is_ok()),
                "friendlyName": e.friendly_name,
                "chain": chain,
            })
        })
        .collect();
    json!({ "entries": entries })
}

fn input_bytes(op: &Json) -> Vec<u8> {
    let mut bytes = if let Some(file) = op["file"].as_str() {
        std::fs::read(repo().join(file)).unwrap()
    } else {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(op["base64"].as_str().unwrap())
            .unwrap()
    };
    if let Some(n) = op["truncate"].as_u64() {
        bytes.truncate(usize::try_from(n).unwrap());
    }
    bytes
}

fn password(op: &Json) -> String {
    match op["passwordFile"].as_str() {
        Some(file) => std::fs::read_to_string(repo().join(file))
            .unwrap()
            .trim()
            .to_string(),
        None => op["password"].as_str().unwrap().to_string(),
    }
}

fn generate_request(r: &Json) -> certhost::GenerateRequest {
    use certhost::{ExtendedKeyUsage as X, KeyAlgorithm as K, KeyUsage as U};
    let texts = |key: &str| -> Vec<String> {
        r[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    certhost::GenerateRequest {
        subject: r["subject"].as_str().map(str::to_string),
        dns_names: texts("dnsNames"),
        ip_addresses: texts("ipAddresses"),
        not_before: r["notBefore"].as_i64().unwrap(),
        not_after: r["notAfter"].as_i64().unwrap(),
        key: match r["key"]["algorithm"].as_str().unwrap() {
            "rsa" => K::Rsa(u32::try_from(r["key"]["bits"].as_u64().unwrap()).unwrap()),
            "ecdsa-p256" => K::EcdsaP256,
            "ecdsa-p384" => K::EcdsaP384,
            other => panic!("key {other}"),
        },
        key_usages: texts("keyUsages")
            .iter()
            .map(|u| match u.as_str() {
                "digital-signature" => U::DigitalSignature,
                "non-repudiation" => U::NonRepudiation,
                "key-encipherment" => U::KeyEncipherment,
                "data-encipherment" => U::DataEncipherment,
                "key-agreement" => U::KeyAgreement,
                other => panic!("key usage {other}"),
            })
            .collect(),
        extended_key_usages: texts("extendedKeyUsages")
            .iter()
            .map(|u| match u.as_str() {
                "server-auth" => X::ServerAuth,
                "client-auth" => X::ClientAuth,
                other => panic!("EKU {other}"),
            })
            .collect(),
    }
}

/// The fields of a generated certificate that do not depend on its random key and serial.
fn generated_json(c: &certhost::Component, entry: &certhost::CertificateEntry) -> Json {
    let mut info = info_json(&c.inspect(&entry.certificate).unwrap());
    let map = info.as_object_mut().unwrap();
    for random in ["thumbprint", "sha256Fingerprint", "serialNumber"] {
        map.remove(random);
    }
    json!({
        "certificate": info,
        "hasKey": entry.private_key.is_some(),
        "keyMatches": entry.private_key.as_ref().map(|k| c.check_key_pair(&entry.certificate, k).is_ok()),
    })
}

fn run_operation(c: &certhost::Component, op: &Json) -> Json {
    let outcome = |r: Result<Json, certhost::EmbedError>| r.unwrap_or_else(error_json);
    match op["op"].as_str().unwrap() {
        "generateSelfSigned" => outcome(
            c.generate_self_signed(&generate_request(&op["request"]))
                .map(|e| generated_json(c, &e)),
        ),
        "parseCertificates" => outcome(c.parse_certificates(&input_bytes(op)).map(|ders| {
            json!({"certificates": ders.iter().map(|d| info_json(&c.inspect(d).unwrap())).collect::<Vec<_>>()})
        })),
        "parsePrivateKey" => outcome(
            c.parse_private_key(&input_bytes(op), op["password"].as_str())
                .map(|pkcs8| json!({"pkcs8Length": pkcs8.len()})),
        ),
        "checkKeyPair" => {
            let read = |key: &str| std::fs::read(repo().join(op[key].as_str().unwrap())).unwrap();
            let der = c.parse_certificates(&read("certificateFile")).unwrap().remove(0);
            let key = c.parse_private_key(&read("keyFile"), None).unwrap();
            outcome(c.check_key_pair(&der, &key).map(|()| json!({"ok": true})))
        }
        "importPfx" => outcome(
            c.import_pfx(&input_bytes(op), &password(op))
                .map(|entries| entries_json(c, &entries)),
        ),
        "exportPfx" => {
            let entries = c.import_pfx(&input_bytes(op), &password(op)).unwrap();
            let profile = match op["profile"].as_str().unwrap() {
                "aes256-sha256" => certhost::PfxProfile::Aes256Sha256,
                "triple-des-sha1" => certhost::PfxProfile::TripleDesSha1,
                other => panic!("profile {other}"),
            };
            let export_password = op["exportPassword"].as_str().unwrap();
            outcome(
                c.export_pfx(
                    &entries[0],
                    export_password,
                    profile,
                    op["includeChain"].as_bool().unwrap(),
                    u32::try_from(op["iterations"].as_u64().unwrap()).unwrap(),
                )
                .and_then(|pfx| c.import_pfx(&pfx, export_password))
                .map(|entries| entries_json(c, &entries)),
            )
        }
        other => panic!("unknown operation {other}"),
    }
}

/// The saved component's SHA-256, checked against its SHA256SUMS line.
fn checked_sha256(dir: &Path) -> String {
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    let expected = sums
        .lines()
        .find_map(|l| l.strip_suffix("  certhost-certificates.wasm"))
        .unwrap()
        .to_string();
    use sha2::Digest;
    let actual = hex::encode(sha2::Sha256::digest(
        std::fs::read(dir.join("certhost-certificates.wasm")).unwrap(),
    ));
    assert_eq!(
        actual, expected,
        "the component is the one SHA256SUMS names"
    );
    actual
}

/// Runs every operation in the Rust library and returns the normalized result lines.
fn rust_results(artifact: &Path, operations: &Json) -> String {
    let sha256 = checked_sha256(artifact);
    let c = certhost::Component::open_file(
        &artifact.join("certhost-certificates.wasm"),
        &repo().join("target/embed-cache"),
    )
    .unwrap();
    let ops = operations["operations"].as_array().unwrap();
    let mut lines = vec![canonical(
        &json!({"component": sha256, "operations": ops.len()}),
    )];
    for op in ops {
        lines.push(canonical(
            &json!({"id": op["id"], "result": run_operation(&c, op)}),
        ));
    }
    lines.join("\n") + "\n"
}

/// Runs `command` (a harness step) and stops the test with its stderr if it fails.
fn run_step(what: &str, command: &mut std::process::Command) {
    let ran = command.output().unwrap();
    assert!(
        ran.status.success(),
        "{what} failed:\n{}",
        String::from_utf8_lossy(&ran.stderr)
    );
}

/// The Python harness's results (embed/python/conformance.py in the virtual environment
/// scripts/setup.sh makes).
fn python_results(artifact: &Path, out: &Path) -> String {
    let python = repo().join("target/tools/embed-python/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup.sh",
        python.display()
    );
    let file = out.join("python.jsonl");
    run_step(
        "the Python harness",
        std::process::Command::new(python)
            .arg(repo().join("embed/python/conformance.py"))
            .arg(repo().join("embed/conformance/operations.json"))
            .arg(artifact)
            .arg(&file),
    );
    std::fs::read_to_string(file).unwrap()
}

/// The Node harness's results: the package built from the binary under test (jco
/// transpile in embed/node/build.mjs), then embed/node/conformance.mjs.
fn node_results(out: &Path) -> String {
    let node_dir = repo().join("embed/node");
    assert!(
        node_dir.join("node_modules/@bytecodealliance/jco").exists(),
        "embed/node/node_modules is missing: run scripts/setup.sh"
    );
    run_step(
        "building the Node package",
        std::process::Command::new("node")
            .arg("build.mjs")
            .current_dir(&node_dir)
            .env("CERTHOST_BIN", env!("CARGO_BIN_EXE_certhost")),
    );
    let file = out.join("node.jsonl");
    run_step(
        "the Node harness",
        std::process::Command::new("node")
            .arg("conformance.mjs")
            .arg(repo().join("embed/conformance/operations.json"))
            .arg(&file)
            .current_dir(&node_dir),
    );
    std::fs::read_to_string(file).unwrap()
}

#[test]
fn the_rust_node_and_python_hosts_get_the_same_results() {
    let sb = Sandbox::new();
    let artifact = sb.path("artifact");
    run_of(
        sb.command()
            .args(["component", "save", artifact.to_str().unwrap()])
            .output()
            .unwrap(),
    )
    .ok();
    let operations: Json = serde_json::from_str(
        &std::fs::read_to_string(repo().join("embed/conformance/operations.json")).unwrap(),
    )
    .unwrap();
    let results = rust_results(&artifact, &operations);
    let out = repo().join("target/conformance");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("rust.jsonl"), &results).unwrap();
    let lines: Vec<Json> = results
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 61);
    let result = |id: &str| -> &Json { &lines.iter().find(|l| l["id"] == id).unwrap()["result"] };
    // A few results checked against what openssl and the fixtures' README say.
    assert_eq!(
        result("generate-ecdsa-p256")["certificate"]["dnsNames"],
        json!(["backup01.tech.local", "backup01"])
    );
    assert_eq!(result("generate-rsa-2048")["certificate"]["keySize"], 2048);
    assert_eq!(result("generate-rsa-1000-bits")["error"], "invalid-input");
    assert_eq!(result("import-wrong-password")["error"], "wrong-password");
    assert_eq!(result("import-corrupt")["error"], "corrupt");
    assert_eq!(result("import-truncated")["error"], "corrupt");
    assert_eq!(result("check-key-pair-mismatch")["error"], "key-mismatch");
    assert_eq!(
        result("parse-key-encrypted-wrong-password")["error"],
        "wrong-password"
    );
    assert_eq!(result("parse-key-ed448")["error"], "unsupported");
    let backup01 = &result("import-fixture-backup01")["entries"][0];
    assert_eq!(backup01["friendlyName"], "backup01 from CA");
    assert_eq!(backup01["keyMatches"], true);
    let leaf = repo().join("tests/fixtures/tech-local/leaf.crt");
    assert_eq!(
        backup01["certificate"]["thumbprint"],
        openssl_thumbprint(&leaf, false)
    );
    assert_eq!(
        result("export-and-reimport-aes")["entries"],
        result("import-fixture-backup01")["entries"]
    );

    let python = python_results(&artifact, &out);
    for (rust_line, python_line) in results.lines().zip(python.lines()) {
        assert_eq!(python_line, rust_line, "Python differs from Rust");
    }
    assert_eq!(python, results, "the same lines from Python and Rust");
    let node = node_results(&out);
    for (rust_line, node_line) in results.lines().zip(node.lines()) {
        assert_eq!(node_line, rust_line, "Node differs from Rust");
    }
    assert_eq!(node, results, "the same lines from Node and Rust");
}
