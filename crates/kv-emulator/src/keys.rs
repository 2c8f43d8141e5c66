//! The keys operations: create, get, delete, and the RSA crypto operations.

use std::sync::{Arc, PoisonError};

use kv_jose::{KeyAlg, RsaPrivateKey, b64};
use serde_json::{Map, Value, json};

use crate::error::KvError;
use crate::service::{Answer, CryptoOp, Vault, check_name, now_secs, random_hex};
use crate::store::{KeyVersion, RSA_OPS};

fn string_list(v: Option<&Value>, what: &str) -> Result<Option<Vec<String>>, KvError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str().map(str::to_string).ok_or_else(|| {
                    KvError::bad_parameter(format!("`{what}` must be a list of strings."))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(KvError::bad_parameter(format!(
            "`{what}` must be a list of strings."
        ))),
    }
}

fn opt_u64(attrs: Option<&Value>, name: &str) -> Result<Option<u64>, KvError> {
    match attrs.and_then(|a| a.get(name)) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| {
            KvError::bad_parameter(format!("`attributes.{name}` must be Unix seconds."))
        }),
    }
}

impl Vault {
    fn read_store(&self) -> std::sync::RwLockReadGuard<'_, crate::store::KeyStore> {
        self.keys.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn create(&self, name: &str, body: &Value) -> Result<Answer, KvError> {
        check_name(name)?;
        let kty = body.get("kty").and_then(Value::as_str).unwrap_or_default();
        if !matches!(kty, "RSA" | "RSA-HSM") {
            return Err(KvError::bad_parameter(format!(
                "Key type '{kty}' is not supported by this emulator; use RSA or RSA-HSM."
            )));
        }
        let size = match body.get("key_size") {
            None | Some(Value::Null) => 2048,
            Some(v) => v.as_u64().unwrap_or(0),
        };
        if !matches!(size, 2048 | 3072 | 4096) {
            return Err(KvError::bad_parameter(
                "The RSA key size must be 2048, 3072 or 4096.",
            ));
        }
        let key_ops = string_list(body.get("key_ops"), "key_ops")?
            .unwrap_or_else(|| RSA_OPS.iter().map(|s| s.to_string()).collect());
        if let Some(bad) = key_ops.iter().find(|o| !RSA_OPS.contains(&o.as_str())) {
            return Err(KvError::bad_parameter(format!(
                "Unknown key operation '{bad}'."
            )));
        }
        let attrs = body.get("attributes");
        let enabled = attrs
            .and_then(|a| a.get("enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let tags = match body.get("tags") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(t)) if t.values().all(Value::is_string) => t.clone(),
            Some(_) => return Err(KvError::bad_parameter("`tags` must map names to strings.")),
        };
        // Generate outside any lock: it takes tens of milliseconds.
        let key = RsaPrivateKey::generate(size as usize)
            .map_err(|_| KvError::new(500, "InternalError", "Key generation failed."))?;
        let now = now_secs();
        let version = KeyVersion {
            version: random_hex(),
            kty: kty.to_string(),
            key: Arc::new(key),
            key_ops,
            enabled,
            not_before: opt_u64(attrs, "nbf")?,
            expires: opt_u64(attrs, "exp")?,
            created: now,
            updated: now,
            tags,
        };
        let bundle = version.bundle(&self.base_url, name);
        self.keys
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .add_version(name, version);
        Ok(Answer::json(200, &bundle))
    }

    pub(crate) fn get(&self, name: &str, version: &str) -> Result<Answer, KvError> {
        check_name(name)?;
        let store = self.read_store();
        let key = store
            .get(name, version)
            .ok_or_else(|| KvError::key_not_found(name))?;
        Ok(Answer::json(200, &key.bundle(&self.base_url, name)))
    }

    pub(crate) fn delete(&self, name: &str) -> Result<Answer, KvError> {
        check_name(name)?;
        let deleted = self
            .keys
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .delete(name)
            .ok_or_else(|| KvError::key_not_found(name))?;
        let mut bundle = deleted.bundle(&self.base_url, name);
        if let Some(obj) = bundle.as_object_mut() {
            obj.insert("deletedDate".into(), now_secs().into());
        }
        Ok(Answer::json(200, &bundle))
    }

    /// Runs an RSA operation and returns the plain JSON answer (protected by the caller).
    pub(crate) fn crypto(
        &self,
        name: &str,
        version: &str,
        op: CryptoOp,
        body: &Value,
    ) -> Result<Value, KvError> {
        check_name(name)?;
        let alg_name = body.get("alg").and_then(Value::as_str).unwrap_or_default();
        let alg = KeyAlg::from_name(alg_name).map_err(|_| {
            KvError::bad_parameter(format!(
                "Algorithm '{alg_name}' is not supported; use RSA-OAEP, RSA-OAEP-256 or RSA1_5."
            ))
        })?;
        let value = body
            .get("value")
            .and_then(Value::as_str)
            .ok_or_else(|| KvError::bad_parameter("`value` is missing."))
            .and_then(|v| {
                b64::decode("value", v).map_err(|e| KvError::bad_parameter(e.to_string()))
            })?;
        let key = {
            let store = self.read_store();
            store
                .get(name, version)
                .cloned()
                .ok_or_else(|| KvError::key_not_found(name))?
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
        let out = match op {
            CryptoOp::Encrypt | CryptoOp::WrapKey => {
                key.key.public().encrypt(alg, &value).map_err(|_| {
                    KvError::bad_parameter("The value is too long for this key and algorithm.")
                })?
            }
            CryptoOp::Decrypt | CryptoOp::UnwrapKey => key
                .key
                .decrypt(alg, &value)
                .map_err(|_| {
                    KvError::bad_parameter("The value could not be decrypted with this key.")
                })?
                .to_vec(),
        };
        Ok(json!({"kid": key.kid(&self.base_url, name), "value": b64::encode(&out)}))
    }
}
