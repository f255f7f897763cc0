//! Builds the certificate component (guest/) and the test component
//! (tests/components/runaway, tests/components/hostile) for wasm32-wasip2 from source, in a target directory of
//! their own, and tells the host crate where they are.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, exit};

const TARGET: &str = "wasm32-wasip2";

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    exit(1);
}

fn target_installed(rustc: &str) -> bool {
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    Path::new(&sysroot)
        .join("lib/rustlib")
        .join(TARGET)
        .exists()
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| fail("host/ has no parent directory"));
    for dir in ["guest", "crates", "wit", "tests/components", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }

    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    if !target_installed(&rustc) {
        fail("the wasm32-wasip2 target is missing; add it with: rustup target add wasm32-wasip2");
    }

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // The portable build (baseline wasm, for any component runtime) and the test component.
    let portable_dir = root.join("target").join("wasm");
    build(
        &cargo,
        &root,
        &portable_dir,
        &["certhost-guest", "certhost-runaway", "certhost-hostile"],
        None,
    );
    // The build the host embeds: the same source with the wide-arithmetic proposal
    // (64×64→128-bit multiplies), which makes big-number and elliptic-curve work about
    // three times faster under wasmtime.
    let wide_dir = root.join("target").join("wasm-wide");
    build(
        &cargo,
        &root,
        &wide_dir,
        &["certhost-guest"],
        Some("-Ctarget-feature=+wide-arithmetic"),
    );

    let portable = portable_dir.join(TARGET).join("release");
    let guest = wide_dir
        .join(TARGET)
        .join("release")
        .join("certhost_guest.wasm");
    let wasm = std::fs::read(&guest)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", guest.display())));
    println!("cargo:rustc-env=CERTHOST_GUEST_WASM={}", guest.display());
    println!(
        "cargo:rustc-env=CERTHOST_GUEST_SHA256={}",
        hex::encode(Sha256::digest(&wasm))
    );
    println!(
        "cargo:rustc-env=CERTHOST_PORTABLE_GUEST_WASM={}",
        portable.join("certhost_guest.wasm").display()
    );
    println!(
        "cargo:rustc-env=CERTHOST_RUNAWAY_WASM={}",
        portable.join("certhost_runaway.wasm").display()
    );
    println!(
        "cargo:rustc-env=CERTHOST_HOSTILE_WASM={}",
        portable.join("certhost_hostile.wasm").display()
    );
}

fn build(cargo: &str, root: &Path, target_dir: &Path, packages: &[&str], rustflags: Option<&str>) {
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--locked",
            "--target",
            TARGET,
            "--target-dir",
        ])
        .arg(target_dir)
        // The outer build's settings are for the host, not the wasm target.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_MAKEFLAGS");
    for p in packages {
        command.args(["-p", p]);
    }
    if let Some(flags) = rustflags {
        command.env("RUSTFLAGS", flags);
    }
    let status = command
        .status()
        .unwrap_or_else(|e| fail(&format!("cannot run cargo to build the component: {e}")));
    if !status.success() {
        fail(
            "building the certificate component (guest/) for wasm32-wasip2 failed; see the errors above",
        );
    }
}
