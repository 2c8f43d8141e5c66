//! JWE key management (RFC 7518 §4): how the CEK is made, wrapped and recovered.

use zeroize::Zeroizing;

use crate::alg::KeyKind;
use crate::{DecryptionKey, EncAlg, EncryptionKey, Error, KeyAlg, Result, hazmat};

pub(crate) fn random(len: usize) -> Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(vec![0u8; len]);
    getrandom::fill(&mut buf).map_err(|_| Error::Crypto("the system RNG failed"))?;
    Ok(buf)
}

/// Whether `key` is of the kind `alg` needs.
pub(crate) fn fits(alg: KeyAlg, key: DecryptionKey<'_>) -> bool {
    matches!(
        (alg.key_kind(), key),
        (KeyKind::Rsa, DecryptionKey::Rsa(_))
            | (KeyKind::AesKw(_) | KeyKind::Direct, DecryptionKey::Oct(_))
    )
}

/// A fresh CEK for `enc`, or, for `dir`, the shared key itself.
pub(crate) fn new_cek(
    alg: KeyAlg,
    key: EncryptionKey<'_>,
    enc: EncAlg,
) -> Result<Zeroizing<Vec<u8>>> {
    match (alg.key_kind(), key) {
        (KeyKind::Direct, EncryptionKey::Oct(k)) if k.len() == enc.key_len() => {
            Ok(k.to_zeroizing())
        }
        (KeyKind::Direct, EncryptionKey::Oct(_)) => Err(Error::InvalidKey(
            "a `dir` key must have the length of the content encryption key",
        )),
        _ => random(enc.key_len()),
    }
}

/// The JWE Encrypted Key for `cek`.
pub(crate) fn wrap(alg: KeyAlg, key: EncryptionKey<'_>, cek: &[u8]) -> Result<Vec<u8>> {
    match (alg.key_kind(), key) {
        (KeyKind::Rsa, EncryptionKey::Rsa(k)) => k.encrypt(alg, cek),
        (KeyKind::AesKw(len), EncryptionKey::Oct(k)) if k.len() == len => {
            hazmat::aes_key_wrap(k.bytes(), cek)
        }
        (KeyKind::AesKw(_), EncryptionKey::Oct(_)) => Err(Error::InvalidKey(
            "the AES key wrap key has the wrong length for this alg",
        )),
        (KeyKind::Direct, EncryptionKey::Oct(_)) => Ok(Vec::new()),
        _ => Err(Error::InvalidKey("the key type does not fit the JWE alg")),
    }
}

/// Recovers the CEK. Every failure is [`Error::Decrypt`]; for `RSA1_5` a failure
/// yields a random CEK instead (RFC 7516 §11.5), so it surfaces at the tag check and
/// takes the same path as a success.
pub(crate) fn unwrap(
    alg: KeyAlg,
    key: DecryptionKey<'_>,
    encrypted_key: &[u8],
    enc: EncAlg,
) -> Result<Zeroizing<Vec<u8>>> {
    let want = enc.key_len();
    match (alg.key_kind(), key) {
        (KeyKind::Rsa, DecryptionKey::Rsa(k)) => match (alg, k.decrypt(alg, encrypted_key)) {
            (_, Ok(cek)) if cek.len() == want => Ok(cek),
            (KeyAlg::Rsa1_5, _) => random(want),
            _ => Err(Error::Decrypt),
        },
        (KeyKind::AesKw(len), DecryptionKey::Oct(k)) if k.len() == len => {
            let cek = hazmat::aes_key_unwrap(k.bytes(), encrypted_key)?;
            if cek.len() == want {
                Ok(cek)
            } else {
                Err(Error::Decrypt)
            }
        }
        (KeyKind::Direct, DecryptionKey::Oct(k)) if encrypted_key.is_empty() && k.len() == want => {
            Ok(k.to_zeroizing())
        }
        _ => Err(Error::Decrypt),
    }
}
