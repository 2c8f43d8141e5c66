//! Adversarial tests of the client's unprotect path: every field of a protected
//! answer is tampered with, and each fault has its own typed error.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use kv_auth::{AccessToken, MessageKeys, PopKey};
use kv_jose::test_keys::{rsa_2048_a, rsa_2048_b, rsa_2048_c};
use kv_jose::{EncAlg, Jwe, JweHeader, Jws, JwsHeader, KeyAlg, RsaPrivateKey, SigAlg, b64};
use serde_json::Value;

use super::*;

const SIGNING_KID: &str = "vault-signing";
const ENCRYPTION_KID: &str = "vault-encryption";
const REK_KID: &str = "rek-1";

/// Vault signing key A, vault encryption key B, response key C, PoP key A.
fn setup() -> (Protector, ResponseContext) {
    let keys = Arc::new(MessageKeys::new(
        rsa_2048_a().public().clone(),
        SIGNING_KID,
        rsa_2048_b().public().clone(),
        ENCRYPTION_KID,
    ));
    let rek = Arc::new(ResponseKey::from_key(REK_KID, clone_key(&rsa_2048_c())));
    let protector = Protector::new(keys);
    let (_, ctx) = protector
        .protect(
            br#"{"alg":"RSA-OAEP","value":"AQAB"}"#,
            &pop_token(),
            rek,
            1,
        )
        .unwrap();
    (protector, ctx)
}

fn clone_key(k: &RsaPrivateKey) -> RsaPrivateKey {
    RsaPrivateKey::from_jwk(&k.to_private_jwk()).unwrap()
}

fn pop_token() -> AccessToken {
    AccessToken::pop(
        "the-access-token",
        SystemTime::now() + Duration::from_secs(3600),
        Arc::new(PopKey::from_key("pop-1", rsa_2048_a())),
    )
}

/// How the test vault builds an answer; each knob is one way to tamper with it.
struct Answer {
    content_type: &'static str,
    jws_alg: SigAlg,
    jws_kid: Option<&'static str>,
    signer: Arc<RsaPrivateKey>,
    jwe_kid: &'static str,
    jwe_alg: KeyAlg,
    jwe_enc: EncAlg,
    recipient: Arc<RsaPrivateKey>,
    plaintext: &'static [u8],
}

impl Default for Answer {
    fn default() -> Self {
        Answer {
            content_type: "application/jose+json; charset=utf-8",
            jws_alg: SigAlg::Rs256,
            jws_kid: Some(SIGNING_KID),
            signer: rsa_2048_a(),
            jwe_kid: REK_KID,
            jwe_alg: KeyAlg::RsaOaep,
            jwe_enc: EncAlg::A128CbcHs256,
            recipient: rsa_2048_c(),
            plaintext: br#"{"kid":"k","value":"AQAB"}"#,
        }
    }
}

impl Answer {
    fn jwe(&self) -> Jwe {
        Jwe::encrypt(
            self.plaintext,
            &JweHeader::new(self.jwe_alg, self.jwe_enc).with_kid(self.jwe_kid),
            self.recipient.public(),
        )
        .unwrap()
    }

    fn body(&self) -> String {
        let mut header = JwsHeader::new(self.jws_alg).with_param("ts", 1.into());
        if let Some(kid) = self.jws_kid {
            header = header.with_kid(kid);
        }
        Jws::sign(&header, self.jwe().to_json().as_bytes(), &self.signer)
            .unwrap()
            .to_json()
    }

    fn response(&self) -> http::Response<Vec<u8>> {
        response(self.content_type, self.body())
    }
}

fn response(content_type: &str, body: String) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .header("content-type", content_type)
        .body(body.into_bytes())
        .unwrap()
}

/// Rewrites one member of the flattened JWS JSON.
fn edit_member(body: &str, member: &str, f: impl FnOnce(&str) -> String) -> String {
    let mut v: Value = serde_json::from_str(body).unwrap();
    let old = v[member].as_str().unwrap().to_string();
    v[member] = Value::String(f(&old));
    v.to_string()
}

fn flip_b64(s: &str, index: usize) -> String {
    let mut bytes = b64::decode("t", s).unwrap();
    bytes[index] ^= 0x01;
    b64::encode(&bytes)
}

#[test]
fn a_well_formed_answer_is_read() {
    let (_, ctx) = setup();
    let plain = ctx.unprotect(&Answer::default().response()).unwrap();
    assert_eq!(plain, br#"{"kid":"k","value":"AQAB"}"#);
}

#[test]
fn the_request_is_a_signed_jws_around_a_jwe_carrying_rek() {
    let (protector, _) = setup();
    let rek = Arc::new(ResponseKey::from_key(REK_KID, clone_key(&rsa_2048_c())));
    let (body, _) = protector
        .protect(
            br#"{"alg":"RSA-OAEP","value":"AQAB"}"#,
            &pop_token(),
            rek,
            1_700_000_000,
        )
        .unwrap();
    let jws = Jws::parse_flattened(&body).unwrap();
    let verified = jws.verify(rsa_2048_a().public(), &[SigAlg::Rs256]).unwrap();
    let h = verified.header();
    assert_eq!((h.kid(), h.typ()), (Some("pop-1"), Some("PoP")));
    assert_eq!(
        h.param("at"),
        Some(&Value::String("the-access-token".into()))
    );
    assert_eq!(h.param("ts"), Some(&Value::from(1_700_000_000u64)));
    let jwe = Jwe::parse_flattened(verified.payload()).unwrap();
    assert_eq!(jwe.header().kid(), Some(ENCRYPTION_KID));
    let inner: Value = serde_json::from_slice(
        &jwe.decrypt(&rsa_2048_b(), &[KeyAlg::RsaOaep], &[EncAlg::A128CbcHs256])
            .unwrap(),
    )
    .unwrap();
    assert_eq!(inner["alg"], "RSA-OAEP");
    assert_eq!(inner["rek"]["jwk"]["kid"], REK_KID);
    assert!(
        inner["rek"]["jwk"].get("d").is_none(),
        "only the public rek is sent"
    );
}

#[test]
fn plain_json_content_type_is_refused() {
    let (_, ctx) = setup();
    let a = Answer {
        content_type: "application/json",
        ..Answer::default()
    };
    assert!(matches!(
        ctx.unprotect(&a.response()),
        Err(ProtectionError::NotProtected { .. })
    ));
    // A plain JSON body, as a downgrading vault would send it.
    let plain = response("application/json", r#"{"kid":"k","value":"AQAB"}"#.into());
    assert!(matches!(
        ctx.unprotect(&plain),
        Err(ProtectionError::NotProtected { .. })
    ));
    let missing = http::Response::builder()
        .status(200)
        .body(b"{}".to_vec())
        .unwrap();
    assert!(matches!(
        ctx.unprotect(&missing),
        Err(ProtectionError::NotProtected { .. })
    ));
}

/// The media type is compared whole: `application/jose+json` inside another type's
/// parameters is not protection; case and parameters of the right type are fine.
#[test]
fn the_content_type_is_matched_as_a_media_type_not_a_substring() {
    let (_, ctx) = setup();
    for smuggled in [
        "text/plain; x=application/jose+json",
        "application/jose+json-not",
    ] {
        let a = Answer {
            content_type: smuggled,
            ..Answer::default()
        };
        assert!(
            matches!(
                ctx.unprotect(&a.response()),
                Err(ProtectionError::NotProtected { .. })
            ),
            "{smuggled}"
        );
    }
    let a = Answer {
        content_type: "Application/JOSE+JSON ; charset=utf-8",
        ..Answer::default()
    };
    assert!(ctx.unprotect(&a.response()).is_ok());
}

#[test]
fn flipped_signature_byte_is_bad_signature() {
    let (_, ctx) = setup();
    let body = Answer::default().body();
    for index in [0, 100, 255] {
        let tampered = edit_member(&body, "signature", |s| flip_b64(s, index));
        let err = ctx
            .unprotect(&response("application/jose+json", tampered))
            .unwrap_err();
        assert!(
            matches!(err, ProtectionError::BadSignature),
            "{index}: {err:?}"
        );
    }
}

#[test]
fn tampered_payload_is_bad_signature_not_decrypt() {
    let (_, ctx) = setup();
    let body = Answer::default().body();
    let tampered = edit_member(&body, "payload", |s| flip_b64(s, 40));
    assert!(matches!(
        ctx.unprotect(&response("application/jose+json", tampered)),
        Err(ProtectionError::BadSignature)
    ));
}

#[test]
fn other_jws_kid_is_signing_kid_mismatch() {
    let (_, ctx) = setup();
    for kid in [Some("someone-else"), None] {
        let a = Answer {
            jws_kid: kid,
            ..Answer::default()
        };
        let err = ctx.unprotect(&a.response()).unwrap_err();
        assert!(
            matches!(err, ProtectionError::SigningKidMismatch { .. }),
            "{kid:?}: {err:?}"
        );
    }
}

#[test]
fn right_kid_wrong_signer_is_bad_signature() {
    let (_, ctx) = setup();
    let a = Answer {
        signer: rsa_2048_b(),
        ..Answer::default()
    };
    assert!(matches!(
        ctx.unprotect(&a.response()),
        Err(ProtectionError::BadSignature)
    ));
}

#[test]
fn other_jws_algs_are_refused() {
    let (_, ctx) = setup();
    for alg in [SigAlg::Ps256, SigAlg::Rs512] {
        let a = Answer {
            jws_alg: alg,
            ..Answer::default()
        };
        let err = ctx.unprotect(&a.response()).unwrap_err();
        assert!(
            matches!(
                err,
                ProtectionError::UnexpectedAlgorithm {
                    what: "JWS alg",
                    ..
                }
            ),
            "{err:?}"
        );
    }
}

#[test]
fn an_answer_encrypted_to_another_rek_is_refused_as_a_replay() {
    let (_, ctx) = setup();
    // An older answer, validly signed by the vault, but for another request's key.
    let a = Answer {
        jwe_kid: "rek-of-an-earlier-request",
        ..Answer::default()
    };
    assert!(matches!(
        ctx.unprotect(&a.response()),
        Err(ProtectionError::EncryptionKidMismatch { .. })
    ));
}

#[test]
fn other_jwe_algorithms_are_refused() {
    let (_, ctx) = setup();
    let a = Answer {
        jwe_alg: KeyAlg::Rsa1_5,
        ..Answer::default()
    };
    assert!(matches!(
        ctx.unprotect(&a.response()),
        Err(ProtectionError::UnexpectedAlgorithm {
            what: "JWE alg",
            ..
        })
    ));
    let a = Answer {
        jwe_enc: EncAlg::A256CbcHs512,
        ..Answer::default()
    };
    assert!(matches!(
        ctx.unprotect(&a.response()),
        Err(ProtectionError::UnexpectedAlgorithm {
            what: "JWE enc",
            ..
        })
    ));
}

#[test]
fn right_kid_wrong_recipient_key_fails_to_decrypt() {
    let (_, ctx) = setup();
    let a = Answer {
        recipient: rsa_2048_b(),
        ..Answer::default()
    };
    assert!(matches!(
        ctx.unprotect(&a.response()),
        Err(ProtectionError::Decrypt)
    ));
}

#[test]
fn a_tampered_jwe_inside_a_valid_signature_fails_at_the_tag() {
    let (_, ctx) = setup();
    // The vault's key signs a JWE whose tag was altered before signing.
    let a = Answer::default();
    let jwe_json = edit_member(&a.jwe().to_json(), "tag", |s| flip_b64(s, 0));
    let jws = Jws::sign(
        &JwsHeader::new(SigAlg::Rs256).with_kid(SIGNING_KID),
        jwe_json.as_bytes(),
        &rsa_2048_a(),
    )
    .unwrap();
    assert!(matches!(
        ctx.unprotect(&response("application/jose+json", jws.to_json())),
        Err(ProtectionError::Decrypt)
    ));
}

#[test]
fn truncated_padded_and_oversized_bodies_are_malformed() {
    let (_, ctx) = setup();
    let body = Answer::default().body();
    let cases = [
        body[..body.len() / 2].to_string(),
        String::new(),
        "null".into(),
        edit_member(&body, "signature", |s| format!("{s}=")),
        edit_member(&body, "protected", |s| format!("{s} ")),
        format!(
            "{{\"pad\":\"{}\",{}",
            "x".repeat(kv_jose::MAX_SERIALIZED_LEN),
            &body[1..]
        ),
        "[".repeat(10_000),
    ];
    for (i, b) in cases.into_iter().enumerate() {
        let err = ctx
            .unprotect(&response("application/jose+json", b))
            .unwrap_err();
        assert!(
            matches!(err, ProtectionError::Malformed(_)),
            "case {i}: {err:?}"
        );
    }
}

#[test]
fn a_token_without_pop_key_cannot_protect() {
    let (protector, _) = setup();
    let bearer = AccessToken::bearer("t", SystemTime::now());
    let rek = Arc::new(ResponseKey::from_key(REK_KID, clone_key(&rsa_2048_c())));
    assert!(matches!(
        protector.protect(b"{}", &bearer, rek, 1),
        Err(ProtectionError::NoPopKey)
    ));
}

#[test]
fn a_kid_smuggled_into_an_unprotected_header_is_refused() {
    let (_, ctx) = setup();
    // Signed without a kid; the kid is then added outside the signature's cover.
    let a = Answer {
        jws_kid: None,
        ..Answer::default()
    };
    let mut v: Value = serde_json::from_str(&a.body()).unwrap();
    v["header"] = serde_json::json!({ "kid": SIGNING_KID });
    let err = ctx
        .unprotect(&response("application/jose+json", v.to_string()))
        .unwrap_err();
    assert!(
        matches!(err, ProtectionError::UnprotectedHeader("JWS")),
        "{err:?}"
    );
}
