//! The cryptographic key operations: encrypt, decrypt, wrap, unwrap, sign, verify.

use kv_jose::{KeyAlg, SigAlg, b64, hazmat};
use serde_json::{Value, json};

use crate::error::KvError;
use crate::service::{CryptoOp, Vault, check_name, now_secs};
use crate::store::Material;

fn bytes(body: &Value, member: &str) -> Result<Vec<u8>, KvError> {
    body.get(member)
        .and_then(Value::as_str)
        .ok_or_else(|| KvError::bad_parameter(format!("`{member}` is missing.")))
        .and_then(|v| b64::decode("value", v).map_err(|e| KvError::bad_parameter(e.to_string())))
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
        let (key, kid) = {
            let store = self.read_store();
            let key = store
                .get(name, version)
                .cloned()
                .ok_or_else(|| KvError::key_not_found(name))?;
            let shown = store
                .record(name)
                .map_or(name.to_string(), |r| r.name.clone());
            let kid = key.kid(&self.base_url, &shown);
            (key, kid)
        };
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
        let bad_alg = |what: &str| {
            KvError::bad_parameter(format!(
                "Algorithm '{alg_name}' is not supported for {what} with this key."
            ))
        };
        let value = match (&key.material, op) {
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
                let alg = SigAlg::from_name(&alg_name).map_err(|_| bad_alg("signing"))?;
                let digest = bytes(body, "value")?;
                if digest.len() != alg.digest_len() {
                    return Err(KvError::bad_parameter(format!(
                        "The digest must be {} bytes for {alg}, not {}.",
                        alg.digest_len(),
                        digest.len()
                    )));
                }
                k.sign_digest(alg, &digest)
                    .map_err(|_| KvError::new(500, "InternalError", "Signing failed."))?
            }
            (Material::Rsa(k), CryptoOp::Verify) => {
                let alg = SigAlg::from_name(&alg_name).map_err(|_| bad_alg("verification"))?;
                let digest = bytes(body, "digest")?;
                if digest.len() != alg.digest_len() {
                    return Err(KvError::bad_parameter(format!(
                        "The digest must be {} bytes for {alg}.",
                        alg.digest_len()
                    )));
                }
                let valid = k
                    .public()
                    .verify_digest(alg, &digest, &bytes(body, "value")?)
                    .is_ok();
                return Ok(json!({ "value": valid }));
            }
            (Material::Oct(k), CryptoOp::WrapKey | CryptoOp::UnwrapKey) => {
                let want = match alg_name.as_str() {
                    "A128KW" => 16,
                    "A192KW" => 24,
                    "A256KW" => 32,
                    _ => return Err(bad_alg("key wrap")),
                };
                if k.len() != want {
                    return Err(bad_alg("key wrap"));
                }
                let jwk = k.to_jwk();
                let kek = jwk
                    .k
                    .as_ref()
                    .map(|s| s.expose_secret().clone())
                    .unwrap_or_default();
                let input = bytes(body, "value")?;
                if op == CryptoOp::WrapKey {
                    hazmat::aes_key_wrap(&kek, &input).map_err(|_| {
                        KvError::bad_parameter(
                            "AES key wrap needs 16 or more bytes in 8-byte steps.",
                        )
                    })?
                } else {
                    hazmat::aes_key_unwrap(&kek, &input)
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
    match KeyAlg::from_name(name).ok()? {
        a @ (KeyAlg::RsaOaep | KeyAlg::RsaOaep256 | KeyAlg::Rsa1_5) => Some(a),
        _ => None,
    }
}
