//! The typed keys operations of [`KeyVaultClient`].

use http::Method;
use serde::de::DeserializeOwned;

use crate::key_id::{check_name, check_version};
use crate::models::{
    BackupBlob, KeyOperationParameters, SignParameters, VerifyParameters, VerifyResult,
};
use crate::paging::Pager;
use crate::{
    CreateKeyOptions, DeletedKeyBundle, DeletedKeyItem, EncryptionAlgorithm, Error,
    ImportKeyOptions, KeyBundle, KeyItem, KeyOperationResult, KeyVaultClient, PlaintextResult,
    Result, SignatureAlgorithm, UpdateKeyOptions,
};

pub(crate) fn key_path(name: &str, version: Option<&str>, suffix: &str) -> Result<String> {
    check_name(name)?;
    let mut path = format!("/keys/{name}");
    if let Some(v) = version {
        check_version(v)?;
        path.push('/');
        path.push_str(v);
    }
    if !suffix.is_empty() {
        path.push('/');
        path.push_str(suffix);
    }
    Ok(path)
}

fn deleted_path(name: &str, suffix: &str) -> Result<String> {
    check_name(name)?;
    Ok(if suffix.is_empty() {
        format!("/deletedkeys/{name}")
    } else {
        format!("/deletedkeys/{name}/{suffix}")
    })
}

pub(crate) fn decode<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        Error::UnexpectedAnswer(format!(
            "the {what} answer is not what Key Vault sends (line {} column {})",
            e.line(),
            e.column()
        ))
    })
}

fn json_body<T: serde::Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| Error::InvalidArgument(e.to_string()))
}

fn check_digest(alg: SignatureAlgorithm, digest: &[u8]) -> Result<()> {
    if digest.len() == alg.digest_len() {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "{alg} signs a {}-byte digest, not {} bytes: hash the message first",
            alg.digest_len(),
            digest.len()
        )))
    }
}

impl KeyVaultClient {
    /// Creates a key, or a new version of an existing one.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a bad name; [`Error::Service`] when the vault refuses.
    pub fn create_key(&self, name: &str, options: &CreateKeyOptions) -> Result<KeyBundle> {
        let body = self.call(
            Method::POST,
            key_path(name, None, "create")?,
            None,
            Some(json_body(options)?),
            false,
        )?;
        decode(&body, "create key")
    }

    /// Imports a key (a new version of `name`) from a private JWK.
    ///
    /// # Errors
    ///
    /// As [`create_key`](Self::create_key).
    pub fn import_key(&self, name: &str, options: &ImportKeyOptions) -> Result<KeyBundle> {
        // Each import makes a new version: not safe to repeat.
        let body = self.call(
            Method::PUT,
            key_path(name, None, "")?,
            None,
            Some(json_body(options)?),
            false,
        )?;
        decode(&body, "import key")
    }

    /// Gets a key: the latest version, or `version`.
    ///
    /// # Errors
    ///
    /// As [`create_key`](Self::create_key); `KeyNotFound` as an [`Error::Service`].
    pub fn get_key(&self, name: &str, version: Option<&str>) -> Result<KeyBundle> {
        let body = self.call(Method::GET, key_path(name, version, "")?, None, None, true)?;
        decode(&body, "get key")
    }

    /// Lists the keys (latest versions, no key material), page by page as consumed.
    pub fn list_keys(&self) -> Pager<KeyItem> {
        Pager::new(self.clone(), "/keys".into(), "list keys")
    }

    /// Lists the versions of a key, page by page as consumed.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a bad name (the pager's items carry the vault's errors).
    pub fn list_key_versions(&self, name: &str) -> Result<Pager<KeyItem>> {
        Ok(Pager::new(
            self.clone(),
            key_path(name, None, "versions")?,
            "list key versions",
        ))
    }

    /// Updates a version's permitted operations, attributes or tags (the latest
    /// version when `version` is `None`).
    ///
    /// # Errors
    ///
    /// As [`get_key`](Self::get_key).
    pub fn update_key(
        &self,
        name: &str,
        version: Option<&str>,
        options: &UpdateKeyOptions,
    ) -> Result<KeyBundle> {
        let body = self.call(
            Method::PATCH,
            key_path(name, version, "")?,
            None,
            Some(json_body(options)?),
            true,
        )?;
        decode(&body, "update key")
    }

    /// Deletes a key (every version). With soft delete, it can be recovered until purged.
    ///
    /// # Errors
    ///
    /// As [`get_key`](Self::get_key).
    pub fn delete_key(&self, name: &str) -> Result<DeletedKeyBundle> {
        let body = self.call(Method::DELETE, key_path(name, None, "")?, None, None, false)?;
        decode(&body, "delete key")
    }

    /// Gets a deleted key.
    ///
    /// # Errors
    ///
    /// As [`get_key`](Self::get_key).
    pub fn get_deleted_key(&self, name: &str) -> Result<DeletedKeyBundle> {
        let body = self.call(Method::GET, deleted_path(name, "")?, None, None, true)?;
        decode(&body, "get deleted key")
    }

    /// Lists the deleted keys, page by page as consumed.
    pub fn list_deleted_keys(&self) -> Pager<DeletedKeyItem> {
        Pager::new(self.clone(), "/deletedkeys".into(), "list deleted keys")
    }

    /// Purges a deleted key for good.
    ///
    /// # Errors
    ///
    /// As [`get_key`](Self::get_key).
    pub fn purge_deleted_key(&self, name: &str) -> Result<()> {
        self.call(Method::DELETE, deleted_path(name, "")?, None, None, false)?;
        Ok(())
    }

    /// Recovers a deleted key.
    ///
    /// # Errors
    ///
    /// As [`get_key`](Self::get_key).
    pub fn recover_deleted_key(&self, name: &str) -> Result<KeyBundle> {
        let body = self.call(
            Method::POST,
            deleted_path(name, "recover")?,
            None,
            None,
            false,
        )?;
        decode(&body, "recover key")
    }

    /// Backs a key up: an opaque blob only the vault (or one in the same geography,
    /// on Azure) can restore.
    ///
    /// # Errors
    ///
    /// As [`get_key`](Self::get_key).
    pub fn backup_key(&self, name: &str) -> Result<Vec<u8>> {
        let body = self.call(
            Method::POST,
            key_path(name, None, "backup")?,
            None,
            None,
            true,
        )?;
        let blob: BackupBlob = decode(&body, "backup key")?;
        Ok(blob.value)
    }

    /// Restores a key from a blob made by [`backup_key`](Self::backup_key).
    ///
    /// # Errors
    ///
    /// As [`get_key`](Self::get_key); `Conflict` if the name is taken.
    pub fn restore_key(&self, backup: &[u8]) -> Result<KeyBundle> {
        let body = serde_json::json!({ "value": kv_jose::b64::encode(backup) });
        let body = self.call(
            Method::POST,
            "/keys/restore".into(),
            None,
            Some(json_body(&body)?),
            false,
        )?;
        decode(&body, "restore key")
    }

    fn key_op(
        &self,
        name: &str,
        version: Option<&str>,
        op: &str,
        body: Vec<u8>,
    ) -> Result<Vec<u8>> {
        // The key operations are pure functions of key and input: safe to repeat.
        self.call(
            Method::POST,
            key_path(name, version, op)?,
            None,
            Some(body),
            true,
        )
    }

    fn rsa_op(
        &self,
        name: &str,
        version: Option<&str>,
        op: &str,
        alg: EncryptionAlgorithm,
        value: &[u8],
    ) -> Result<Vec<u8>> {
        self.key_op(
            name,
            version,
            op,
            json_body(&KeyOperationParameters { alg, value })?,
        )
    }

    /// Wraps (encrypts) a symmetric key with the vault key. Message-protected.
    ///
    /// # Errors
    ///
    /// As [`get_key`](Self::get_key), and [`Error::Protection`] if the answer fails any
    /// message-protection check.
    pub fn wrap_key(
        &self,
        name: &str,
        version: Option<&str>,
        alg: EncryptionAlgorithm,
        key: &[u8],
    ) -> Result<KeyOperationResult> {
        decode(
            &self.rsa_op(name, version, "wrapkey", alg, key)?,
            "wrap key",
        )
    }

    /// Unwraps a key wrapped by [`wrap_key`](Self::wrap_key). Message-protected.
    ///
    /// # Errors
    ///
    /// As [`wrap_key`](Self::wrap_key).
    pub fn unwrap_key(
        &self,
        name: &str,
        version: Option<&str>,
        alg: EncryptionAlgorithm,
        wrapped: &[u8],
    ) -> Result<PlaintextResult> {
        decode(
            &self.rsa_op(name, version, "unwrapkey", alg, wrapped)?,
            "unwrap key",
        )
    }

    /// Encrypts a short plaintext with the vault key. Message-protected.
    ///
    /// # Errors
    ///
    /// As [`wrap_key`](Self::wrap_key).
    pub fn encrypt(
        &self,
        name: &str,
        version: Option<&str>,
        alg: EncryptionAlgorithm,
        plaintext: &[u8],
    ) -> Result<KeyOperationResult> {
        decode(
            &self.rsa_op(name, version, "encrypt", alg, plaintext)?,
            "encrypt",
        )
    }

    /// Decrypts a ciphertext made with the vault key. Message-protected.
    ///
    /// # Errors
    ///
    /// As [`wrap_key`](Self::wrap_key).
    pub fn decrypt(
        &self,
        name: &str,
        version: Option<&str>,
        alg: EncryptionAlgorithm,
        ciphertext: &[u8],
    ) -> Result<PlaintextResult> {
        decode(
            &self.rsa_op(name, version, "decrypt", alg, ciphertext)?,
            "decrypt",
        )
    }

    /// Signs a digest (of the length `alg` hashes to) with the vault key.
    /// Message-protected.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a digest of the wrong length (nothing is sent);
    /// otherwise as [`wrap_key`](Self::wrap_key).
    pub fn sign(
        &self,
        name: &str,
        version: Option<&str>,
        alg: SignatureAlgorithm,
        digest: &[u8],
    ) -> Result<KeyOperationResult> {
        check_digest(alg, digest)?;
        let body = json_body(&SignParameters { alg, value: digest })?;
        decode(&self.key_op(name, version, "sign", body)?, "sign")
    }

    /// Verifies a signature over a digest with the vault key. Message-protected.
    ///
    /// # Errors
    ///
    /// As [`sign`](Self::sign).
    pub fn verify(
        &self,
        name: &str,
        version: Option<&str>,
        alg: SignatureAlgorithm,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<bool> {
        check_digest(alg, digest)?;
        let body = json_body(&VerifyParameters {
            alg,
            digest,
            value: signature,
        })?;
        let result: VerifyResult = decode(&self.key_op(name, version, "verify", body)?, "verify")?;
        Ok(result.value)
    }

    /// A client for one key's cryptography that does the public-key operations
    /// (encrypt, wrap, verify) locally from the fetched public key, and the rest
    /// remotely.
    ///
    /// # Errors
    ///
    /// As [`get_key`](Self::get_key): the key is fetched now.
    pub fn cryptography_client(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Result<crate::CryptographyClient> {
        crate::CryptographyClient::new(self.clone(), self.get_key(name, version)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_never_have_empty_or_injected_segments() {
        assert_eq!(
            key_path("k-1", None, "wrapkey").unwrap(),
            "/keys/k-1/wrapkey"
        );
        assert_eq!(key_path("k", Some("abc123"), "").unwrap(), "/keys/k/abc123");
        assert_eq!(
            deleted_path("k", "recover").unwrap(),
            "/deletedkeys/k/recover"
        );
        for (name, version) in [
            ("", None),
            ("a/b", None),
            ("a b", None),
            ("k", Some("")),
            ("k", Some("../x")),
            ("k?x", None),
            (&*"x".repeat(128), None),
        ] {
            assert!(
                matches!(
                    key_path(name, version, "wrapkey"),
                    Err(Error::InvalidArgument(_))
                ),
                "{name:?} {version:?}"
            );
        }
        assert!(deleted_path("../keys", "").is_err());
    }

    #[test]
    fn digest_lengths_are_checked_before_sending() {
        assert!(check_digest(SignatureAlgorithm::Rs256, &[0; 32]).is_ok());
        assert!(check_digest(SignatureAlgorithm::Ps512, &[0; 64]).is_ok());
        assert!(matches!(
            check_digest(SignatureAlgorithm::Rs384, &[0; 32]),
            Err(Error::InvalidArgument(_))
        ));
    }
}
