//! The shell's behaviour through the real binary: errors, exit codes, state that a
//! failure leaves untouched, persistence, permissions.

mod common;
use common::*;
use std::os::unix::fs::PermissionsExt;

#[test]
fn unknown_cmdlet_is_reported_like_powershell() {
    let sb = Sandbox::new();
    let out = sb.run("Get-Frobnicator -All");
    assert_eq!(out.code, 1);
    assert!(out.stderr.starts_with("Get-Frobnicator: The term 'Get-Frobnicator' is not recognized as a name of a cmdlet, function, script file, or executable program."), "{}", out.stderr);
}

#[test]
fn parse_errors_show_line_column_and_caret() {
    let sb = Sandbox::new();
    let out = sb.run("Get-ChildItem Cert:\\LocalMachine\\My\nExport-Certificate -FilePath 'x.cer");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "ParserError: line 2, column 30: The string is missing the terminator: '.\nExport-Certificate -FilePath 'x.cer\n                             ^\n"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing runs when the script does not parse"
    );
}

#[test]
fn binding_errors_use_powershells_words() {
    let sb = Sandbox::new();
    let out = sb.run("New-SelfSignedCertificate -DnsName a.tech.local -KeyAlgorithm DSA");
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("Cannot validate argument on parameter 'KeyAlgorithm'. The argument \"DSA\" does not belong to the set \"RSA,ECDSA_nistP256,ECDSA_nistP384\""), "{}", out.stderr);
    let out = sb.run("Import-PfxCertificate");
    assert!(
        out.stderr.contains(
            "Cannot process command because of one or more missing mandatory parameters: FilePath."
        ),
        "{}",
        out.stderr
    );
    let out = sb.run("New-SelfSignedCertificate -DnsName a.tech.local -KeyLength lots");
    assert!(
        out.stderr
            .contains("Cannot convert value \"lots\" to type \"System.Int32\""),
        "{}",
        out.stderr
    );
}

#[test]
fn exit_codes_follow_pwsh() {
    let sb = Sandbox::new();
    // -Command: the status of the last statement.
    assert_eq!(
        sb.run("Get-Item Cert:\\LocalMachine\\My\\00; Write-Output fine")
            .code,
        0
    );
    assert_eq!(
        sb.run("Write-Output fine; Get-Item Cert:\\LocalMachine\\My\\00")
            .code,
        1
    );
    // -File: 0 after non-terminating errors, 1 when the script does not parse.
    std::fs::write(sb.path("bad.ps1"), "Get-Item Cert:\\LocalMachine\\My\\00\n").unwrap();
    let out = run_of(
        sb.command()
            .args(["-NoProfile", "-NonInteractive", "-File", "bad.ps1"])
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 0);
    assert!(out.stderr.contains("Cannot find path"), "{}", out.stderr);
    std::fs::write(sb.path("broken.ps1"), "Write-Output (\n").unwrap();
    let out = run_of(sb.command().args(["-File", "broken.ps1"]).output().unwrap());
    assert_eq!(out.code, 1);
}

#[test]
fn a_failed_import_changes_nothing() {
    let sb = Sandbox::new();
    sb.run("New-SelfSignedCertificate -DnsName keep.tech.local -KeyAlgorithm ECDSA_nistP256")
        .ok();
    let before = sb.run("Get-ChildItem Cert:\\LocalMachine\\My").ok().stdout;
    let pfx = sb.sample("openssl/ec-with-extra-cert.pfx");
    let wrong = sb.run(&format!(
        "Import-PfxCertificate -FilePath '{}' -Password 'nope'",
        pfx.display()
    ));
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("wrong password"), "{}", wrong.stderr);
    assert!(!wrong.stderr.contains("corrupt"));
    assert!(
        !wrong.stderr.contains("nope"),
        "the password never appears in messages"
    );

    let mut damaged = std::fs::read(&pfx).unwrap();
    let len = damaged.len();
    damaged.truncate(len - 40);
    std::fs::write(sb.path("damaged.pfx"), damaged).unwrap();
    let corrupt = sb.run("Import-PfxCertificate -FilePath damaged.pfx -Password 'Test-P@ss1'");
    assert_eq!(corrupt.code, 1);
    assert!(
        corrupt.stderr.starts_with("Import-PfxCertificate: "),
        "{}",
        corrupt.stderr
    );
    let missing = sb.run("Import-PfxCertificate -FilePath nowhere.pfx -Password x");
    assert!(
        missing
            .stderr
            .contains("cannot read 'nowhere.pfx': no such file or directory"),
        "{}",
        missing.stderr
    );

    assert_eq!(
        sb.run("Get-ChildItem Cert:\\LocalMachine\\My").ok().stdout,
        before
    );
}

#[test]
fn state_persists_privately_across_processes() {
    let sb = Sandbox::new();
    let made = thumbprints(&sb.run("New-SelfSignedCertificate -DnsName persist.tech.local -KeyAlgorithm ECDSA_nistP256 -FriendlyName ABC").ok().stdout);
    let listed = thumbprints(&sb.run("Get-ChildItem Cert:\\CurrentUser\\my").ok().stdout);
    assert_eq!(made, listed);
    let home = sb.home();
    assert_eq!(
        std::fs::metadata(&home).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for entry in std::fs::read_dir(&home).unwrap().flatten() {
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{} is {mode:o}", entry.path().display());
    }
    // Properties of the stored object, through the pipeline.
    let out = sb.run(&format!("$c = Get-Item Cert:\\LocalMachine\\My\\{}\n$c.FriendlyName\n$c.HasPrivateKey\n$c.DnsNameList\n$c.KeyAlgorithm", made[0])).ok();
    assert_eq!(out.stdout, "ABC\nTrue\npersist.tech.local\nECDSA_P256\n");
}

#[test]
fn the_doc_examples_run_with_linux_paths() {
    let sb = Sandbox::new();
    let out = sb
        .run("$params = @{ DnsName = 'www.fabrikam.com', 'www.contoso.com'; CertStoreLocation = 'Cert:\\LocalMachine\\My' }\nNew-SelfSignedCertificate @params")
        .ok();
    let thumb = thumbprints(&out.stdout).remove(0);
    assert!(
        out.stdout
            .contains("PSParentPath: Microsoft.PowerShell.Security\\Certificate::LocalMachine\\My")
    );
    assert!(
        out.stdout
            .contains(&format!("{thumb}  CN=www.fabrikam.com"))
    );
    sb.run(&format!(
        "$mypwd = ConvertTo-SecureString -String '1234' -Force -AsPlainText\nGet-ChildItem -Path Cert:\\LocalMachine\\My\\{thumb} | Export-PfxCertificate -FilePath mypfx.pfx -Password $mypwd"
    ))
    .ok();
    let imported = sb
        .run("$mypwd = ConvertTo-SecureString -String '1234' -Force -AsPlainText\nImport-PfxCertificate -FilePath mypfx.pfx -CertStoreLocation Cert:\\LocalMachine\\WebHosting -Password $mypwd")
        .ok();
    assert_eq!(thumbprints(&imported.stdout), vec![thumb.clone()]);
    assert!(
        imported
            .stdout
            .contains("Certificate::LocalMachine\\WebHosting")
    );
    let out = sb
        .run("$mypwd = ConvertTo-SecureString -String '1234' -Force -AsPlainText\n$mypwd")
        .ok();
    assert_eq!(
        out.stdout, "System.Security.SecureString\n",
        "secure strings never print"
    );
}

#[test]
fn the_default_view_matches_windows_layout() {
    let sb = Sandbox::new();
    let a = thumbprints(
        &sb.run(
            "New-SelfSignedCertificate -Subject 'CN=a.tech.local' -KeyAlgorithm ECDSA_nistP256",
        )
        .ok()
        .stdout,
    )
    .remove(0);
    let b = thumbprints(&sb.run("New-SelfSignedCertificate -Subject 'CN=b.tech.local, O=Tech' -KeyAlgorithm ECDSA_nistP256").ok().stdout).remove(0);
    let out = sb.run("Get-ChildItem Cert:\\LocalMachine\\My").ok();
    let expected = format!(
        "\n   PSParentPath: Microsoft.PowerShell.Security\\Certificate::LocalMachine\\My\n\nThumbprint                                Subject\n----------                                -------\n{a}  CN=a.tech.local\n{b}  CN=b.tech.local, O=Tech\n\n"
    );
    assert_eq!(out.stdout, expected);
}

#[test]
fn import_module_adds_a_components_cmdlets_and_its_panic_is_an_error() {
    let sb = Sandbox::new();
    let wasm = env!("CERTHOST_RUNAWAY_WASM");
    let out = sb.run(&format!(
        "Import-Module '{wasm}'\nInvoke-Fine\nInvoke-Panic\n'still here'"
    ));
    assert_eq!(out.stdout, "fine\nstill here\n");
    assert!(
        out.stderr
            .starts_with("Invoke-Panic: the component 'certhost_runaway' failed"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("deliberate panic"), "{}", out.stderr);
}

#[test]
fn read_host_refuses_to_prompt_when_non_interactive() {
    let sb = Sandbox::new();
    let out = sb.run("$pw = Read-Host -AsSecureString 'Enter certificate password'");
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("NonInteractive mode"), "{}", out.stderr);
}

#[test]
fn sigint_stops_a_command_runs_finally_and_exits_1() {
    let sb = Sandbox::new();
    let mut child = sb
        .command()
        .args([
            "-NonInteractive",
            "-Command",
            "try { 'started'; while ($true) { } } finally { 'finally ran' }",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 8];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    assert_eq!(&first, b"started\n");
    // SAFETY: kill only sends a signal to the child we started.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(rest, "finally ran\n");
    assert_eq!(
        status.code(),
        Some(1),
        "pwsh -Command ends with 1 when stopped"
    );
}

#[test]
fn output_streams_before_the_pipeline_ends() {
    let sb = Sandbox::new();
    let mut child = sb
        .command()
        .args([
            "-NonInteractive",
            "-Command",
            "1..2 | ForEach-Object { \"item $_\"; Start-Sleep -Seconds 20 }",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 7];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    assert_eq!(&first, b"item 1\n");
    // The first object is on the screen while the pipeline still runs (it takes 40 s;
    // the margin is for a loaded machine starting the process).
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn an_unknown_store_is_refused_naming_the_stores_and_nothing_is_written() {
    let sb = Sandbox::new();
    let made = sb.run(
        "New-SelfSignedCertificate -DnsName a.tech.local -CertStoreLocation Cert:\\LocalMachine\\Nope",
    );
    assert_eq!(made.code, 1);
    assert!(
        made.stderr.contains(
            "certificate store 'Nope' does not exist; the stores are: My, Root, CA, WebHosting, "
        ) && made
            .stderr
            .contains("; New-Item Cert:\\LocalMachine\\Nope creates a store"),
        "{}",
        made.stderr
    );
    sb.run("New-SelfSignedCertificate -DnsName b.tech.local | Export-Certificate -FilePath b.cer | Out-Null")
        .ok();
    let imported =
        sb.run("Import-Certificate -FilePath b.cer -CertStoreLocation Cert:\\LocalMachine\\Mi");
    assert_eq!(imported.code, 1);
    assert!(
        imported
            .stderr
            .contains("did you mean 'My'? (New-Item Cert:\\LocalMachine\\Mi creates a store)"),
        "{}",
        imported.stderr
    );
    let listed = sb
        .run(
            "Test-Path Cert:\\LocalMachine\\Nope\n\
             Test-Path Cert:\\CurrentUser\\mi\n\
             Test-Path Cert:\\LocalMachine\\my\n\
             @(Get-ChildItem Cert:\\LocalMachine -Recurse | Where-Object Thumbprint).Count\n\
             @(Get-ChildItem Cert:\\LocalMachine | Where-Object { $_ -in 'Nope', 'Mi' }).Count",
        )
        .ok();
    assert_eq!(listed.stdout, "False\nFalse\nTrue\n1\n0\n");
    let shown = sb.run("Get-ChildItem Cert:\\LocalMachine\\Nope");
    assert_eq!(shown.code, 1);
    assert!(
        shown
            .stderr
            .starts_with("Get-ChildItem: certificate store 'Nope' does not exist;"),
        "{}",
        shown.stderr
    );
}

#[test]
fn new_item_makes_a_store_that_takes_certificates() {
    let sb = Sandbox::new();
    assert_eq!(
        sb.run("New-Item Cert:\\LocalMachine\\Backups").ok().stdout,
        "Backups\n"
    );
    let again = sb.run("New-Item -Path Cert:\\CurrentUser -Name backups");
    assert_eq!(again.code, 1);
    assert!(
        again
            .stderr
            .contains("certificate store 'backups' exists already in Cert:\\CurrentUser"),
        "{}",
        again.stderr
    );
    sb.run("New-SelfSignedCertificate -DnsName b.tech.local -CertStoreLocation Cert:\\LocalMachine\\BACKUPS | Out-Null")
        .ok();
    sb.run("New-Item Cert:\\LocalMachine\\Later -WhatIf").ok();
    let out = sb
        .run(
            "Test-Path Cert:\\LocalMachine\\backups\n\
             @(Get-ChildItem Cert:\\CurrentUser\\Backups).Count\n\
             Get-ChildItem Cert:\\LocalMachine | Where-Object { $_ -like 'back*' }\n\
             Test-Path Cert:\\LocalMachine\\Later",
        )
        .ok();
    assert_eq!(out.stdout, "True\n1\nBackups\nFalse\n");
    let file = sb.run("New-Item notes.txt");
    assert_eq!(file.code, 1);
    assert!(
        file.stderr.contains("'notes.txt' is not a Cert: path"),
        "{}",
        file.stderr
    );
}

#[test]
fn remove_item_what_if_checks_its_target_as_the_real_run_does() {
    let sb = Sandbox::new();
    let thumb = sb
        .run("(New-SelfSignedCertificate -DnsName dry.tech.local -KeyAlgorithm ECDSA_nistP256).Thumbprint")
        .ok()
        .stdout
        .trim()
        .to_string();
    let missing = sb.run(
        "Remove-Item Cert:\\LocalMachine\\My\\0000000000000000000000000000000000000000 -WhatIf",
    );
    assert_eq!(missing.code, 1, "{}", missing.stdout);
    assert!(
        missing.stderr.contains("Cannot find path"),
        "{}",
        missing.stderr
    );
    assert!(!missing.stdout.contains("What if"), "{}", missing.stdout);

    let free = sb
        .run(&format!(
            "Remove-Item Cert:\\LocalMachine\\My\\{thumb} -WhatIf"
        ))
        .ok();
    assert!(free.stdout.contains("What if"), "{}", free.stdout);

    sb.run(&format!(
        "netsh http add sslcert ipport=0.0.0.0:8443 certhash={thumb} appid='{{4dc3e181-e14b-4a21-b022-59fc669b0914}}'"
    ))
    .ok();
    let busy = sb.run(&format!(
        "Remove-Item Cert:\\LocalMachine\\My\\{thumb} -WhatIf"
    ));
    assert_eq!(busy.code, 1, "{}", busy.stdout);
    assert!(busy.stderr.contains("is in use"), "{}", busy.stderr);

    let system = sb.run("Remove-Item Cert:\\LocalMachine\\Root -WhatIf");
    assert!(system.stderr.contains("system stores"), "{}", system.stderr);
    assert_eq!(
        sb.run(&format!(
            "(Get-Item Cert:\\LocalMachine\\My\\{thumb}).Thumbprint"
        ))
        .ok()
        .stdout
        .trim(),
        thumb,
        "nothing was removed"
    );
}
