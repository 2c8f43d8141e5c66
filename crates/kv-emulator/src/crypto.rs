//! The cryptographic key operations: encrypt, decrypt, wrap, unwrap, sign, verify.

use kv_jose::{KeyAlg, KeyKind, SigAlg, b64, hazmat};
use serde_json::{Value, json};

use crate::error::KvError;
use crate::service::{CryptoOp, Vault, check_name, now_secs};
use crate::store::Material;

fn bytes(body: &Value, member: &'static str) -> Result<Vec<u8>, KvError> {
    body.get(member)
        .and_then(Value::as_str)
        .ok_or_else(|| KvError::bad_parameter(format!("`{member}` is missing.")))
        .and_then(|v| b64::decode(member, v).map_err(|e| KvError::bad_parameter(e.to_string())))
}

/// The signature algorithm named by `alg_name` and the digest in `member`, checked to
/// be that algorithm's length.
fn digest(
    body: &Value,
    member: &'static str,
    alg_name: &str,
    what: &str,
) -> Result<(SigAlg, Vec<u8>), KvError> {
    let alg = SigAlg::from_name(alg_name).map_err(|_| {
        KvError::bad_parameter(format!(
            "Algorithm '{alg_name}' is not supported for {what} with this key."
        ))
    })?;
    let digest = bytes(body, member)?;
    if digest.len() != alg.digest_len() {
        return Err(KvError::bad_parameter(format!(
            "The digest must be {} bytes for {alg}, not {}.",
            alg.digest_len(),
            digest.len()
        )));
    }
    Ok((alg, digest))
}

impl Vault {
    /// Runs a key operation and returns the plain JSON answer (protected by the caller).
    pub(crate) fn crypto(
        &self,
        name: &str,
        version: &str,
        op: CryptoOp,
        body: &Value,
    ) -> Result<Value, KvError> {
        check_name(name)?;
        let alg_name = body
            .get("alg")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        // Checked under the read lock; only the material (an `Arc` or the AES key)
        // leaves it, so the cryptography runs unlocked.
        let (material, kid) = {
            let store = self.read_store();
            let key = store
                .get(name, version)
                .ok_or_else(|| KvError::key_not_found(name))?;
            if !key.usable_at(now_secs()) {
                return Err(KvError::forbidden(format!(
                    "Operation {} is not allowed on a disabled, not yet valid or expired key.",
                    op.key_op()
                )));
            }
            if !key.allows(op.key_op()) {
                return Err(KvError::forbidden(format!(
                    "Operation {} is not permitted on this key.",
                    op.key_op()
                )));
            }
            let shown = store.record(name).map_or(name, |r| r.name.as_str());
            (key.material.clone(), key.kid(&self.base_url, shown))
        };
        let bad_alg = |what: &str| {
            KvError::bad_parameter(format!(
                "Algorithm '{alg_name}' is not supported for {what} with this key."
            ))
        };
        let value = match (&material, op) {
            (Material::Rsa(k), CryptoOp::Encrypt | CryptoOp::WrapKey) => {
                let alg = rsa_alg(&alg_name).ok_or_else(|| bad_alg("encryption"))?;
                k.public()
                    .encrypt(alg, &bytes(body, "value")?)
                    .map_err(|_| {
                        KvError::bad_parameter("The value is too long for this key and algorithm.")
                    })?
            }
            (Material::Rsa(k), CryptoOp::Decrypt | CryptoOp::UnwrapKey) => {
                let alg = rsa_alg(&alg_name).ok_or_else(|| bad_alg("decryption"))?;
                k.decrypt(alg, &bytes(body, "value")?)
                    .map_err(|_| {
                        KvError::bad_parameter("The value could not be decrypted with this key.")
                    })?
                    .to_vec()
            }
            (Material::Rsa(k), CryptoOp::Sign) => {
                let (alg, digest) = digest(body, "value", &alg_name, "signing")?;
                k.sign_digest(alg, &digest)
                    .map_err(|_| KvError::new(500, "InternalError", "Signing failed."))?
            }
            (Material::Rsa(k), CryptoOp::Verify) => {
                let (alg, digest) = digest(body, "digest", &alg_name, "verification")?;
                let valid = k
                    .public()
                    .verify_digest(alg, &digest, &bytes(body, "value")?)
                    .is_ok();
                return Ok(json!({ "value": valid }));
            }
            (Material::Oct(k), CryptoOp::WrapKey | CryptoOp::UnwrapKey) => {
                let fits = KeyAlg::from_name(&alg_name)
                    .is_ok_and(|a| a.key_kind() == KeyKind::AesKw(k.len()));
                if !fits {
                    return Err(bad_alg("key wrap"));
                }
                let kek = k.expose_secret();
                let input = bytes(body, "value")?;
                if op == CryptoOp::WrapKey {
                    hazmat::aes_key_wrap(kek, &input).map_err(|_| {
                        KvError::bad_parameter(
                            "AES key wrap needs 16 or more bytes in 8-byte steps.",
                        )
                    })?
                } else {
                    hazmat::aes_key_unwrap(kek, &input)
                        .map_err(|_| {
                            KvError::bad_parameter(
                                "The value could not be unwrapped with this key.",
                            )
                        })?
                        .to_vec()
                }
            }
            (Material::Oct(_), _) => {
                return Err(KvError::bad_parameter(format!(
                    "Operation {} is not served for symmetric keys by this emulator.",
                    op.key_op()
                )));
            }
        };
        Ok(json!({ "kid": kid, "value": b64::encode(&value) }))
    }
}

fn rsa_alg(name: &str) -> Option<KeyAlg> {
    KeyAlg::from_name(name)
        .ok()
        .filter(|a| a.key_kind() == KeyKind::Rsa)
}
