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
///   domain of it (`https://vault.azure.net` for `myvault.vault.azure.net`), or a host
///   allowed explicitly; a loopback vault (a local emulator) may ask only for
///   `https://vault.azure.net` or its own host.
/// - The authority must be a known Azure AD host over https, or one trusted
///   explicitly, or, for a loopback vault, the vault's own origin.
///
/// ```
/// let policy = kv_auth::ChallengePolicy::default();
/// let answer = http::Response::builder().status(401)
///     .header("www-authenticate", r#"Bearer authorization="https://login.microsoftonline.com/common", resource="https://graph.microsoft.com""#)
///     .body(()).unwrap();
/// let challenge = kv_auth::VaultChallenge::from_response(&answer).unwrap();
/// assert!(policy.check(&challenge, "https://myvault.vault.azure.net").is_err());
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

    /// Checks `challenge`, received from the vault at `vault_url` (scheme, host and
    /// port, as `https://myvault.vault.azure.net`).
    ///
    /// # Errors
    ///
    /// [`Error::Challenge`] saying which rule failed and how to allow it if intended.
    pub fn check(&self, challenge: &VaultChallenge, vault_url: &str) -> Result<()> {
        let vault_url = vault_url.trim_end_matches('/').to_ascii_lowercase();
        let vault_host = host_of(&vault_url).unwrap_or_default();
        let vault_loopback = kv_transport::is_loopback_host(&vault_host);
        let audience = challenge
            .resource()
            .or(challenge.scope())
            .unwrap_or_default();
        let host = host_of(audience).unwrap_or_default();
        let allowed = self.allowed_resource_hosts.contains(&host);
        if vault_loopback {
            // Only a local emulator lives there: it may ask for the Key Vault resource
            // or its own host, and nothing else.
            if !(host == "vault.azure.net" || host == vault_host || allowed) {
                return Err(Error::Challenge(format!(
                    "the local vault's challenge asks for a token for `{audience}`, which is not the vault's host `{vault_host}` nor Key Vault's"
                )));
            }
        } else {
            let belongs = !host.is_empty()
                && (vault_host == host || vault_host.ends_with(&format!(".{host}")) || allowed);
            if !belongs {
                return Err(Error::Challenge(format!(
                    "the challenge asks for a token for `{audience}`, which is not the vault's host `{vault_host}`"
                )));
            }
        }
        let authority = challenge.authority_host();
        // A local vault may name itself as the authority (the emulator does), and no
        // other local port.
        let trusted = KNOWN_AUTHORITY_HOSTS.contains(&authority)
            || self.trusted_authorities.iter().any(|a| a == authority)
            || (vault_loopback && authority == vault_url);
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
        assert!(
            p.check(&challenge(GOOD), "https://myvault.vault.azure.net")
                .is_ok()
        );
        assert!(
            p.check(&challenge(GOOD), "https://MyVault.Vault.Azure.Net")
                .is_ok()
        );
        assert!(
            p.check(&challenge(GOOD), "https://vault.azure.net.evil.example")
                .is_err()
        );
        assert!(
            p.check(&challenge(GOOD), "https://evilvault.azure.net")
                .is_err(),
            "label boundary"
        );
        let scoped = challenge(
            r#"Bearer authorization="https://login.microsoftonline.com/common", scope="https://vault.azure.net/.default""#,
        );
        assert!(p.check(&scoped, "https://myvault.vault.azure.net").is_ok());
        // Loopback vaults are exempt; other exemptions are explicit.
        assert!(p.check(&challenge(GOOD), "http://127.0.0.1:9").is_ok());
        assert!(
            p.check(&challenge(GOOD), "https://keys.contoso.com")
                .is_err()
        );
        assert!(
            p.clone()
                .allow_resource_host("vault.azure.net")
                .check(&challenge(GOOD), "https://keys.contoso.com")
                .is_ok()
        );
    }

    #[test]
    fn the_authority_must_be_known_or_trusted() {
        let p = ChallengePolicy::default();
        let odd = challenge(
            r#"Bearer authorization="https://login.contoso.com/common", resource="https://vault.azure.net""#,
        );
        assert!(p.check(&odd, "https://v.vault.azure.net").is_err());
        assert!(
            p.clone()
                .trust_authority_host("https://login.contoso.com/")
                .check(&odd, "https://v.vault.azure.net")
                .is_ok()
        );
        let local = challenge(
            r#"Bearer authorization="http://127.0.0.1:9/t.example", resource="https://vault.azure.net""#,
        );
        assert!(
            p.check(&local, "http://127.0.0.1:9").is_ok(),
            "loopback vault, loopback authority"
        );
        assert!(
            p.check(&local, "https://v.vault.azure.net").is_err(),
            "a real vault may not send us to loopback"
        );
        let plain = challenge(
            r#"Bearer authorization="http://login.microsoftonline.com/common", resource="https://vault.azure.net""#,
        );
        assert!(p.check(&plain, "https://v.vault.azure.net").is_err());
    }

    #[test]
    fn a_local_vault_gets_only_key_vault_tokens_from_itself() {
        let p = ChallengePolicy::default();
        let graph = challenge(
            r#"Bearer authorization="http://127.0.0.1:9/t.example", resource="https://graph.microsoft.com""#,
        );
        assert!(
            p.check(&graph, "http://127.0.0.1:9").is_err(),
            "a local listener may not ask for other resources"
        );
        let elsewhere = challenge(
            r#"Bearer authorization="http://127.0.0.1:10/t.example", resource="https://vault.azure.net""#,
        );
        assert!(
            p.check(&elsewhere, "http://127.0.0.1:9").is_err(),
            "nor send the secret to another local port"
        );
        let real_authority = challenge(
            r#"Bearer authorization="https://login.microsoftonline.com/common", resource="https://vault.azure.net""#,
        );
        assert!(p.check(&real_authority, "http://127.0.0.1:9").is_ok());
    }
}
