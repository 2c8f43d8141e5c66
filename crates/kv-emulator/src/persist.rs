//! `--data-dir`: the vault's state on disk, written crash-safely.
//!
//! The whole state is one JSON file. Every write goes to a temporary file that is
//! fsynced, renamed over the old one, and the directory fsynced, before the request
//! that caused it is answered: a `kill -9` at any moment leaves either the old or the
//! new state, and never loses a write that was acknowledged.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use kv_jose::Jwk;
use serde::{Deserialize, Serialize};

use crate::store::{DeletedKey, KeyStore, StoredRecord};

const STATE: &str = "state.json";
const STATE_TMP: &str = "state.json.tmp";
const FORMAT: u32 = 1;

/// The keys the vault itself owns, kept across restarts so that clients' cached
/// challenges and earlier backups stay valid.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct VaultKeys {
    pub(crate) signing: Jwk,
    pub(crate) signing_kid: String,
    pub(crate) encryption: Jwk,
    pub(crate) encryption_kid: String,
    pub(crate) backup: Jwk,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StoredState {
    format: u32,
    pub(crate) vault_keys: VaultKeys,
    keys: Vec<StoredRecord>,
    #[serde(default)]
    deleted: Vec<StoredRecord>,
}

impl StoredState {
    pub(crate) fn of(vault_keys: &VaultKeys, store: &KeyStore) -> Self {
        StoredState {
            format: FORMAT,
            vault_keys: vault_keys.clone(),
            keys: store.keys.values().map(StoredRecord::of).collect(),
            deleted: store
                .deleted
                .values()
                .map(|d| StoredRecord {
                    deleted_date: Some(d.deleted_date),
                    scheduled_purge_date: Some(d.scheduled_purge_date),
                    ..StoredRecord::of(&d.record)
                })
                .collect(),
        }
    }

    pub(crate) fn into_store(
        self,
        provider: kv_jose::CryptoProvider,
    ) -> Result<(VaultKeys, KeyStore), String> {
        let mut store = KeyStore::default();
        for r in self.keys {
            let record = r.into_record(provider).map_err(|e| e.message)?;
            store.keys.insert(record.name.to_ascii_lowercase(), record);
        }
        for r in self.deleted {
            let (deleted_date, scheduled_purge_date) = (
                r.deleted_date.unwrap_or(0),
                r.scheduled_purge_date.unwrap_or(0),
            );
            let record = r.into_record(provider).map_err(|e| e.message)?;
            store.deleted.insert(
                record.name.to_ascii_lowercase(),
                DeletedKey {
                    record,
                    deleted_date,
                    scheduled_purge_date,
                },
            );
        }
        Ok((self.vault_keys, store))
    }
}

/// The data directory.
#[derive(Debug)]
pub(crate) struct DataDir {
    dir: PathBuf,
}

impl DataDir {
    /// Opens (creating) `dir` and reads its state, if any.
    pub(crate) fn open(dir: &Path) -> Result<(DataDir, Option<StoredState>), String> {
        create_private_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        // A leftover temporary file is an unfinished write: the old state stands.
        let _ = fs::remove_file(dir.join(STATE_TMP));
        let path = dir.join(STATE);
        let state = match fs::read(&path) {
            Ok(bytes) => {
                let state: StoredState = serde_json::from_slice(&bytes).map_err(|e| {
                    format!("{} is not a kv-emulator state file: {e}", path.display())
                })?;
                if state.format != FORMAT {
                    return Err(format!(
                        "{} has format {}, expected {FORMAT}",
                        path.display(),
                        state.format
                    ));
                }
                Some(state)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        Ok((
            DataDir {
                dir: dir.to_path_buf(),
            },
            state,
        ))
    }

    /// Writes `state` durably: temporary file, fsync, rename, fsync of the directory.
    pub(crate) fn save(&self, state: &StoredState) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(state).map_err(std::io::Error::other)?;
        let tmp = self.dir.join(STATE_TMP);
        let mut file = create_private_file(&tmp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, self.dir.join(STATE))?;
        File::open(&self.dir)?.sync_all()
    }
}

// The state holds every key's private material: owner-only where the OS can say so.
#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private_file(path: &Path) -> std::io::Result<File> {
    File::create(path)
}
