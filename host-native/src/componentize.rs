//! Guards in Python and JavaScript, built by their own componentizers: componentize-py and
//! componentize-js. The one place where their command lines, pinned versions and the way
//! each tool is found are written down (`scripts/build-guests.sh` builds through here).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::build::{Lang, find_up};

/// The world every guard implements (`wit/guard.wit`).
const WORLD: &str = "security-guard";

/// The file that makes a directory a Python guard: the module componentize-py wraps.
pub const PYTHON_ENTRY: &str = "app.py";
/// `PYTHON_ENTRY` as a module name.
const PYTHON_MODULE: &str = "app";
/// The file that makes a directory a JavaScript guard: the module componentize-js builds.
pub const JS_ENTRY: &str = "guard.js";

/// A componentizer: how to find it and how to install it.
pub struct Tool {
    /// Its command name on PATH (and for `npx`).
    pub name: &'static str,
    /// The environment variable that overrides where it is.
    pub env: &'static str,
    /// How to install the version guardhouse is tested with.
    pub install: &'static str,
    /// Whether `npx --no-install NAME` (a local npm install) is tried last.
    npx: bool,
}

/// componentize-py, pinned as in `scripts/build-guests.sh`.
pub const COMPONENTIZE_PY: Tool = Tool {
    name: "componentize-py",
    env: "GUARDHOUSE_COMPONENTIZE_PY",
    install: "pip install componentize-py==0.25.1",
    npx: false,
};

/// componentize-js, pinned as in `package-lock.json`.
pub const COMPONENTIZE_JS: Tool = Tool {
    name: "componentize-js",
    env: "GUARDHOUSE_COMPONENTIZE_JS",
    install: "npm install @bytecodealliance/componentize-js@0.23.0",
    npx: true,
};

impl Lang {
    /// The componentizer of a Python or JavaScript guard (`None` for Rust: cargo; and
    /// for WAT: encoded here).
    pub fn tool(self) -> Option<&'static Tool> {
        match self {
            Lang::Rust | Lang::Wat => None,
            Lang::Python => Some(&COMPONENTIZE_PY),
            Lang::Js => Some(&COMPONENTIZE_JS),
        }
    }
}

/// Builds the Python or JavaScript guard in `dir` into the component file `out`, with the
/// WIT of `dir/wit` or, failing that, of the nearest ancestor's `wit/`.
pub fn componentize(lang: Lang, dir: &Path, out: &Path) -> Result<()> {
    let tool = lang.tool().context("a Rust guard is built with cargo")?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("reading {}", dir.display()))?;
    let wit = find_up(&dir, "wit").with_context(|| {
        format!(
            "no wit/ directory in {} or above it (hint: copy the repository's wit/guard.wit there)",
            dir.display()
        )
    })?;
    let out = std::path::absolute(out)?;
    let mut cmd = locate(tool, &dir)?;
    match lang {
        Lang::Python => {
            // The bindings (module `wit_world`) are generated in memory from the WIT, so a
            // guard commits none; `-p` puts the guard's directory on the module path.
            cmd.arg("-d")
                .arg(&wit)
                .args(["-w", WORLD, "componentize", "-p"]);
            cmd.arg(&dir).arg(PYTHON_MODULE);
        }
        Lang::Js => {
            cmd.arg(dir.join(JS_ENTRY))
                .arg("--wit")
                .arg(&wit)
                .args(["-n", WORLD]);
            // Every WASI feature is disabled: a guard needs only the host interface, so the
            // component imports nothing else (no wasi:http, which guardhouse hosts lack).
            cmd.args(["-d", "stdio", "random", "clocks", "http", "fetch-event"]);
        }
        Lang::Rust | Lang::Wat => unreachable!("checked above"),
    }
    cmd.arg("-o").arg(&out);
    // The tools' progress lines go to stderr, so that stdout stays the report (`--json`).
    let status = cmd
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .with_context(|| format!("running {}", tool.name))?;
    if !status.success() {
        bail!("{} failed for {} ({status})", tool.name, dir.display());
    }
    Ok(())
}

/// The command that runs `tool`: `$ENV`, else NAME on PATH, else (npm tools)
/// `npx --no-install NAME` when it resolves from `dir`.
fn locate(tool: &Tool, dir: &Path) -> Result<Command> {
    if let Some(path) = std::env::var_os(tool.env) {
        let path = std::path::absolute(PathBuf::from(path))?;
        if !path.is_file() {
            bail!(
                "{}={} does not exist (hint: `{}`)",
                tool.env,
                path.display(),
                tool.install
            );
        }
        return Ok(Command::new(path));
    }
    if let Some(path) = on_path(tool.name) {
        return Ok(Command::new(path));
    }
    if tool.npx && npx_resolves(tool.name, dir) {
        let mut cmd = Command::new("npx");
        cmd.args(["--no-install", tool.name]);
        return Ok(cmd);
    }
    let tried = match tool.npx {
        true => format!(
            "${}, PATH and `npx --no-install` in {}",
            tool.env,
            dir.display()
        ),
        false => format!("${} and PATH", tool.env),
    };
    bail!(
        "{} not found (looked in {tried}) (hint: `{}`, or set {} to its path)",
        tool.name,
        tool.install,
        tool.env
    )
}

/// The first executable file `name` in a PATH directory.
fn on_path(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Whether `npx --no-install NAME` finds an installed NAME from `dir` (without npx, no).
fn npx_resolves(name: &str, dir: &Path) -> bool {
    Command::new("npx")
        .args(["--no-install", name, "--version"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
