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
    /// A symmetric key.
    #[serde(rename = "oct")]
    Oct,
    /// An HSM-protected symmetric key.
    #[serde(rename = "oct-HSM")]
    OctHsm,
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

/// The algorithms of encrypt, decrypt, wrap and unwrap (`RSA-OAEP`, `RSA-OAEP-256`,
/// `RSA1_5` for RSA keys; `A128KW`, `A192KW`, `A256KW` to wrap with symmetric keys).
pub use kv_jose::KeyAlg as EncryptionAlgorithm;
/// The algorithms of sign and verify (`RS256`…`RS512`, `PS256`…`PS512`), over digests.
pub use kv_jose::SigAlg as SignatureAlgorithm;

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

    /// A symmetric (AES) key of `bits` (128, 192 or 256), where the vault supports it
    /// (Managed HSM; the emulator serves key wrap with it).
    pub fn oct(bits: u32) -> Self {
        CreateKeyOptions {
            kty: KeyType::Oct,
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

impl KeyAttributes {
    /// These attributes with `enabled` set.
    pub fn with_enabled(mut self, enabled: bool) -> Self {
        self.enabled = Some(enabled);
        self
    }

    /// These attributes with not-before and expiry (Unix seconds) set.
    pub fn with_validity(mut self, not_before: Option<u64>, expires: Option<u64>) -> Self {
        self.not_before = not_before;
        self.expires = expires;
        self
    }
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

    /// The key id, parsed.
    ///
    /// # Errors
    ///
    /// [`Error::UnexpectedAnswer`](crate::Error::UnexpectedAnswer) if the vault sent an id
    /// that is not one.
    pub fn key_id(&self) -> crate::Result<crate::KeyId> {
        self.id()
            .parse()
            .map_err(|_| crate::Error::UnexpectedAnswer(format!("`{}` is not a key id", self.id())))
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

/// One key (or key version) in a list: its id and attributes, no key material.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct KeyItem {
    /// `{vault}/keys/{name}` in a list of keys, with `/{version}` in a list of versions.
    pub kid: String,
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

impl KeyItem {
    /// The key name (from the id).
    pub fn name(&self) -> &str {
        id_segment(&self.kid, 1)
    }

    /// The version (from the id), in a list of versions.
    pub fn version(&self) -> Option<&str> {
        Some(id_segment(&self.kid, 2)).filter(|v| !v.is_empty())
    }
}

/// A deleted key in a list.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeletedKeyItem {
    /// The key's id and attributes.
    #[serde(flatten)]
    pub item: KeyItem,
    /// Where to recover it from.
    #[serde(default)]
    pub recovery_id: Option<String>,
    /// When it was deleted.
    #[serde(default)]
    pub deleted_date: Option<u64>,
    /// When it will be purged.
    #[serde(default)]
    pub scheduled_purge_date: Option<u64>,
}

/// Changes for [`KeyVaultClient::update_key`](crate::KeyVaultClient::update_key); unset
/// fields are left as they are.
///
/// ```
/// use kv_client::{KeyAttributes, UpdateKeyOptions};
/// let disable = UpdateKeyOptions::default().enabled(false).tag("state", "retired");
/// ```
#[derive(Debug, Clone, Default, Serialize)]
pub struct UpdateKeyOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    key_ops: Option<Vec<KeyOperation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attributes: Option<KeyAttributes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<BTreeMap<String, String>>,
}

impl UpdateKeyOptions {
    /// Replaces the permitted operations.
    pub fn operations(mut self, ops: impl IntoIterator<Item = KeyOperation>) -> Self {
        self.key_ops = Some(ops.into_iter().collect());
        self
    }

    /// Enables or disables the key.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.attributes
            .get_or_insert_with(KeyAttributes::default)
            .enabled = Some(enabled);
        self
    }

    /// Sets not-before and expiry (Unix seconds).
    pub fn validity(mut self, not_before: Option<u64>, expires: Option<u64>) -> Self {
        let a = self.attributes.get_or_insert_with(KeyAttributes::default);
        a.not_before = not_before;
        a.expires = expires;
        self
    }

    /// Replaces the tags with these (call repeatedly to add several).
    pub fn tag(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags
            .get_or_insert_with(BTreeMap::new)
            .insert(name.into(), value.into());
        self
    }
}

/// A key to import (`PUT /keys/{name}`): a private JWK and its settings.
#[derive(Clone, Serialize)]
pub struct ImportKeyOptions {
    key: Jwk,
    #[serde(skip_serializing_if = "Option::is_none")]
    hsm: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attributes: Option<KeyAttributes>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    tags: BTreeMap<String, String>,
}

impl fmt::Debug for ImportKeyOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportKeyOptions")
            .field("kty", &self.key.kty)
            .field("hsm", &self.hsm)
            .finish_non_exhaustive()
    }
}

impl ImportKeyOptions {
    /// Imports `key`, a private JWK (RSA with `d`, or `oct` with `k`).
    pub fn new(key: Jwk) -> Self {
        ImportKeyOptions {
            key,
            hsm: None,
            attributes: None,
            tags: BTreeMap::new(),
        }
    }

    /// Asks for HSM protection.
    pub fn hsm(mut self, hsm: bool) -> Self {
        self.hsm = Some(hsm);
        self
    }

    /// Sets attributes.
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

/// The answer of backup.
#[derive(Deserialize)]
pub(crate) struct BackupBlob {
    #[serde(with = "kv_jose::b64::serde_bytes")]
    pub(crate) value: Vec<u8>,
}

/// The answer of verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(crate) struct VerifyResult {
    pub(crate) value: bool,
}

/// The request body of sign.
#[derive(Serialize)]
pub(crate) struct SignParameters<'a> {
    pub(crate) alg: SignatureAlgorithm,
    #[serde(serialize_with = "kv_jose::b64::serde_bytes::serialize")]
    pub(crate) value: &'a [u8],
}

/// The request body of verify.
#[derive(Serialize)]
pub(crate) struct VerifyParameters<'a> {
    pub(crate) alg: SignatureAlgorithm,
    #[serde(serialize_with = "kv_jose::b64::serde_bytes::serialize")]
    pub(crate) digest: &'a [u8],
    #[serde(serialize_with = "kv_jose::b64::serde_bytes::serialize")]
    pub(crate) value: &'a [u8],
}

/// A page of a list.
#[derive(Debug, Deserialize)]
pub(crate) struct Page<T> {
    #[serde(default = "Vec::new")]
    pub(crate) value: Vec<T>,
    #[serde(default, rename = "nextLink")]
    pub(crate) next_link: Option<String>,
}
