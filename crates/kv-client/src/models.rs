//! Key Vault keys types (PROTOCOL.md §6), as the REST API spells them.

use std::collections::BTreeMap;
use std::fmt;

use kv_jose::{Jwk, Secret};
use serde::{Deserialize, Serialize};

/// Key types this client can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum KeyType {
    /// A software-protected RSA key.
    #[serde(rename = "RSA")]
    Rsa,
    /// An HSM-protected RSA key.
    #[serde(rename = "RSA-HSM")]
    RsaHsm,
}

/// What a new key may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum KeyOperation {
    /// `encrypt`
    Encrypt,
    /// `decrypt`
    Decrypt,
    /// `sign`
    Sign,
    /// `verify`
    Verify,
    /// `wrapKey`
    WrapKey,
    /// `unwrapKey`
    UnwrapKey,
}

/// The RSA encryption algorithms of encrypt, decrypt, wrap and unwrap.
pub use kv_jose::KeyAlg as EncryptionAlgorithm;

/// Options for [`KeyVaultClient::create_key`](crate::KeyVaultClient::create_key).
///
/// ```
/// use kv_client::{CreateKeyOptions, KeyOperation};
/// let options = CreateKeyOptions::rsa(3072)
///     .operations([KeyOperation::WrapKey, KeyOperation::UnwrapKey])
///     .tag("purpose", "sample");
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct CreateKeyOptions {
    kty: KeyType,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_size: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_ops: Option<Vec<KeyOperation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attributes: Option<KeyAttributes>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    tags: BTreeMap<String, String>,
}

impl CreateKeyOptions {
    /// An RSA key of `bits` (2048, 3072 or 4096).
    pub fn rsa(bits: u32) -> Self {
        CreateKeyOptions {
            kty: KeyType::Rsa,
            key_size: Some(bits),
            key_ops: None,
            attributes: None,
            tags: BTreeMap::new(),
        }
    }

    /// An HSM-protected RSA key of `bits`.
    pub fn rsa_hsm(bits: u32) -> Self {
        CreateKeyOptions {
            kty: KeyType::RsaHsm,
            ..CreateKeyOptions::rsa(bits)
        }
    }

    /// Restricts the key to these operations (default: all the key type allows).
    pub fn operations(mut self, ops: impl IntoIterator<Item = KeyOperation>) -> Self {
        self.key_ops = Some(ops.into_iter().collect());
        self
    }

    /// Sets attributes (enabled, not-before, expiry).
    pub fn attributes(mut self, attributes: KeyAttributes) -> Self {
        self.attributes = Some(attributes);
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(name.into(), value.into());
        self
    }
}

/// A key's attributes. Times are Unix seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KeyAttributes {
    /// Whether the key may be used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Not usable before this time.
    #[serde(rename = "nbf", skip_serializing_if = "Option::is_none")]
    pub not_before: Option<u64>,
    /// Not usable from this time.
    #[serde(rename = "exp", skip_serializing_if = "Option::is_none")]
    pub expires: Option<u64>,
    /// When it was created (read only).
    #[serde(skip_serializing)]
    pub created: Option<u64>,
    /// When it was last updated (read only).
    #[serde(skip_serializing)]
    pub updated: Option<u64>,
    /// The deletion recovery level (read only).
    #[serde(skip_serializing)]
    pub recovery_level: Option<String>,
}

/// A key as the vault returns it: the public JWK (its `kid` is the key id) and its
/// attributes.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct KeyBundle {
    /// The public key; `kid` is `{vault}/keys/{name}/{version}`.
    pub key: Jwk,
    /// Attributes.
    #[serde(default)]
    pub attributes: KeyAttributes,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Whether the key's lifetime is managed by Key Vault.
    #[serde(default)]
    pub managed: bool,
}

impl KeyBundle {
    /// The key id, `{vault}/keys/{name}/{version}`.
    pub fn id(&self) -> &str {
        self.key.kid.as_deref().unwrap_or_default()
    }

    /// The key name (from the id).
    pub fn name(&self) -> &str {
        id_segment(self.id(), 1)
    }

    /// The key version (from the id).
    pub fn version(&self) -> &str {
        id_segment(self.id(), 2)
    }
}

/// The `n`-th path segment after `/keys/` in a key id (1 = name, 2 = version).
fn id_segment(id: &str, n: usize) -> &str {
    id.split_once("/keys/")
        .and_then(|(_, rest)| rest.split('/').nth(n - 1))
        .unwrap_or_default()
}

/// A deleted key.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeletedKeyBundle {
    /// The key as it was.
    #[serde(flatten)]
    pub bundle: KeyBundle,
    /// Where to recover it from, if the vault has soft delete.
    #[serde(default)]
    pub recovery_id: Option<String>,
    /// When it was deleted.
    #[serde(default)]
    pub deleted_date: Option<u64>,
    /// When it will be purged, if soft-deleted.
    #[serde(default)]
    pub scheduled_purge_date: Option<u64>,
}

/// The answer of encrypt and wrap: a ciphertext, not secret.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct KeyOperationResult {
    /// The id of the key version that did the operation.
    pub kid: String,
    /// The result bytes.
    #[serde(with = "kv_jose::b64::serde_bytes")]
    pub value: Vec<u8>,
}

/// The answer of decrypt and unwrap: plaintext, so a [`Secret`].
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct PlaintextResult {
    /// The id of the key version that did the operation.
    pub kid: String,
    /// The recovered bytes.
    #[serde(deserialize_with = "secret_bytes")]
    pub value: Secret<Vec<u8>>,
}

impl fmt::Debug for PlaintextResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlaintextResult")
            .field("kid", &self.kid)
            .field("value", &self.value)
            .finish()
    }
}

fn secret_bytes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Secret<Vec<u8>>, D::Error> {
    kv_jose::b64::serde_bytes::deserialize(d).map(Secret::new)
}

/// The request body of the RSA operations.
#[derive(Serialize)]
pub(crate) struct KeyOperationParameters<'a> {
    pub(crate) alg: EncryptionAlgorithm,
    #[serde(serialize_with = "kv_jose::b64::serde_bytes::serialize")]
    pub(crate) value: &'a [u8],
}
