//! The vault's keys: versions, attributes, soft delete, and their stored form.

use std::collections::BTreeMap;
use std::sync::Arc;

use kv_jose::{CryptoProvider, Jwk, OctKey, RsaPrivateKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::KvError;

/// The operations an RSA key may allow, in Key Vault's spelling.
pub(crate) const RSA_OPS: [&str; 6] = [
    "encrypt",
    "decrypt",
    "sign",
    "verify",
    "wrapKey",
    "unwrapKey",
];
/// The operations this emulator serves for a symmetric key.
pub(crate) const OCT_OPS: [&str; 2] = ["wrapKey", "unwrapKey"];
/// How long a deleted key stays recoverable.
pub(crate) const RECOVERABLE_DAYS: u64 = 90;

/// The key material of a version.
#[derive(Debug, Clone)]
pub(crate) enum Material {
    Rsa(Arc<RsaPrivateKey>),
    Oct(OctKey),
}

impl Material {
    /// The private JWK, for storage and backups.
    fn private_jwk(&self) -> Jwk {
        match self {
            Material::Rsa(k) => k.to_private_jwk(),
            Material::Oct(k) => k.to_jwk(),
        }
    }

    fn from_private_jwk(jwk: &Jwk, provider: CryptoProvider) -> Result<Self, kv_jose::Error> {
        // Written by `private_jwk`: `oct` or `RSA`, never an `-HSM` label.
        match jwk.kty.as_str() {
            "oct" => Ok(Material::Oct(OctKey::from_jwk(jwk)?)),
            _ => Ok(Material::Rsa(Arc::new(RsaPrivateKey::from_jwk_with(
                jwk, provider,
            )?))),
        }
    }
}

/// One version of a key.
#[derive(Debug, Clone)]
pub(crate) struct KeyVersion {
    pub(crate) version: String,
    pub(crate) kty: String,
    pub(crate) material: Material,
    pub(crate) key_ops: Vec<String>,
    pub(crate) enabled: bool,
    pub(crate) not_before: Option<u64>,
    pub(crate) expires: Option<u64>,
    pub(crate) created: u64,
    pub(crate) updated: u64,
    pub(crate) tags: Map<String, Value>,
}

/// A version as written to disk and into backups.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredVersion {
    version: String,
    kty: String,
    /// The private JWK (its `Debug` redacts the key material).
    key: Jwk,
    key_ops: Vec<String>,
    enabled: bool,
    #[serde(default)]
    nbf: Option<u64>,
    #[serde(default)]
    exp: Option<u64>,
    created: u64,
    updated: u64,
    #[serde(default)]
    tags: Map<String, Value>,
}

impl KeyVersion {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        version: String,
        kty: String,
        material: Material,
        key_ops: Vec<String>,
        enabled: bool,
        not_before: Option<u64>,
        expires: Option<u64>,
        now: u64,
        tags: Map<String, Value>,
    ) -> Self {
        KeyVersion {
            version,
            kty,
            material,
            key_ops,
            enabled,
            not_before,
            expires,
            created: now,
            updated: now,
            tags,
        }
    }

    pub(crate) fn to_stored(&self) -> StoredVersion {
        StoredVersion {
            version: self.version.clone(),
            kty: self.kty.clone(),
            key: self.material.private_jwk(),
            key_ops: self.key_ops.clone(),
            enabled: self.enabled,
            nbf: self.not_before,
            exp: self.expires,
            created: self.created,
            updated: self.updated,
            tags: self.tags.clone(),
        }
    }

    pub(crate) fn from_stored(s: StoredVersion, provider: CryptoProvider) -> Result<Self, KvError> {
        let bad = || KvError::new(500, "InternalError", "a stored key version is corrupt");
        let material = Material::from_private_jwk(&s.key, provider).map_err(|_| bad())?;
        Ok(KeyVersion {
            version: s.version,
            kty: s.kty,
            material,
            key_ops: s.key_ops,
            enabled: s.enabled,
            not_before: s.nbf,
            expires: s.exp,
            created: s.created,
            updated: s.updated,
            tags: s.tags,
        })
    }

    pub(crate) fn kid(&self, base: &str, name: &str) -> String {
        format!("{base}/keys/{name}/{}", self.version)
    }

    pub(crate) fn allows(&self, op: &str) -> bool {
        self.key_ops.iter().any(|o| o == op)
    }

    /// Whether the key may be used for cryptography at `now` (enabled, inside nbf/exp).
    pub(crate) fn usable_at(&self, now: u64) -> bool {
        self.enabled
            && self.not_before.is_none_or(|nbf| now >= nbf)
            && self.expires.is_none_or(|exp| now < exp)
    }

    pub(crate) fn attributes(&self) -> Value {
        let mut a = json!({
            "enabled": self.enabled,
            "created": self.created,
            "updated": self.updated,
            "recoveryLevel": "Recoverable+Purgeable",
            "recoverableDays": RECOVERABLE_DAYS,
        });
        if let Some(obj) = a.as_object_mut() {
            if let Some(nbf) = self.not_before {
                obj.insert("nbf".into(), nbf.into());
            }
            if let Some(exp) = self.expires {
                obj.insert("exp".into(), exp.into());
            }
        }
        a
    }

    /// The public JWK as Key Vault shows it (no key material for symmetric keys).
    fn public_jwk(&self, base: &str, name: &str) -> Value {
        let mut jwk = match &self.material {
            Material::Rsa(k) => k.public().to_jwk(),
            Material::Oct(_) => Jwk::default(),
        };
        jwk.kid = Some(self.kid(base, name));
        jwk.kty = self.kty.clone();
        jwk.key_ops = Some(self.key_ops.clone());
        serde_json::to_value(&jwk).unwrap_or(Value::Null)
    }

    /// The KeyBundle JSON (PROTOCOL.md §6).
    pub(crate) fn bundle(&self, base: &str, name: &str) -> Value {
        let mut bundle = json!({
            "key": self.public_jwk(base, name),
            "attributes": self.attributes(),
        });
        if !self.tags.is_empty()
            && let Some(obj) = bundle.as_object_mut()
        {
            obj.insert("tags".into(), Value::Object(self.tags.clone()));
        }
        bundle
    }

    /// The KeyItem JSON of a list: `kid` without a version for the keys list.
    pub(crate) fn item(&self, kid: String) -> Value {
        let mut item = json!({ "kid": kid, "attributes": self.attributes() });
        if !self.tags.is_empty()
            && let Some(obj) = item.as_object_mut()
        {
            obj.insert("tags".into(), Value::Object(self.tags.clone()));
        }
        item
    }
}

/// A key's versions, oldest first, under its name as first created.
#[derive(Debug, Clone)]
pub(crate) struct KeyRecord {
    pub(crate) name: String,
    pub(crate) versions: Vec<KeyVersion>,
}

impl KeyRecord {
    pub(crate) fn latest(&self) -> Option<&KeyVersion> {
        self.versions.last()
    }
}

/// A soft-deleted key.
#[derive(Debug, Clone)]
pub(crate) struct DeletedKey {
    pub(crate) record: KeyRecord,
    pub(crate) deleted_date: u64,
    pub(crate) scheduled_purge_date: u64,
}

impl DeletedKey {
    /// The DeletedKeyBundle JSON.
    pub(crate) fn bundle(&self, base: &str) -> Value {
        let name = &self.record.name;
        let mut bundle = self
            .record
            .latest()
            .map(|v| v.bundle(base, name))
            .unwrap_or_else(|| json!({}));
        if let Some(obj) = bundle.as_object_mut() {
            obj.insert(
                "recoveryId".into(),
                format!("{base}/deletedkeys/{name}").into(),
            );
            obj.insert("deletedDate".into(), self.deleted_date.into());
            obj.insert(
                "scheduledPurgeDate".into(),
                self.scheduled_purge_date.into(),
            );
        }
        bundle
    }
}

/// All keys. Names compare case-insensitively, as in Key Vault.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyStore {
    pub(crate) keys: BTreeMap<String, KeyRecord>,
    pub(crate) deleted: BTreeMap<String, DeletedKey>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StoredRecord {
    pub(crate) name: String,
    pub(crate) versions: Vec<StoredVersion>,
    #[serde(default)]
    pub(crate) deleted_date: Option<u64>,
    #[serde(default)]
    pub(crate) scheduled_purge_date: Option<u64>,
}

impl StoredRecord {
    pub(crate) fn of(record: &KeyRecord) -> Self {
        StoredRecord {
            name: record.name.clone(),
            versions: record.versions.iter().map(KeyVersion::to_stored).collect(),
            deleted_date: None,
            scheduled_purge_date: None,
        }
    }

    pub(crate) fn into_record(self, provider: CryptoProvider) -> Result<KeyRecord, KvError> {
        Ok(KeyRecord {
            name: self.name,
            versions: self
                .versions
                .into_iter()
                .map(|v| KeyVersion::from_stored(v, provider))
                .collect::<Result<_, _>>()?,
        })
    }
}

impl KeyStore {
    pub(crate) fn record(&self, name: &str) -> Option<&KeyRecord> {
        self.keys.get(&name.to_ascii_lowercase())
    }

    /// A version by id, or the latest when `version` is empty.
    pub(crate) fn get(&self, name: &str, version: &str) -> Option<&KeyVersion> {
        let record = self.record(name)?;
        if version.is_empty() {
            record.latest()
        } else {
            record
                .versions
                .iter()
                .find(|v| v.version.eq_ignore_ascii_case(version))
        }
    }

    pub(crate) fn get_mut(&mut self, name: &str, version: &str) -> Option<&mut KeyVersion> {
        let record = self.keys.get_mut(&name.to_ascii_lowercase())?;
        if version.is_empty() {
            record.versions.last_mut()
        } else {
            record
                .versions
                .iter_mut()
                .find(|v| v.version.eq_ignore_ascii_case(version))
        }
    }

    /// Adds a version, creating the key if needed. A soft-deleted key of the same name
    /// blocks it, as in Key Vault.
    pub(crate) fn add_version(&mut self, name: &str, version: KeyVersion) -> Result<(), KvError> {
        let id = name.to_ascii_lowercase();
        if self.deleted.contains_key(&id) {
            return Err(KvError::new(
                409,
                "Conflict",
                format!(
                    "Key {name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged."
                ),
            ));
        }
        self.keys
            .entry(id)
            .or_insert_with(|| KeyRecord {
                name: name.to_string(),
                versions: Vec::new(),
            })
            .versions
            .push(version);
        Ok(())
    }

    /// How many versions `name` has (0 if none).
    pub(crate) fn version_count(&self, name: &str) -> usize {
        self.record(name).map_or(0, |r| r.versions.len())
    }

    /// Soft-deletes `name`.
    pub(crate) fn delete(&mut self, name: &str, now: u64) -> Option<&DeletedKey> {
        let id = name.to_ascii_lowercase();
        let record = self.keys.remove(&id)?;
        self.deleted.insert(
            id.clone(),
            DeletedKey {
                record,
                deleted_date: now,
                scheduled_purge_date: now + RECOVERABLE_DAYS * 24 * 3600,
            },
        );
        self.deleted.get(&id)
    }
}
