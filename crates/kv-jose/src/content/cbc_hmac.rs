//! AES_CBC_HMAC_SHA2 content encryption (RFC 7518 §5.2).
//!
//! Decryption checks every length first, then the tag in constant time (by `hmac`),
//! and only then decrypts and strips PKCS#7 padding. Every failure is the same
//! [`Error::Decrypt`], so padding and tag failures cannot be told apart.

use zeroize::Zeroizing;

use crate::hazmat::{self, MacHash};
use crate::{EncAlg, Error, Result};

use super::Sealed;

fn parts(enc: EncAlg) -> Option<(MacHash, usize)> {
    match enc {
        EncAlg::A128CbcHs256 => Some((MacHash::Sha256, 16)),
        EncAlg::A192CbcHs384 => Some((MacHash::Sha384, 24)),
        EncAlg::A256CbcHs512 => Some((MacHash::Sha512, 32)),
        _ => None,
    }
}

/// AL: the AAD length in bits as a 64-bit big-endian integer.
fn al(aad: &[u8]) -> Result<[u8; 8]> {
    u64::try_from(aad.len())
        .ok()
        .and_then(|l| l.checked_mul(8))
        .map(u64::to_be_bytes)
        .ok_or(Error::Decrypt)
}

/// Encrypts `plaintext`. `cek` and `iv` must have the lengths `enc` requires.
pub(crate) fn seal(
    enc: EncAlg,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Sealed> {
    let (hash, half) = parts(enc).ok_or(Error::Decrypt)?;
    if cek.len() != 2 * half || iv.len() != enc.iv_len() {
        return Err(Error::Decrypt);
    }
    let (mac_key, enc_key) = cek.split_at(half);
    let ciphertext = hazmat::aes_cbc_pkcs7_encrypt(enc_key, iv, plaintext)?;
    let mut tag = hazmat::hmac(hash, mac_key, &[aad, iv, &ciphertext, &al(aad)?])?;
    tag.truncate(half);
    Ok(Sealed { ciphertext, tag })
}

/// Checks lengths, then the tag in constant time, then decrypts and unpads. Any
/// failure is [`Error::Decrypt`].
pub(crate) fn open(
    enc: EncAlg,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let (hash, half) = parts(enc).ok_or(Error::Decrypt)?;
    if cek.len() != 2 * half
        || iv.len() != enc.iv_len()
        || tag.len() != half
        || ciphertext.is_empty()
        || !ciphertext.len().is_multiple_of(16)
    {
        return Err(Error::Decrypt);
    }
    let (mac_key, enc_key) = cek.split_at(half);
    hazmat::hmac_verify_truncated(hash, mac_key, &[aad, iv, ciphertext, &al(aad)?], tag)?;
    hazmat::aes_cbc_pkcs7_decrypt(enc_key, iv, ciphertext)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::{BlockModeEncrypt, KeyIvInit};

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // RFC 7518 Appendix B.1 (AES_128_CBC_HMAC_SHA_256).
    const K: &str = "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f
                     10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f";
    const P: &str = "41 20 63 69 70 68 65 72 20 73 79 73 74 65 6d 20
                     6d 75 73 74 20 6e 6f 74 20 62 65 20 72 65 71 75
                     69 72 65 64 20 74 6f 20 62 65 20 73 65 63 72 65
                     74 2c 20 61 6e 64 20 69 74 20 6d 75 73 74 20 62
                     65 20 61 62 6c 65 20 74 6f 20 66 61 6c 6c 20 69
                     6e 74 6f 20 74 68 65 20 68 61 6e 64 73 20 6f 66
                     20 74 68 65 20 65 6e 65 6d 79 20 77 69 74 68 6f
                     75 74 20 69 6e 63 6f 6e 76 65 6e 69 65 6e 63 65";
    const IV: &str = "1a f3 8c 2d c2 b9 6f fd d8 66 94 09 23 41 bc 04";
    const A: &str = "54 68 65 20 73 65 63 6f 6e 64 20 70 72 69 6e 63
                     69 70 6c 65 20 6f 66 20 41 75 67 75 73 74 65 20
                     4b 65 72 63 6b 68 6f 66 66 73";
    const E: &str = "c8 0e df a3 2d df 39 d5 ef 00 c0 b4 68 83 42 79
                     a2 e4 6a 1b 80 49 f7 92 f7 6b fe 54 b9 03 a9 c9
                     a9 4a c9 b4 7a d2 65 5c 5f 10 f9 ae f7 14 27 e2
                     fc 6f 9b 3f 39 9a 22 14 89 f1 63 62 c7 03 23 36
                     09 d4 5a c6 98 64 e3 32 1c f8 29 35 ac 40 96 c8
                     6e 13 33 14 c5 40 19 e8 ca 79 80 df a4 b9 cf 1b
                     38 4c 48 6f 3a 54 c5 10 78 15 8e e5 d7 9d e5 9f
                     bd 34 d8 48 b3 d6 95 50 a6 76 46 34 44 27 ad e5
                     4b 88 51 ff b5 98 f7 f8 00 74 b9 47 3c 82 e2 db";
    const T: &str = "65 2c 3f a3 6b 0a 7c 5b 32 19 fa b3 a3 0b c1 c4";

    #[test]
    fn rfc7518_b1_reproduces_ciphertext_and_tag() {
        let sealed = seal(EncAlg::A128CbcHs256, &hex(K), &hex(IV), &hex(A), &hex(P)).unwrap();
        assert_eq!(sealed.ciphertext, hex(E));
        assert_eq!(sealed.tag, hex(T));
        let opened = open(
            EncAlg::A128CbcHs256,
            &hex(K),
            &hex(IV),
            &hex(A),
            &hex(E),
            &hex(T),
        )
        .unwrap();
        assert_eq!(*opened, hex(P));
    }

    #[test]
    fn every_tampering_is_the_same_opaque_error() {
        let (k, iv, a, e, t) = (hex(K), hex(IV), hex(A), hex(E), hex(T));
        let enc = EncAlg::A128CbcHs256;
        let mut flipped_tag = t.clone();
        flipped_tag[15] ^= 1;
        let mut flipped_ct = e.clone();
        flipped_ct[0] ^= 1;
        let mut flipped_aad = a.clone();
        flipped_aad[0] ^= 1;
        let mut flipped_iv = iv.clone();
        flipped_iv[0] ^= 1;
        let cases: Vec<(&str, Result<Zeroizing<Vec<u8>>>)> = vec![
            ("tag bit", open(enc, &k, &iv, &a, &e, &flipped_tag)),
            ("short tag", open(enc, &k, &iv, &a, &e, &t[..8])),
            ("empty tag", open(enc, &k, &iv, &a, &e, &[])),
            ("ciphertext bit", open(enc, &k, &iv, &a, &flipped_ct, &t)),
            ("aad bit", open(enc, &k, &iv, &flipped_aad, &e, &t)),
            ("iv bit", open(enc, &k, &flipped_iv, &a, &e, &t)),
            (
                "truncated ciphertext",
                open(enc, &k, &iv, &a, &e[..e.len() - 16], &t),
            ),
            (
                "ragged ciphertext",
                open(enc, &k, &iv, &a, &e[..e.len() - 1], &t),
            ),
            ("short key", open(enc, &k[..16], &iv, &a, &e, &t)),
            ("short iv", open(enc, &k, &iv[..12], &a, &e, &t)),
        ];
        for (name, result) in cases {
            assert_eq!(result.err(), Some(Error::Decrypt), "{name}");
        }
    }

    #[test]
    fn bad_padding_under_a_valid_tag_is_still_opaque() {
        // Encrypt raw blocks whose last byte is not valid PKCS#7, then MAC them properly:
        // only the padding check can fail, and it must look like any other failure.
        let k = hex(K);
        let iv = hex(IV);
        let block = [0u8; 16]; // last byte 0: never valid PKCS#7
        let ct = cbc::Encryptor::<aes::Aes128>::new_from_slices(&k[16..], &iv)
            .unwrap()
            .encrypt_padded_vec::<aes::cipher::block_padding::NoPadding>(&block);
        let mut tag = hazmat::hmac(
            MacHash::Sha256,
            &k[..16],
            &[b"aad", &iv, &ct, &al(b"aad").unwrap()],
        )
        .unwrap();
        tag.truncate(16);
        assert_eq!(
            open(EncAlg::A128CbcHs256, &k, &iv, b"aad", &ct, &tag).err(),
            Some(Error::Decrypt)
        );
    }

    #[test]
    fn all_sizes_round_trip() {
        for enc in [
            EncAlg::A128CbcHs256,
            EncAlg::A192CbcHs384,
            EncAlg::A256CbcHs512,
        ]
        .iter()
        {
            let cek = vec![7u8; enc.key_len()];
            let iv = [9u8; 16];
            for len in [0, 1, 15, 16, 17, 1000] {
                let pt = vec![0xabu8; len];
                let sealed = seal(*enc, &cek, &iv, b"hdr", &pt).unwrap();
                assert_eq!(sealed.tag.len(), enc.tag_len());
                let opened =
                    open(*enc, &cek, &iv, b"hdr", &sealed.ciphertext, &sealed.tag).unwrap();
                assert_eq!(*opened, pt);
            }
        }
    }
}
