//! Content encryption (RFC 7518 §5): AES-CBC-HMAC-SHA2 and AES-GCM.

mod cbc_hmac;
mod gcm;

use zeroize::Zeroizing;

use crate::{EncAlg, Result};

/// Ciphertext and authentication tag.
pub(crate) struct Sealed {
    pub(crate) ciphertext: Vec<u8>,
    pub(crate) tag: Vec<u8>,
}

pub(crate) fn seal(
    enc: EncAlg,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Sealed> {
    match enc {
        EncAlg::A128Gcm | EncAlg::A256Gcm => gcm::seal(enc, cek, iv, aad, plaintext),
        _ => cbc_hmac::seal(enc, cek, iv, aad, plaintext),
    }
}

/// Authenticates, then decrypts. Every failure is the opaque `Error::Decrypt`.
pub(crate) fn open(
    enc: EncAlg,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    match enc {
        EncAlg::A128Gcm | EncAlg::A256Gcm => gcm::open(enc, cek, iv, aad, ciphertext, tag),
        _ => cbc_hmac::open(enc, cek, iv, aad, ciphertext, tag),
    }
}
