//! A wrapper for secret values: redacted `Debug`, no `Display`, zeroized on drop.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// A secret (client secret, token, key bytes) that never prints and is wiped on drop.
///
/// Read it only through [`Secret::expose_secret`], so every use is visible in review.
///
/// ```
/// use kv_jose::Secret;
/// let s = Secret::new(String::from("hunter2"));
/// assert_eq!(format!("{s:?}"), "Secret(..)");
/// assert_eq!(s.expose_secret(), "hunter2");
/// ```
#[derive(Clone)]
pub struct Secret<T: Zeroize>(Zeroizing<T>);

impl<T: Zeroize> Secret<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Secret(Zeroizing::new(value))
    }

    /// Returns the secret value.
    pub fn expose_secret(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl<T: Zeroize> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Secret::new(value)
    }
}

impl<T: Zeroize + AsRef<[u8]>> PartialEq for Secret<T> {
    /// Compares in constant time (for equal lengths).
    fn eq(&self, other: &Self) -> bool {
        self.0
            .as_ref()
            .as_ref()
            .ct_eq(other.0.as_ref().as_ref())
            .into()
    }
}

impl<T: Zeroize + AsRef<[u8]>> Eq for Secret<T> {}
