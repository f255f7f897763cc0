//! Times the Rust library on a saved component, for scripts/bench-embed.sh: load (cold,
//! with an empty compile cache, and warm), then the median of N `generate_self_signed`
//! (P-256) and N `import_pfx` calls. The PFX password comes from $PFX_PASSWORD.
//!
//! ```sh
//! cargo run --release -p certhost --example embed_timing -- <component dir> <pfx> <runs>
//! ```

use certhost::{Component, ExtendedKeyUsage, GenerateRequest, KeyAlgorithm, KeyUsage};
use std::path::Path;
use std::time::Instant;

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, pfx, runs] = args.as_slice() else {
        return Err("usage: embed_timing <component dir> <pfx> <runs>".into());
    };
    let runs: usize = runs.parse()?;
    let password = std::env::var("PFX_PASSWORD")?;
    let wasm = Path::new(dir).join("certhost-certificates.wasm");
    let cache = tempfile_dir()?;
    let started = Instant::now();
    drop(Component::open_file(&wasm, &cache)?);
    let cold = ms(started);
    let started = Instant::now();
    let component = Component::open_file(&wasm, &cache)?;
    let warm = ms(started);
    let request = GenerateRequest {
        subject: None,
        dns_names: vec!["backup01.tech.local".into()],
        ip_addresses: vec![],
        not_before: 1_767_225_600,
        not_after: 1_798_761_600,
        key: KeyAlgorithm::EcdsaP256,
        key_usages: vec![KeyUsage::DigitalSignature],
        extended_key_usages: vec![ExtendedKeyUsage::ServerAuth],
    };
    let data = std::fs::read(pfx)?;
    let mut generate = Vec::new();
    let mut import = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        component.generate_self_signed(&request)?;
        generate.push(ms(started));
        let started = Instant::now();
        component.import_pfx(&data, &password)?;
        import.push(ms(started));
    }
    std::fs::remove_dir_all(&cache)?;
    println!(
        "{{\"host\":\"rust\",\"loadColdMs\":{cold:.1},\"loadWarmMs\":{warm:.1},\"generateP256Ms\":{:.2},\"importPfxMs\":{:.2}}}",
        median(generate),
        median(import)
    );
    Ok(())
}

/// An empty directory for the compile cache, so that the first load compiles.
fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("certhost-embed-timing-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
