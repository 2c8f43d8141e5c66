//! The vault's keys, in memory.

use std::collections::BTreeMap;
use std::sync::Arc;

use kv_jose::RsaPrivateKey;
use serde_json::{Map, Value, json};

/// The operations an RSA key may allow, in Key Vault's spelling.
pub(crate) const RSA_OPS: [&str; 6] = [
    "encrypt",
    "decrypt",
    "sign",
    "verify",
    "wrapKey",
    "unwrapKey",
];

/// One version of a key.
#[derive(Debug, Clone)]
pub(crate) struct KeyVersion {
    pub(crate) version: String,
    pub(crate) kty: String,
    pub(crate) key: Arc<RsaPrivateKey>,
    pub(crate) key_ops: Vec<String>,
    pub(crate) enabled: bool,
    pub(crate) not_before: Option<u64>,
    pub(crate) expires: Option<u64>,
    pub(crate) created: u64,
    pub(crate) updated: u64,
    pub(crate) tags: Map<String, Value>,
}

impl KeyVersion {
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

    /// The KeyBundle JSON (PROTOCOL.md §6).
    pub(crate) fn bundle(&self, base: &str, name: &str) -> Value {
        let mut jwk = self.key.public().to_jwk();
        jwk.kid = Some(self.kid(base, name));
        jwk.kty = self.kty.clone();
        jwk.key_ops = Some(self.key_ops.clone());
        let mut attributes = json!({
            "enabled": self.enabled,
            "created": self.created,
            "updated": self.updated,
            "recoveryLevel": "Purgeable",
        });
        if let Some(obj) = attributes.as_object_mut() {
            if let Some(nbf) = self.not_before {
                obj.insert("nbf".into(), nbf.into());
            }
            if let Some(exp) = self.expires {
                obj.insert("exp".into(), exp.into());
            }
        }
        let mut bundle = json!({
            "key": serde_json::to_value(&jwk).unwrap_or(Value::Null),
            "attributes": attributes,
        });
        if !self.tags.is_empty()
            && let Some(obj) = bundle.as_object_mut()
        {
            obj.insert("tags".into(), Value::Object(self.tags.clone()));
        }
        bundle
    }
}

/// All keys: name → versions, oldest first. Names compare case-insensitively, as in
/// Key Vault, and are stored lowercased.
#[derive(Debug, Default)]
pub(crate) struct KeyStore {
    keys: BTreeMap<String, Vec<KeyVersion>>,
}

impl KeyStore {
    pub(crate) fn add_version(&mut self, name: &str, version: KeyVersion) {
        self.keys
            .entry(name.to_ascii_lowercase())
            .or_default()
            .push(version);
    }

    /// A version by id, or the latest when `version` is empty.
    pub(crate) fn get(&self, name: &str, version: &str) -> Option<&KeyVersion> {
        let versions = self.keys.get(&name.to_ascii_lowercase())?;
        if version.is_empty() {
            versions.last()
        } else {
            versions
                .iter()
                .find(|v| v.version.eq_ignore_ascii_case(version))
        }
    }

    /// How many versions `name` has (0 if none).
    pub(crate) fn version_count(&self, name: &str) -> usize {
        self.keys
            .get(&name.to_ascii_lowercase())
            .map_or(0, Vec::len)
    }

    /// Removes every version; returns the latest.
    pub(crate) fn delete(&mut self, name: &str) -> Option<KeyVersion> {
        self.keys.remove(&name.to_ascii_lowercase())?.pop()
    }
}
