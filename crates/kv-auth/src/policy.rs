//! Which vault challenges may be answered with our credentials.

use crate::{Error, Result, VaultChallenge};

/// Hosts of the Azure AD authorities of the public and sovereign clouds.
pub const KNOWN_AUTHORITY_HOSTS: [&str; 6] = [
    "https://login.microsoftonline.com",
    "https://login.windows.net",
    "https://login.microsoft.com",
    "https://sts.windows.net",
    "https://login.chinacloudapi.cn",
    "https://login.microsoftonline.us",
];

fn host_of(url: &str) -> Option<String> {
    url.parse::<http::Uri>()
        .ok()?
        .host()
        .map(|h| h.to_ascii_lowercase())
}

/// Guards against a fake vault: its challenge could ask for a token for the real
/// Key Vault (or for another service), or send our client secret to an authority of
/// its choosing.
///
/// - The challenge's `resource` (or `scope`) must name the vault's host or a parent
///   domain of it (`https://vault.azure.net` for `myvault.vault.azure.net`), unless
///   the vault is loopback (only a local emulator lives there) or the host was
///   allowed explicitly.
/// - The authority must be a known Azure AD host over https, or one trusted
///   explicitly, or loopback when the vault is loopback too.
///
/// ```
/// let policy = kv_auth::ChallengePolicy::default();
/// let answer = http::Response::builder().status(401)
///     .header("www-authenticate", r#"Bearer authorization="https://login.microsoftonline.com/common", resource="https://graph.microsoft.com""#)
///     .body(()).unwrap();
/// let challenge = kv_auth::VaultChallenge::from_response(&answer).unwrap();
/// assert!(policy.check(&challenge, "myvault.vault.azure.net").is_err());
/// ```
#[derive(Debug, Clone, Default)]
pub struct ChallengePolicy {
    trusted_authorities: Vec<String>,
    allowed_resource_hosts: Vec<String>,
}

impl ChallengePolicy {
    /// Trusts an authority host (`https://login.example.com`) besides the Azure AD
    /// clouds' own. The client secret is sent there.
    pub fn trust_authority_host(mut self, host: impl Into<String>) -> Self {
        self.trusted_authorities
            .push(host.into().trim_end_matches('/').to_ascii_lowercase());
        self
    }

    /// Accepts challenges whose resource names this host even though it is not the
    /// vault's (a custom domain in front of a vault, say).
    pub fn allow_resource_host(mut self, host: impl Into<String>) -> Self {
        self.allowed_resource_hosts
            .push(host.into().to_ascii_lowercase());
        self
    }

    /// Checks `challenge`, received from the vault at `vault_host`.
    ///
    /// # Errors
    ///
    /// [`Error::Challenge`] saying which rule failed and how to allow it if intended.
    pub fn check(&self, challenge: &VaultChallenge, vault_host: &str) -> Result<()> {
        let vault_host = vault_host.to_ascii_lowercase();
        let vault_loopback = kv_transport::is_loopback_host(&vault_host);
        if !vault_loopback {
            let audience = challenge
                .resource()
                .or(challenge.scope())
                .unwrap_or_default();
            let host = host_of(audience).unwrap_or_default();
            let belongs = !host.is_empty()
                && (vault_host == host
                    || vault_host.ends_with(&format!(".{host}"))
                    || self.allowed_resource_hosts.contains(&host));
            if !belongs {
                return Err(Error::Challenge(format!(
                    "the challenge asks for a token for `{audience}`, which is not the vault's host `{vault_host}`"
                )));
            }
        }
        let authority = challenge.authority_host();
        let authority_loopback =
            host_of(authority).is_some_and(|h| kv_transport::is_loopback_host(&h));
        let trusted = KNOWN_AUTHORITY_HOSTS.contains(&authority)
            || self.trusted_authorities.iter().any(|a| a == authority)
            || (vault_loopback && authority_loopback);
        if !trusted {
            return Err(Error::Challenge(format!(
                "the challenge names the authority `{authority}`, which is not a known Azure AD host; trust it explicitly with `trust_authority_host` if it is yours"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(www: &str) -> VaultChallenge {
        let answer = http::Response::builder()
            .status(401)
            .header("www-authenticate", www)
            .body(())
            .unwrap();
        VaultChallenge::from_response(&answer).unwrap()
    }

    const GOOD: &str = r#"Bearer authorization="https://login.microsoftonline.com/common", resource="https://vault.azure.net""#;

    #[test]
    fn the_resource_must_belong_to_the_vault() {
        let p = ChallengePolicy::default();
        assert!(p.check(&challenge(GOOD), "myvault.vault.azure.net").is_ok());
        assert!(p.check(&challenge(GOOD), "MyVault.Vault.Azure.Net").is_ok());
        assert!(
            p.check(&challenge(GOOD), "vault.azure.net.evil.example")
                .is_err()
        );
        assert!(
            p.check(&challenge(GOOD), "evilvault.azure.net").is_err(),
            "label boundary"
        );
        let scoped = challenge(
            r#"Bearer authorization="https://login.microsoftonline.com/common", scope="https://vault.azure.net/.default""#,
        );
        assert!(p.check(&scoped, "myvault.vault.azure.net").is_ok());
        // Loopback vaults are exempt; other exemptions are explicit.
        assert!(p.check(&challenge(GOOD), "127.0.0.1").is_ok());
        assert!(p.check(&challenge(GOOD), "keys.contoso.com").is_err());
        assert!(
            p.clone()
                .allow_resource_host("vault.azure.net")
                .check(&challenge(GOOD), "keys.contoso.com")
                .is_ok()
        );
    }

    #[test]
    fn the_authority_must_be_known_or_trusted() {
        let p = ChallengePolicy::default();
        let odd = challenge(
            r#"Bearer authorization="https://login.contoso.com/common", resource="https://vault.azure.net""#,
        );
        assert!(p.check(&odd, "v.vault.azure.net").is_err());
        assert!(
            p.clone()
                .trust_authority_host("https://login.contoso.com/")
                .check(&odd, "v.vault.azure.net")
                .is_ok()
        );
        let local = challenge(
            r#"Bearer authorization="http://127.0.0.1:9/t.example", resource="https://vault.azure.net""#,
        );
        assert!(
            p.check(&local, "127.0.0.1").is_ok(),
            "loopback vault, loopback authority"
        );
        assert!(
            p.check(&local, "v.vault.azure.net").is_err(),
            "a real vault may not send us to loopback"
        );
        let plain = challenge(
            r#"Bearer authorization="http://login.microsoftonline.com/common", resource="https://vault.azure.net""#,
        );
        assert!(p.check(&plain, "v.vault.azure.net").is_err());
    }
}
