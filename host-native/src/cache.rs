//! A content-addressed cache of compiled guards (`.cwasm`).
//!
//! Entries are keyed by the component's sha256 and a hash of the engine configuration.
//! `Component::deserialize` trusts its input completely, so every entry carries a tag,
//! `sha256(cache key ‖ artifact)`, made with a random key that only this cache directory
//! holds: a file we did not write (or that got corrupted) fails the check, is removed,
//! and the component is compiled again.

use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

const TAG_LEN: usize = 32;
const KEY_FILE: &str = "cache.key";

/// How a component was obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Loaded from a verified cache entry.
    Hit,
    /// Compiled and stored.
    Miss,
    /// A bad entry was found, removed and replaced; the reason says what was wrong.
    Recovered(String),
    /// No cache in use.
    Disabled,
}

/// The compiled-artifact cache.
#[derive(Debug, Clone)]
pub struct ArtifactCache {
    dir: PathBuf,
    key: [u8; 32],
}

impl ArtifactCache {
    /// `$GUARDHOUSE_CACHE_DIR`, else `$XDG_CACHE_HOME/guardhouse`, else
    /// `~/.cache/guardhouse`; `None` when none is set. Never a shared temp directory:
    /// another user could have prepared it.
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("GUARDHOUSE_CACHE_DIR") {
            return Some(dir.into());
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(base.join("guardhouse"))
    }

    /// Opens (creating it `0700` if needed) a cache directory and its key. A directory
    /// that another user owns, or that its group or others may write, is refused: whoever
    /// can write there could plant the key and entries that `Component::deserialize`
    /// would then trust.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&dir)
            .with_context(|| format!("creating cache directory {}", dir.display()))?;
        check_private(&dir)?;
        let key_path = dir.join(KEY_FILE);
        let key = match fs::read(&key_path) {
            Ok(bytes) if bytes.len() == 32 => bytes.try_into().expect("32 bytes"),
            _ => new_key(&key_path)?,
        };
        Ok(Self { dir, key })
    }

    /// The directory holding the entries.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry path for a component on an engine.
    pub fn entry_path(&self, engine: &Engine, sha256: &str) -> PathBuf {
        let mut h = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        self.dir.join(format!("{sha256}-{:016x}.cwasm", h.finish()))
    }

    /// Loads the compiled component for `bytes` (whose sha256 is given), compiling and
    /// storing it when there is no valid entry.
    pub fn load_or_compile(
        &self,
        engine: &Engine,
        bytes: &[u8],
        sha256: &str,
    ) -> Result<(Component, CacheOutcome)> {
        let path = self.entry_path(engine, sha256);
        let mut outcome = CacheOutcome::Miss;
        if let Ok(file) = fs::read(&path) {
            match self.verified(&file) {
                // SAFETY: the tag proves this cache wrote these exact bytes with
                // `Engine::precompile_component` for an engine of the same configuration.
                Some(body) => match unsafe { Component::deserialize(engine, body) } {
                    Ok(component) => return Ok((component, CacheOutcome::Hit)),
                    Err(e) => outcome = CacheOutcome::Recovered(format!("unloadable entry: {e}")),
                },
                None => {
                    outcome = CacheOutcome::Recovered("entry failed its integrity check".into())
                }
            }
            let _ = fs::remove_file(&path);
        }
        let compiled = engine.precompile_component(bytes)?;
        // SAFETY: produced just above by this engine.
        let component = unsafe { Component::deserialize(engine, &compiled)? };
        self.store(&path, &compiled)?;
        Ok((component, outcome))
    }

    fn tag(&self, body: &[u8]) -> [u8; TAG_LEN] {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update(body);
        h.finalize().into()
    }

    fn verified<'a>(&self, file: &'a [u8]) -> Option<&'a [u8]> {
        let (tag, body) = file.split_at_checked(TAG_LEN)?;
        (self.tag(body) == tag).then_some(body)
    }

    fn store(&self, path: &Path, body: &[u8]) -> Result<()> {
        let tmp = temp_path(path);
        let mut f = fs::File::create(&tmp)?;
        f.write_all(&self.tag(body))?;
        f.write_all(body)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        Ok(())
    }
}

/// A temporary name next to `path`, unique per process and call: threads that store the
/// same entry at once must not share (and rename away) one another's file.
fn temp_path(path: &Path) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    path.with_extension(format!("tmp{}-{n}", std::process::id()))
}

/// Refuses a cache directory this user does not own or that others may write.
#[cfg(unix)]
fn check_private(dir: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(dir).with_context(|| format!("reading {}", dir.display()))?;
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        anyhow::bail!(
            "cache directory {} is owned by uid {}, not by this user (uid {me}); \
             use --cache-dir, GUARDHOUSE_CACHE_DIR or --no-cache",
            dir.display(),
            meta.uid()
        );
    }
    if meta.mode() & 0o022 != 0 {
        anyhow::bail!(
            "cache directory {} is writable by its group or others (mode {:o}); \
             run `chmod go-w {}` or use --no-cache",
            dir.display(),
            meta.mode() & 0o777,
            dir.display()
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_dir: &Path) -> Result<()> {
    Ok(())
}

fn new_key(path: &Path) -> Result<[u8; 32]> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key)
        .map_err(|e| anyhow::anyhow!("no randomness for the cache key: {e}"))?;
    let tmp = temp_path(path);
    {
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        opts.open(&tmp)?.write_all(&key)?;
    }
    fs::rename(&tmp, path)?;
    // Another process may have won the race; use whatever key is on disk now.
    Ok(fs::read(path)?.try_into().unwrap_or(key))
}
