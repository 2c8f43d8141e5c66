//! Authentication for Azure Key Vault: challenges, tokens and proof-of-possession.
//!
//! - [`parse_challenges`] reads `WWW-Authenticate` by the RFC 9110 grammar, and
//!   [`VaultChallenge`] reads what Key Vault means by it: the authority, tenant,
//!   resource or scope, PoP support, and the vault's [`MessageKeys`].
//! - [`TokenCredential`] is the seam for tokens; [`ClientSecretCredential`] gets them
//!   from Azure AD (v1 `resource` with an optional `pop_jwk`, or v2 `scope`) and caches
//!   them in a [`TokenCache`] that refreshes ahead of expiry.
//! - [`PopKey`] is the RSA key a PoP token is bound to.
//!
//! Request building and answer parsing ([`build_client_credentials_request`],
//! [`parse_token_response`]) are sans-I/O; only [`ClientSecretCredential`] sends,
//! through a [`kv_transport::Transport`]. Secrets (client secret, tokens, private
//! keys) are [`kv_jose::Secret`]s and never appear in `Debug` output or errors.
#![forbid(unsafe_code)]

mod cache;
mod challenge;
mod credential;
mod error;
mod policy;
mod pop;
mod token;
mod vault;

pub use cache::{Clock, DEFAULT_REFRESH_MARGIN, SystemClock, TokenCache};
pub use challenge::{Challenge, parse_challenge_headers, parse_challenges};
pub use credential::{
    ClientSecretCredential, EnvironmentCredential, StaticTokenCredential, TokenCredential,
};
pub use error::{AuthorityError, Error, Result};
pub use policy::{ChallengePolicy, KNOWN_AUTHORITY_HOSTS};
pub use pop::PopKey;
pub use token::{
    AccessToken, Endpoint, TokenRequest, TokenScheme, build_client_credentials_request,
    parse_token_response, token_endpoint,
};
pub use vault::{ENCRYPTION_KEY_HEADER, MessageKeys, SIGNING_KEY_HEADER, VaultChallenge};
