//! Key Vault-shaped error answers, and the emulator's own start-up error.

use serde_json::json;

use crate::service::Answer;

/// An error answer of the vault: `{"error":{"code","message"}}` with a status.
#[derive(Debug, Clone)]
pub(crate) struct KvError {
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl KvError {
    pub(crate) fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        KvError {
            status,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn bad_parameter(message: impl Into<String>) -> Self {
        KvError::new(400, "BadParameter", message)
    }

    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        KvError::new(401, "Unauthorized", message)
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        KvError::new(403, "Forbidden", message)
    }

    pub(crate) fn key_not_found(name: &str) -> Self {
        KvError::new(
            404,
            "KeyNotFound",
            format!("A key with (name/id) {name} was not found in this key vault."),
        )
    }

    pub(crate) fn into_answer(self) -> Answer {
        Answer::json(
            self.status,
            &json!({"error": {"code": self.code, "message": self.message}}),
        )
    }
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The listening socket or the server thread could not be set up.
    #[error("could not listen on 127.0.0.1:{port}: {source}")]
    Io {
        /// The port asked for.
        port: u16,
        /// The underlying failure.
        #[source]
        source: std::io::Error,
    },
    /// The configuration is unusable.
    #[error("invalid emulator configuration: {0}")]
    Config(String),
    /// The vault's message keys could not be made.
    #[error("could not make the vault's message keys: {0}")]
    Keys(#[source] kv_jose::Error),
}
