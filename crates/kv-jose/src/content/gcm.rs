//! AES-GCM content encryption (RFC 7518 §5.3), by `ring`.

use ring::aead::{AES_128_GCM, AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use zeroize::Zeroizing;

use crate::{EncAlg, Error, Result};

use super::Sealed;

fn key(enc: EncAlg, cek: &[u8]) -> Result<LessSafeKey> {
    let alg = match enc {
        EncAlg::A128Gcm => &AES_128_GCM,
        EncAlg::A256Gcm => &AES_256_GCM,
        _ => return Err(Error::Decrypt),
    };
    // LessSafeKey only because JWE supplies its own nonce (the IV), random per message.
    UnboundKey::new(alg, cek)
        .map(LessSafeKey::new)
        .map_err(|_| Error::Decrypt)
}

fn nonce(iv: &[u8]) -> Result<Nonce> {
    Nonce::try_assume_unique_for_key(iv).map_err(|_| Error::Decrypt)
}

pub(crate) fn seal(
    enc: EncAlg,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Sealed> {
    let mut ciphertext = plaintext.to_vec();
    let tag = key(enc, cek)?
        .seal_in_place_separate_tag(nonce(iv)?, Aad::from(aad), &mut ciphertext)
        .map_err(|_| Error::Decrypt)?;
    Ok(Sealed {
        ciphertext,
        tag: tag.as_ref().to_vec(),
    })
}

pub(crate) fn open(
    enc: EncAlg,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    if tag.len() != enc.tag_len() {
        return Err(Error::Decrypt);
    }
    let key = key(enc, cek)?;
    let mut in_out = Zeroizing::new(Vec::with_capacity(ciphertext.len() + tag.len()));
    in_out.extend_from_slice(ciphertext);
    in_out.extend_from_slice(tag);
    let len = key
        .open_in_place(nonce(iv)?, Aad::from(aad), &mut in_out)
        .map_err(|_| Error::Decrypt)?
        .len();
    in_out.truncate(len);
    Ok(in_out)
}
