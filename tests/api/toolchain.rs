//! What the README promises of the toolchain: `rust-version` in Cargo.toml is the real
//! minimum, so no locked dependency may declare a newer one (cargo would refuse to build with
//! the version we name).

use serde_json::Value;

/// `1.95` or `1.95.0` as comparable numbers.
fn version(text: &str) -> Vec<u64> {
    let mut parts: Vec<u64> = text.split('.').map(|p| p.parse().unwrap()).collect();
    parts.resize(3, 0);
    parts
}

#[test]
fn no_locked_dependency_needs_a_newer_rust_than_the_one_we_declare() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = crate::process::succeeded(
        std::process::Command::new(cargo)
            .args(["metadata", "--locked", "--offline", "--format-version", "1"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap(),
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    let declared = version(env!("CARGO_PKG_RUST_VERSION"));
    let newer: Vec<String> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|package| {
            let needs = package["rust_version"].as_str()?;
            (version(needs) > declared).then(|| {
                format!(
                    "{} {} needs Rust {needs}",
                    package["name"], package["version"]
                )
            })
        })
        .collect();
    assert!(
        newer.is_empty(),
        "rust-version in Cargo.toml says {}, but {newer:?}: raise it (and the README's)",
        env!("CARGO_PKG_RUST_VERSION")
    );
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(&format!("({} or newer)", env!("CARGO_PKG_RUST_VERSION"))),
        "the README names another minimum than Cargo.toml's"
    );
}
