//! Errors of loading guards; a guard's failure while running is not an error but part of
//! its outcome (see `guardhouse_core::GuardFailure`).

use std::path::PathBuf;

use guardhouse_core::inspect::InspectError;

/// Why a guard could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("module failed to load: cannot read {}: {cause} (hint: check module_path and the file's permissions)", path.display())]
    Unreadable { path: PathBuf, cause: String },
    #[error("module failed to load: {}: {cause}", path.display())]
    Inspect { path: PathBuf, cause: InspectError },
    #[error("module failed to load: {}: {cause}", path.display())]
    Link { path: PathBuf, cause: String },
    #[error("module failed to load: {}: {cause}", path.display())]
    Pinned { path: PathBuf, cause: String },
    #[error("invalid config for guard `{id}`: {}", errors.join("; "))]
    Settings { id: String, errors: Vec<String> },
}

impl From<guardhouse_core::host::SettingsRejected> for LoadError {
    fn from(e: guardhouse_core::host::SettingsRejected) -> Self {
        LoadError::Settings {
            id: e.id,
            errors: e.errors,
        }
    }
}

/// A [`LoadError`] located in the gateway config that named the guard.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LocatedLoadError(pub guardhouse_core::SourceError);
