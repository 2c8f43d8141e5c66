//! Key identifiers and name rules.

use std::fmt;
use std::str::FromStr;

use crate::{Error, Result};

/// Key Vault object names: 1–127 of `0-9 a-z A-Z -`. Checked before anything is sent,
/// which also guarantees no path is built with an empty or injected segment.
pub(crate) fn check_name(name: &str) -> Result<()> {
    let ok = (1..=127).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "`{name}` is not a valid key name: use 1 to 127 characters of 0-9, a-z, A-Z and -"
        )))
    }
}

/// Key versions are opaque alphanumeric strings (32 hex digits on Azure).
pub(crate) fn check_version(version: &str) -> Result<()> {
    let ok = !version.is_empty()
        && version.len() <= 64
        && version.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "`{version}` is not a valid key version"
        )))
    }
}

/// A key identifier, `{vault}/keys/{name}` or `{vault}/keys/{name}/{version}`.
///
/// ```
/// use kv_client::KeyId;
/// let id: KeyId = "https://myvault.vault.azure.net/keys/signing-key/6b53e2e4117b49a6987d545955a95042".parse()?;
/// assert_eq!(id.vault_url(), "https://myvault.vault.azure.net");
/// assert_eq!(id.name(), "signing-key");
/// assert_eq!(id.version(), Some("6b53e2e4117b49a6987d545955a95042"));
/// assert_eq!(id.to_string(), "https://myvault.vault.azure.net/keys/signing-key/6b53e2e4117b49a6987d545955a95042");
/// assert!("https://myvault.vault.azure.net/keys//v1".parse::<KeyId>().is_err());
/// # Ok::<(), kv_client::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyId {
    vault: String,
    name: String,
    version: Option<String>,
}

impl KeyId {
    /// An id from its parts, validated.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a bad vault URL, name or version.
    pub fn new(vault_url: &str, name: &str, version: Option<&str>) -> Result<Self> {
        let uri: http::Uri = vault_url
            .parse()
            .map_err(|_| Error::InvalidArgument(format!("`{vault_url}` is not a URL")))?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(Error::InvalidArgument(format!(
                "`{vault_url}` is not an absolute URL"
            )));
        };
        if !matches!(uri.path(), "" | "/") {
            return Err(Error::InvalidArgument("a vault URL has no path".into()));
        }
        check_name(name)?;
        if let Some(v) = version {
            check_version(v)?;
        }
        Ok(KeyId {
            vault: format!(
                "{}://{}",
                scheme.to_ascii_lowercase(),
                authority.as_str().to_ascii_lowercase()
            ),
            name: name.to_string(),
            version: version.map(str::to_string),
        })
    }

    /// The vault, `https://myvault.vault.azure.net`.
    pub fn vault_url(&self) -> &str {
        &self.vault
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version, if the id names one.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }
}

impl FromStr for KeyId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::InvalidArgument(format!(
                "`{s}` is not a key id like https://myvault.vault.azure.net/keys/name/version"
            ))
        };
        let uri: http::Uri = s.parse().map_err(|_| bad())?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(bad());
        };
        if uri.query().is_some() {
            return Err(bad());
        }
        let segments: Vec<&str> = uri.path().trim_start_matches('/').split('/').collect();
        let (name, version) = match segments.as_slice() {
            ["keys", name] => (*name, None),
            ["keys", name, version] => (*name, Some(*version)),
            _ => return Err(bad()),
        };
        KeyId::new(&format!("{scheme}://{authority}"), name, version)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/keys/{}", self.vault, self.name)?;
        if let Some(v) = &self.version {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_and_format() {
        let id: KeyId = "https://V.vault.azure.net/keys/k-1".parse().unwrap();
        assert_eq!(
            (id.vault_url(), id.name(), id.version()),
            ("https://v.vault.azure.net", "k-1", None)
        );
        assert_eq!(id.to_string(), "https://v.vault.azure.net/keys/k-1");
        for bad in [
            "https://v.vault.azure.net/keys/",
            "https://v.vault.azure.net/keys//abc",
            "https://v.vault.azure.net/keys/a b/abc",
            "https://v.vault.azure.net/secrets/k/abc",
            "https://v.vault.azure.net/keys/k/abc/extra",
            "https://v.vault.azure.net/keys/k/ab-c",
            "https://v.vault.azure.net/keys/k?x=1",
            "/keys/k",
            "",
        ] {
            assert!(bad.parse::<KeyId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_validated() {
        for ok in ["a", "k-1", &"x".repeat(127)] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a/b", "a b", "k?x", "k.1", "ké", &"x".repeat(128)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
