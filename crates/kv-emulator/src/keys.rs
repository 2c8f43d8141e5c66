//! The key management operations: create, import, get, update, list, delete with
//! soft delete (get deleted, purge, recover), backup and restore.

use std::sync::Arc;

use kv_jose::{EncAlg, Jwe, JweHeader, Jwk, KeyAlg, OctKey, RsaPrivateKey, b64};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::error::KvError;
use crate::service::{Vault, check_name, now_secs, query_param, random_hex};
use crate::store::{KeyVersion, Material, OCT_OPS, RSA_OPS, StoredRecord};

/// Largest page of a list.
const MAX_PAGE: usize = 25;
/// The `kid` of the key that seals backups.
const BACKUP_KID: &str = "kv-emulator-backup";

fn string_list(v: Option<&Value>, what: &str) -> Result<Option<Vec<String>>, KvError> {
    let bad = || KvError::bad_parameter(format!("`{what}` must be a list of strings."));
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).ok_or_else(bad))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(bad()),
    }
}

/// `attributes.{name}` as Unix seconds.
fn opt_u64(attrs: Option<&Value>, name: &str) -> Result<Option<u64>, KvError> {
    match attrs.and_then(|a| a.get(name)) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| {
            KvError::bad_parameter(format!("`attributes.{name}` must be Unix seconds."))
        }),
    }
}

fn opt_bool(attrs: Option<&Value>, name: &str) -> Result<Option<bool>, KvError> {
    match attrs.and_then(|a| a.get(name)) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_bool().map(Some).ok_or_else(|| {
            KvError::bad_parameter(format!("`attributes.{name}` must be true or false."))
        }),
    }
}

fn tags(body: &Value) -> Result<Option<Map<String, Value>>, KvError> {
    match body.get("tags") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(t)) if t.values().all(Value::is_string) && t.len() <= 15 => {
            Ok(Some(t.clone()))
        }
        Some(_) => Err(KvError::bad_parameter(
            "`tags` must map at most 15 names to strings.",
        )),
    }
}

fn checked_ops(ops: Vec<String>, allowed: &[&str]) -> Result<Vec<String>, KvError> {
    match ops.iter().find(|o| !allowed.contains(&o.as_str())) {
        Some(bad) => Err(KvError::bad_parameter(format!(
            "Key operation '{bad}' is not allowed for this key type; allowed: {}.",
            allowed.join(", ")
        ))),
        None => Ok(ops),
    }
}

/// Page boundaries from `maxresults` and `$skiptoken` (an offset here).
fn page(query: &str) -> Result<(usize, usize), KvError> {
    let size = match query_param(query, "maxresults") {
        None => MAX_PAGE,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| KvError::bad_parameter("`maxresults` must be 1 to 25."))?,
    };
    let start = match query_param(query, "$skiptoken") {
        None => 0,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| KvError::bad_parameter("`$skiptoken` is not one this vault issued."))?,
    };
    Ok((start, size))
}

impl Vault {
    fn next_link(&self, path: &str, query: &str, next: usize, size: usize) -> String {
        let api = query_param(query, "api-version")
            .unwrap_or_default()
            .into_owned();
        format!(
            "{}{path}?api-version={api}&$skiptoken={next}&maxresults={size}",
            self.base_url
        )
    }

    fn paged(&self, items: Vec<Value>, path: &str, query: &str) -> Result<Value, KvError> {
        let (start, size) = page(query)?;
        let end = (start + size).min(items.len());
        let slice = items.get(start..end).unwrap_or_default().to_vec();
        let next = (end < items.len()).then(|| self.next_link(path, query, end, size));
        Ok(json!({ "value": slice, "nextLink": next }))
    }

    pub(crate) fn create(&self, name: &str, body: &Value) -> Result<Value, KvError> {
        check_name(name)?;
        let kty = body.get("kty").and_then(Value::as_str).unwrap_or_default();
        let (material, allowed): (Material, &[&str]) = match kty {
            "RSA" | "RSA-HSM" => {
                let size = body.get("key_size").and_then(Value::as_u64).unwrap_or(2048);
                if !matches!(size, 2048 | 3072 | 4096) {
                    return Err(KvError::bad_parameter(
                        "The RSA key size must be 2048, 3072 or 4096.",
                    ));
                }
                // Generate outside any lock: it takes tens of milliseconds.
                let key = RsaPrivateKey::generate_with(
                    usize::try_from(size).unwrap_or(2048),
                    self.config.provider,
                )
                .map_err(|_| KvError::new(500, "InternalError", "Key generation failed."))?;
                (Material::Rsa(Arc::new(key)), &RSA_OPS)
            }
            "oct" | "oct-HSM" => {
                let bits = body.get("key_size").and_then(Value::as_u64).unwrap_or(256);
                if !matches!(bits, 128 | 192 | 256) {
                    return Err(KvError::bad_parameter(
                        "The oct key size must be 128, 192 or 256.",
                    ));
                }
                let mut bytes = vec![0u8; usize::try_from(bits / 8).unwrap_or(32)];
                getrandom::fill(&mut bytes)
                    .map_err(|_| KvError::new(500, "InternalError", "The RNG failed."))?;
                (Material::Oct(OctKey::new(bytes)), &OCT_OPS)
            }
            other => {
                return Err(KvError::bad_parameter(format!(
                    "Key type '{other}' is not supported by this emulator; use RSA, RSA-HSM, oct or oct-HSM."
                )));
            }
        };
        let ops = string_list(body.get("key_ops"), "key_ops")?;
        self.add_version(name, kty, material, ops, allowed, body)
    }

    /// Adds a new version of `name` made of `material`, with the request's attributes
    /// and tags, and answers its KeyBundle.
    fn add_version(
        &self,
        name: &str,
        kty: &str,
        material: Material,
        ops: Option<Vec<String>>,
        allowed: &[&str],
        body: &Value,
    ) -> Result<Value, KvError> {
        let attrs = body.get("attributes");
        let ops = ops.unwrap_or_else(|| allowed.iter().map(|s| s.to_string()).collect());
        let version = KeyVersion::new(
            random_hex(),
            kty.to_string(),
            material,
            checked_ops(ops, allowed)?,
            opt_bool(attrs, "enabled")?.unwrap_or(true),
            opt_u64(attrs, "nbf")?,
            opt_u64(attrs, "exp")?,
            now_secs(),
            tags(body)?.unwrap_or_default(),
        );
        let bundle = version.bundle(&self.base_url, name);
        self.mutate(|s| s.add_version(name, version))?;
        Ok(bundle)
    }

    pub(crate) fn import(&self, name: &str, body: &Value) -> Result<Value, KvError> {
        check_name(name)?;
        let jwk = body
            .get("key")
            .ok_or_else(|| {
                KvError::bad_parameter("`key` (a JWK with its private part) is missing.")
            })
            .and_then(|k| {
                Jwk::deserialize(k).map_err(|_| KvError::bad_parameter("`key` is not a JWK."))
            })?;
        let hsm = body.get("hsm").and_then(Value::as_bool).unwrap_or(false);
        let (material, kty, allowed): (Material, &str, &[&str]) = match jwk.kty.as_str() {
            "RSA" | "RSA-HSM" => {
                let key =
                    RsaPrivateKey::from_jwk_with(&jwk, self.config.provider).map_err(|e| {
                        KvError::bad_parameter(format!(
                            "The RSA key cannot be imported: {e}. It must include its private part."
                        ))
                    })?;
                (
                    Material::Rsa(Arc::new(key)),
                    if hsm || jwk.kty == "RSA-HSM" {
                        "RSA-HSM"
                    } else {
                        "RSA"
                    },
                    &RSA_OPS,
                )
            }
            "oct" | "oct-HSM" => {
                let mut oct = jwk.clone();
                oct.kty = "oct".into();
                let key = OctKey::from_jwk(&oct).map_err(|e| {
                    KvError::bad_parameter(format!("The oct key cannot be imported: {e}."))
                })?;
                if !matches!(key.len(), 16 | 24 | 32) {
                    return Err(KvError::bad_parameter(
                        "An oct key must be 128, 192 or 256 bits.",
                    ));
                }
                (
                    Material::Oct(key),
                    if hsm || jwk.kty == "oct-HSM" {
                        "oct-HSM"
                    } else {
                        "oct"
                    },
                    &OCT_OPS,
                )
            }
            other => {
                return Err(KvError::bad_parameter(format!(
                    "Key type '{other}' cannot be imported here."
                )));
            }
        };
        self.add_version(name, kty, material, jwk.key_ops.clone(), allowed, body)
    }

    pub(crate) fn get(&self, name: &str, version: &str) -> Result<Value, KvError> {
        check_name(name)?;
        let store = self.read_store();
        let key = store
            .get(name, version)
            .ok_or_else(|| KvError::key_not_found(name))?;
        let shown = store.record(name).map_or(name, |r| r.name.as_str());
        Ok(key.bundle(&self.base_url, shown))
    }

    pub(crate) fn update(&self, name: &str, version: &str, body: &Value) -> Result<Value, KvError> {
        check_name(name)?;
        let attrs = body.get("attributes");
        let (ops, enabled, nbf, exp, new_tags) = (
            string_list(body.get("key_ops"), "key_ops")?,
            opt_bool(attrs, "enabled")?,
            opt_u64(attrs, "nbf")?,
            opt_u64(attrs, "exp")?,
            tags(body)?,
        );
        let base = self.base_url.clone();
        self.mutate(|s| {
            let shown = s
                .record(name)
                .map(|r| r.name.clone())
                .ok_or_else(|| KvError::key_not_found(name))?;
            let v = s
                .get_mut(name, version)
                .ok_or_else(|| KvError::key_not_found(name))?;
            if let Some(ops) = ops {
                let allowed: &[&str] = match v.material {
                    Material::Rsa(_) => &RSA_OPS,
                    Material::Oct(_) => &OCT_OPS,
                };
                v.key_ops = checked_ops(ops, allowed)?;
            }
            if let Some(e) = enabled {
                v.enabled = e;
            }
            if nbf.is_some() {
                v.not_before = nbf;
            }
            if exp.is_some() {
                v.expires = exp;
            }
            if let Some(t) = new_tags {
                v.tags = t;
            }
            v.updated = now_secs();
            Ok(v.bundle(&base, &shown))
        })
    }

    pub(crate) fn list_keys(&self, query: &str) -> Result<Value, KvError> {
        let store = self.read_store();
        let items = store
            .keys
            .values()
            .filter_map(|r| {
                r.latest()
                    .map(|v| v.item(format!("{}/keys/{}", self.base_url, r.name)))
            })
            .collect();
        self.paged(items, "/keys", query)
    }

    pub(crate) fn list_versions(&self, name: &str, query: &str) -> Result<Value, KvError> {
        check_name(name)?;
        let store = self.read_store();
        let record = store
            .record(name)
            .ok_or_else(|| KvError::key_not_found(name))?;
        let items = record
            .versions
            .iter()
            .map(|v| v.item(v.kid(&self.base_url, &record.name)))
            .collect();
        self.paged(items, &format!("/keys/{}/versions", record.name), query)
    }

    pub(crate) fn delete(&self, name: &str) -> Result<Value, KvError> {
        check_name(name)?;
        let base = self.base_url.clone();
        self.mutate(|s| {
            s.delete(name, now_secs())
                .map(|d| d.bundle(&base))
                .ok_or_else(|| KvError::key_not_found(name))
        })
    }

    fn deleted_not_found(name: &str) -> KvError {
        KvError::new(404, "KeyNotFound", format!("Deleted Key not found: {name}"))
    }

    pub(crate) fn list_deleted(&self, query: &str) -> Result<Value, KvError> {
        let store = self.read_store();
        let items = store
            .deleted
            .values()
            .map(|d| {
                let mut item = d
                    .record
                    .latest()
                    .map(|v| v.item(format!("{}/keys/{}", self.base_url, d.record.name)))
                    .unwrap_or_else(|| json!({}));
                if let (Some(obj), Some(full)) =
                    (item.as_object_mut(), d.bundle(&self.base_url).as_object())
                {
                    for k in ["recoveryId", "deletedDate", "scheduledPurgeDate"] {
                        if let Some(v) = full.get(k) {
                            obj.insert(k.into(), v.clone());
                        }
                    }
                }
                item
            })
            .collect();
        self.paged(items, "/deletedkeys", query)
    }

    pub(crate) fn get_deleted(&self, name: &str) -> Result<Value, KvError> {
        check_name(name)?;
        let store = self.read_store();
        store
            .deleted
            .get(&name.to_ascii_lowercase())
            .map(|d| d.bundle(&self.base_url))
            .ok_or_else(|| Self::deleted_not_found(name))
    }

    pub(crate) fn purge(&self, name: &str) -> Result<(), KvError> {
        check_name(name)?;
        self.mutate(|s| {
            s.deleted
                .remove(&name.to_ascii_lowercase())
                .map(|_| ())
                .ok_or_else(|| Self::deleted_not_found(name))
        })
    }

    pub(crate) fn recover(&self, name: &str) -> Result<Value, KvError> {
        check_name(name)?;
        let base = self.base_url.clone();
        self.mutate(|s| {
            let id = name.to_ascii_lowercase();
            let deleted = s
                .deleted
                .remove(&id)
                .ok_or_else(|| Self::deleted_not_found(name))?;
            let bundle = deleted
                .record
                .latest()
                .map(|v| v.bundle(&base, &deleted.record.name))
                .unwrap_or_else(|| json!({}));
            s.keys.insert(id, deleted.record);
            Ok(bundle)
        })
    }

    /// A blob only this vault can restore: the key's versions, sealed with the vault's
    /// backup key (JWE, `dir`, A256CBC-HS512).
    pub(crate) fn backup(&self, name: &str) -> Result<Value, KvError> {
        check_name(name)?;
        let store = self.read_store();
        let record = store
            .record(name)
            .ok_or_else(|| KvError::key_not_found(name))?;
        let plain = serde_json::to_vec(&StoredRecord::of(record))
            .map_err(|_| KvError::new(500, "InternalError", "The backup could not be made."))?;
        let jwe = Jwe::encrypt(
            &plain,
            &JweHeader::new(KeyAlg::Dir, EncAlg::A256CbcHs512).with_kid(BACKUP_KID),
            &self.backup_key,
        )
        .and_then(|j| j.to_compact())
        .map_err(|_| KvError::new(500, "InternalError", "The backup could not be sealed."))?;
        Ok(json!({ "value": b64::encode(jwe.as_bytes()) }))
    }

    pub(crate) fn restore(&self, body: &Value) -> Result<Value, KvError> {
        let refused =
            || KvError::bad_parameter("The backup blob is invalid or was not made by this vault.");
        let blob = body
            .get("value")
            .and_then(Value::as_str)
            .ok_or_else(|| KvError::bad_parameter("`value` (the backup blob) is missing."))?;
        let compact = b64::decode("value", blob)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(refused)?;
        let plain = Jwe::parse_compact(&compact)
            .and_then(|j| j.decrypt(&self.backup_key, &[KeyAlg::Dir], &[EncAlg::A256CbcHs512]))
            .map_err(|_| refused())?;
        let record = serde_json::from_slice::<StoredRecord>(&plain)
            .map_err(|_| refused())?
            .into_record(self.config.provider)?;
        let base = self.base_url.clone();
        self.mutate(|s| {
            let id = record.name.to_ascii_lowercase();
            if s.keys.contains_key(&id) || s.deleted.contains_key(&id) {
                return Err(KvError::new(
                    409,
                    "Conflict",
                    format!(
                        "A key named {} already exists (or is deleted but recoverable).",
                        record.name
                    ),
                ));
            }
            let bundle = record
                .latest()
                .map(|v| v.bundle(&base, &record.name))
                .unwrap_or_else(|| json!({}));
            s.keys.insert(id, record);
            Ok(bundle)
        })
    }
}
