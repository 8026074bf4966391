//! `guardhouse new`: scaffold a guard crate from the simple-pattern example.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;

use super::{code, exit};

const TEMPLATE_LIB: &str = include_str!("../../../guards/simple-pattern/src/lib.rs");
const TEMPLATE_COMPONENT: &str = include_str!("../../../guards/simple-pattern/src/component.rs");
const TEMPLATE_TESTS: &str = include_str!("../../../guards/simple-pattern/src/tests.rs");
const CONTRACT: &str = include_str!("../../../wit/guard.wit");

/// Create a new guard crate (a copy of simple-pattern) that builds as is with
/// `guardhouse build`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Directory to create; its last component is the crate name.
    pub path: PathBuf,
}

impl NewArgs {
    pub fn execute(self) -> Result<ExitCode> {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            bail!(
                "{:?} is not a valid crate name (use letters, digits, - and _)",
                name
            );
        }
        if self.path.exists() {
            bail!("{} already exists", self.path.display());
        }
        std::fs::create_dir_all(self.path.join("src"))?;
        std::fs::create_dir_all(self.path.join("wit"))?;
        std::fs::write(self.path.join("Cargo.toml"), manifest(&name))?;
        std::fs::write(self.path.join("src/lib.rs"), TEMPLATE_LIB)?;
        std::fs::write(
            self.path.join("src/component.rs"),
            TEMPLATE_COMPONENT.replace("\"../../wit\"", "\"wit\""),
        )?;
        std::fs::write(self.path.join("src/tests.rs"), TEMPLATE_TESTS)?;
        std::fs::write(self.path.join("wit/guard.wit"), CONTRACT)?;
        std::fs::write(self.path.join(".gitignore"), "/target\n*.wasm\n")?;
        crate::outln!("created guard crate `{name}` in {}", self.path.display());
        crate::outln!("next: guardhouse build {}", self.path.display());
        Ok(code(exit::OK))
    }
}

/// A standalone manifest (its own workspace) with a size-tuned release profile.
fn manifest(name: &str) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
rust-version = "1.95"
publish = false

# A guard is its own workspace, so it builds wherever it is created.
[workspace]

[lib]
crate-type = ["cdylib", "rlib"]

[dependencies]
serde_json = "1"

[target.'cfg(target_arch = "wasm32")'.dependencies]
wit-bindgen = "{wit_bindgen}"

[profile.release]
opt-level = "s"
lto = true
codegen-units = 1
panic = "abort"
strip = true
"#,
        wit_bindgen = WIT_BINDGEN_VERSION
    )
}

/// The wit-bindgen the example guards are built with.
const WIT_BINDGEN_VERSION: &str = "0.61";
