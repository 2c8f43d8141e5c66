//! A typed Azure Key Vault keys client with end-to-end message protection.
//!
//! Requests to the protected key operations (encrypt, decrypt, wrap, unwrap) are
//! encrypted to the vault (JWE) and signed with a proof-of-possession key (JWS), above
//! TLS; answers are verified against the vault's pinned signing key before they are
//! decrypted with a per-request response key. Everything else is sent with a bearer
//! token. See `PROTOCOL.md` for the wire protocol.
//!
//! The request path is sans-I/O around one [`kv_transport::Transport`] call:
//!
//! ```text
//! operation ─▶ challenge (cached, or empty-body probe → 401) ─▶ token (Bearer | PoP)
//!           ─▶ protect (rek + JWE + JWS) ─▶ Transport::send ─▶ 401? rediscover once
//!           ─▶ unprotect (verify, then decrypt) ─▶ typed result | Error
//! ```
//!
//! ```
//! use std::sync::Arc;
//! use kv_client::{CreateKeyOptions, EncryptionAlgorithm, KeyVaultClient};
//!
//! # let emulator = kv_emulator::Emulator::builder().start()?;
//! let client = KeyVaultClient::builder(emulator.url())
//!     .credential(Arc::new(kv_auth::ClientSecretCredential::new("kv-sample", "kv-sample-secret")))
//!     .require_message_protection(true)
//!     .build()?;
//! let key = client.create_key("crate-doc", &CreateKeyOptions::rsa(2048))?;
//! let wrapped = client.wrap_key("crate-doc", None, EncryptionAlgorithm::RsaOaep, &[7; 16])?;
//! assert_eq!(wrapped.kid, key.id());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod client;
mod crypto_client;
mod error;
mod key_id;
mod models;
mod operations;
mod paging;
mod pipeline;
pub mod protection;
mod rek;

pub use client::{DEFAULT_API_VERSION, KeyVaultClient, KeyVaultClientBuilder};
pub use crypto_client::CryptographyClient;
pub use error::{Error, ProtectionError, Result, ServiceError};
pub use key_id::KeyId;
pub use models::{
    CreateKeyOptions, DeletedKeyBundle, DeletedKeyItem, EncryptionAlgorithm, ImportKeyOptions,
    KeyAttributes, KeyBundle, KeyItem, KeyOperation, KeyOperationResult, KeyType, PlaintextResult,
    SignatureAlgorithm, UpdateKeyOptions,
};
pub use paging::Pager;
pub use rek::{FreshKeyPerRequest, ResponseKey, ResponseKeySource, RotatingKeys};
