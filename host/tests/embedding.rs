//! The certificate component as an artifact for other hosts: `certhost component save`
//! and `certhost component info`, checked with coreutils' sha256sum.

mod common;
use common::*;

fn certhost(sb: &Sandbox, args: &[&str]) -> Run {
    run_of(sb.command().args(args).output().expect("run certhost"))
}

#[test]
fn component_save_writes_the_portable_build_its_wit_and_sums_that_sha256sum_checks() {
    let sb = Sandbox::new();
    let saved = certhost(&sb, &["component", "save", "artifact"]).ok();
    let dir = sb.path("artifact");
    assert_eq!(
        saved.stdout,
        format!(
            "{0}/certhost-certificates.wasm\n{0}/certhost.wit\n{0}/SHA256SUMS\n",
            "artifact"
        )
    );
    let checked = std::process::Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(checked.status.success(), "{checked:?}");
    assert_eq!(
        String::from_utf8_lossy(&checked.stdout),
        "certhost-certificates.wasm: OK\ncerthost.wit: OK\n"
    );
    // The portable build, not the wide-arithmetic one the shell runs.
    let wasm = std::fs::read(dir.join("certhost-certificates.wasm")).unwrap();
    assert_eq!(
        wasm,
        std::fs::read(env!("CERTHOST_PORTABLE_GUEST_WASM")).unwrap()
    );
    assert_ne!(wasm, std::fs::read(env!("CERTHOST_GUEST_WASM")).unwrap());
    let wit = std::fs::read_to_string(dir.join("certhost.wit")).unwrap();
    let repo_wit = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit/certhost.wit");
    assert_eq!(wit, std::fs::read_to_string(repo_wit).unwrap());
    let version = wit
        .lines()
        .find_map(|l| l.strip_prefix("package certhost:plugin@"))
        .unwrap()
        .trim_end_matches(';')
        .to_string();

    // info agrees with the sums, and names the contract's interfaces.
    let info = certhost(&sb, &["component", "info", "--json"]).ok();
    let info: serde_json::Value = serde_json::from_str(&info.stdout).unwrap();
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    let wasm_sum = sums.split_whitespace().next().unwrap();
    assert_eq!(info["sha256"], wasm_sum);
    assert_eq!(info["size"], wasm.len());
    assert_eq!(info["witVersion"], version.as_str());
    assert_eq!(info["package"], format!("certhost:plugin@{version}"));
    let names = |key: &str| -> Vec<String> {
        info[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    for export in ["cmdlets", "certificates", "slots"] {
        assert!(names("exports").contains(&format!("certhost:plugin/{export}@{version}")));
    }
    for import in ["store", "files", "host", "server", "primitives"] {
        assert!(names("imports").contains(&format!("certhost:plugin/{import}@{version}")));
    }
    let text = certhost(&sb, &["component", "info"]).ok();
    assert!(
        text.stdout
            .contains(&format!("SHA-256          {wasm_sum}\n")),
        "{}",
        text.stdout
    );

    // Saving again replaces the three files and leaves the rest alone.
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    certhost(&sb, &["component", "save", "artifact"]).ok();
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        4,
        "no partial files left"
    );
}

#[test]
fn component_usage_errors_are_specific_and_change_nothing() {
    let sb = Sandbox::new();
    std::fs::write(sb.path("taken"), "a file").unwrap();
    let refused = certhost(&sb, &["component", "save", "taken"]);
    assert_eq!(refused.code, 1);
    assert_eq!(
        refused.stderr,
        "certhost component: 'taken' exists and is not a directory; give a directory to save into\n"
    );
    assert_eq!(std::fs::read_to_string(sb.path("taken")).unwrap(), "a file");
    for (args, words) in [
        (
            vec!["component"],
            "certhost component: say what to do: save or info\n",
        ),
        (
            vec!["component", "save"],
            "certhost component: save needs the directory to write into\n",
        ),
        (
            vec!["component", "info", "--yaml"],
            "certhost component: info takes only --json, not '--yaml'\n",
        ),
        (
            vec!["component", "save", "a", "b"],
            "certhost component: save takes one directory; 'b' is one word too many\n",
        ),
        (
            vec!["component", "publish"],
            "certhost component: 'publish' is not save or info\n",
        ),
    ] {
        let out = certhost(&sb, &args);
        assert_eq!(out.code, 64, "{args:?}");
        assert!(out.stderr.contains(words), "{args:?}: {}", out.stderr);
        assert!(
            out.stderr
                .contains("usage: certhost component save <directory>")
        );
    }
}

#[test]
fn docs_wit_md_names_every_interface_and_function_of_the_wit() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let wit = std::fs::read_to_string(root.join("wit/certhost.wit")).unwrap();
    let doc = std::fs::read_to_string(root.join("docs/wit.md")).unwrap();
    let version = wit
        .lines()
        .find_map(|l| l.strip_prefix("package certhost:plugin@"))
        .unwrap()
        .trim_end_matches(';');
    assert!(
        doc.contains(&format!("| {version} |")),
        "docs/wit.md has a row for {version}"
    );
    let mut checked = 0;
    for line in wit.lines().map(str::trim) {
        let name = if let Some(rest) = line.strip_prefix("interface ") {
            rest.trim_end_matches(" {")
        } else if let Some((name, _)) = line.split_once(": func(") {
            name
        } else {
            continue;
        };
        assert!(
            doc.contains(&format!("`{name}")),
            "docs/wit.md names `{name}`"
        );
        checked += 1;
    }
    assert!(checked > 40, "{checked} names checked");
}

fn component() -> certhost::Component {
    // The compiled code is cached beside the target directory, as for every test run.
    let cache = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/embed-cache");
    certhost::Component::open_with_cache(&cache).expect("the component loads")
}

fn request(names: &[&str], key: certhost::KeyAlgorithm) -> certhost::GenerateRequest {
    certhost::GenerateRequest {
        subject: None,
        dns_names: names.iter().map(|n| n.to_string()).collect(),
        ip_addresses: vec!["192.0.2.10".into()],
        not_before: 1_767_225_600,
        not_after: 1_798_761_600,
        key,
        key_usages: vec![certhost::KeyUsage::DigitalSignature],
        extended_key_usages: vec![certhost::ExtendedKeyUsage::ServerAuth],
    }
}

#[test]
fn the_library_component_makes_certificates_openssl_reads_and_pfx_files_it_reopens() {
    let sb = Sandbox::new();
    let c = component();
    let entry = c
        .generate_self_signed(&request(
            &["backup01.tech.local"],
            certhost::KeyAlgorithm::EcdsaP256,
        ))
        .unwrap();
    let info = c.inspect(&entry.certificate).unwrap();
    let pem = sb.path("generated.pem");
    std::fs::write(&pem, c.certificate_to_pem(&entry.certificate).unwrap()).unwrap();
    assert_eq!(openssl_thumbprint(&pem, false), info.thumbprint);
    let text = tool(
        "openssl",
        &[
            "x509",
            "-in",
            pem.to_str().unwrap(),
            "-noout",
            "-subject",
            "-ext",
            "subjectAltName",
            "-dates",
        ],
        None,
    );
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout.contains("subject=CN = backup01.tech.local"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("DNS:backup01.tech.local, IP Address:192.0.2.10"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("notAfter=Jan  1 00:00:00 2027 GMT"),
        "{}",
        text.stdout
    );
    let verified = tool(
        "openssl",
        &[
            "verify",
            "-CAfile",
            pem.to_str().unwrap(),
            "-attime",
            "1780000000",
            pem.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);
    let key = entry.private_key.clone().expect("a key");
    c.check_key_pair(&entry.certificate, &key).unwrap();
    assert_eq!(
        c.parse_certificates(pem_bytes(&pem).as_slice()).unwrap(),
        vec![entry.certificate.clone()]
    );

    // Through a PFX and back, and the typed errors.
    let pfx = c
        .export_pfx(
            &entry,
            "Test-P@ss1",
            certhost::PfxProfile::Aes256Sha256,
            false,
            2048,
        )
        .unwrap();
    let back = c.import_pfx(&pfx, "Test-P@ss1").unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].certificate, entry.certificate);
    match c.import_pfx(&pfx, "wrong") {
        Err(certhost::EmbedError::Certificate(certhost::CertError::WrongPassword(_))) => {}
        other => panic!("wrong password: {other:?}"),
    }
    match c.import_pfx(b"not a pfx", "x") {
        Err(certhost::EmbedError::Certificate(certhost::CertError::Corrupt(_))) => {}
        other => panic!("corrupt: {other:?}"),
    }
    let other = c
        .generate_self_signed(&request(
            &["other.tech.local"],
            certhost::KeyAlgorithm::EcdsaP256,
        ))
        .unwrap();
    match c.check_key_pair(&entry.certificate, other.private_key.as_ref().unwrap()) {
        Err(e @ certhost::EmbedError::Certificate(certhost::CertError::KeyMismatch(_))) => {
            assert!(e.to_string().starts_with("key mismatch: "), "{e}");
        }
        other => panic!("key mismatch: {other:?}"),
    }
}

fn pem_bytes(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn the_library_component_imports_every_pfx_sample_with_openssls_leaf() {
    let sb = Sandbox::new();
    let c = component();
    let mut compared = 0;
    for sample in pfx_samples() {
        let path = samples_dir().join(&sample.file);
        let entries = c
            .import_pfx(&std::fs::read(&path).unwrap(), &sample.password)
            .unwrap_or_else(|e| panic!("{}: {e}", sample.file));
        let leaf = if sample.has_key {
            // The entry with the key first (certificates it does not chain to follow).
            assert!(entries[0].private_key.is_some(), "{}", sample.file);
            assert_eq!(
                entries.iter().filter(|e| e.private_key.is_some()).count(),
                1,
                "{}",
                sample.file
            );
            &entries[0]
        } else {
            assert_eq!(entries.len(), sample.certificates, "{}", sample.file);
            &entries[0]
        };
        let thumbprint = c.inspect(&leaf.certificate).unwrap().thumbprint;
        if let Some(expected) =
            openssl_leaf_thumbprint(&sb, &path, &sample.password, sample.has_key)
        {
            assert_eq!(thumbprint, expected, "{}", sample.file);
            compared += 1;
        }
    }
    assert!(compared >= 30, "{compared} samples compared with openssl");
}

#[test]
fn the_library_shell_returns_objects_and_reports_failures() {
    let sb = Sandbox::new();
    let mut shell = certhost::Shell::new(sb.home()).unwrap();
    let made = shell
        .run("New-SelfSignedCertificate -DnsName backup01.tech.local -CertStoreLocation Cert:\\LocalMachine\\My | Select-Object Subject, Thumbprint, HasPrivateKey")
        .unwrap();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0]["Subject"], "CN=backup01.tech.local");
    assert_eq!(made[0]["HasPrivateKey"], true);
    let thumbprint = made[0]["Thumbprint"].as_str().unwrap().to_string();
    // Variables persist between runs, and the store is the binary's.
    shell
        .run("$t = '{}'".replace("{}", &thumbprint).as_str())
        .unwrap();
    let found = shell
        .run("(Get-Item Cert:\\LocalMachine\\My\\$t).Thumbprint")
        .unwrap();
    assert_eq!(found, vec![serde_json::Value::String(thumbprint.clone())]);
    let listed = sb
        .run("(Get-ChildItem Cert:\\LocalMachine\\My).Thumbprint")
        .ok();
    assert_eq!(listed.stdout.trim(), thumbprint);

    match shell
        .run("'before'; Get-Item Cert:\\LocalMachine\\My\\0000000000000000000000000000000000000000")
    {
        Err(certhost::EmbedError::Script { message, output }) => {
            assert!(message.contains("Cannot find path"), "{message}");
            assert_eq!(output, vec![serde_json::Value::String("before".into())]);
        }
        other => panic!("{other:?}"),
    }
    match shell.run("exit 3") {
        Err(certhost::EmbedError::Script { message, .. }) => {
            assert_eq!(message, "the script exited with 3");
        }
        other => panic!("{other:?}"),
    }
    match shell.run("Get-Item 'unclosed") {
        Err(certhost::EmbedError::Parse(message)) => {
            assert!(message.contains("missing the terminator"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // After failures the shell goes on.
    assert_eq!(shell.run("1 + 1").unwrap(), vec![serde_json::json!(2)]);
}
