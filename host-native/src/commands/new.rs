//! `guardhouse new`: scaffold a guard from a template — Rust (the simple-pattern example
//! guard), Python or JavaScript (`templates/`). The templates and the contract are
//! embedded, so the installed binary carries them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;

use super::{code, exit};
use crate::build::Lang;
use crate::componentize::COMPONENTIZE_PY;

const CONTRACT: &str = include_str!("../../../wit/guard.wit");

const RUST_LIB: &str = include_str!("../../../guards/simple-pattern/src/lib.rs");
const RUST_COMPONENT: &str = include_str!("../../../guards/simple-pattern/src/component.rs");
const RUST_TESTS: &str = include_str!("../../../guards/simple-pattern/src/tests.rs");

const PYTHON_APP: &str = include_str!("../../../templates/python/app.py");
const PYTHON_GITIGNORE: &str = include_str!("../../../templates/python/.gitignore");

const JS_GUARD: &str = include_str!("../../../templates/js/guard.js");
const JS_PACKAGE: &str = include_str!("../../../templates/js/package.json");
const JS_GITIGNORE: &str = include_str!("../../../templates/js/.gitignore");

/// Create a new guard that builds as is with `guardhouse build`: a Rust crate (a copy of
/// simple-pattern), a Python `app.py` or a JavaScript `guard.js`, each with the WIT.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Directory to create; its last component is the guard's name.
    pub path: PathBuf,
    /// The guard's language.
    #[arg(long, value_enum, default_value_t = Lang::Rust)]
    pub lang: Lang,
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
                "{:?} is not a valid guard name (use letters, digits, - and _)",
                name
            );
        }
        if self.path.exists() {
            bail!("{} already exists", self.path.display());
        }
        for (file, text) in template(self.lang, &name) {
            write(&self.path.join(file), &text)?;
        }
        write(&self.path.join("wit/guard.wit"), CONTRACT)?;
        let dir = self.path.display();
        crate::outln!("created {} guard `{name}` in {dir}", self.lang.name());
        match self.lang {
            Lang::Rust => crate::outln!("next: guardhouse build {dir}"),
            Lang::Python => crate::outln!(
                "next: guardhouse build {dir} (needs componentize-py: `{}`)",
                COMPONENTIZE_PY.install
            ),
            // package.json pins componentize-js, which `guardhouse build` finds with npx.
            Lang::Js => crate::outln!("next: (cd {dir} && npm install) && guardhouse build {dir}"),
            Lang::Wat => {}
        }
        Ok(code(exit::OK))
    }
}

/// The files of a new guard `name` in `lang`, relative to its directory (the WIT aside).
fn template(lang: Lang, name: &str) -> Vec<(&'static str, String)> {
    match lang {
        // Not offered by `--lang`.
        Lang::Wat => Vec::new(),
        Lang::Rust => vec![
            ("Cargo.toml", manifest(name)),
            ("src/lib.rs", RUST_LIB.into()),
            (
                "src/component.rs",
                RUST_COMPONENT.replace("\"../../wit\"", "\"wit\""),
            ),
            ("src/tests.rs", RUST_TESTS.into()),
            (".gitignore", "/target\n*.wasm\n".into()),
        ],
        Lang::Python => vec![
            ("app.py", PYTHON_APP.into()),
            (".gitignore", PYTHON_GITIGNORE.into()),
        ],
        Lang::Js => vec![
            ("guard.js", JS_GUARD.into()),
            // npm package names are lowercase.
            (
                "package.json",
                JS_PACKAGE.replace(
                    "\"name\": \"guard\"",
                    &format!("\"name\": \"{}\"", name.to_ascii_lowercase()),
                ),
            ),
            (".gitignore", JS_GITIGNORE.into()),
        ],
    }
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    Ok(std::fs::write(path, text)?)
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
