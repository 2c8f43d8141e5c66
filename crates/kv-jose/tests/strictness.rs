//! Each strictness rule of kv-jose as its own test, named after the fault it stops.
#![allow(clippy::unwrap_used)]

use kv_jose::test_keys::{rsa_2048_a, rsa_2048_b};
use kv_jose::{
    EncAlg, Error, Jwe, JweHeader, Jwk, Jws, JwsHeader, KeyAlg, OctKey, RsaPrivateKey, SigAlg, b64,
};
use serde_json::{Value, json};

fn compact_jws(header: &Value, payload: &[u8], key: &RsaPrivateKey) -> String {
    let protected = b64::encode(header.to_string().as_bytes());
    let payload = b64::encode(payload);
    let sig = key
        .sign(SigAlg::Rs256, format!("{protected}.{payload}").as_bytes())
        .unwrap();
    format!("{protected}.{payload}.{}", b64::encode(&sig))
}

#[test]
fn alg_none_is_refused_even_with_an_empty_signature() {
    let protected = b64::encode(br#"{"alg":"none"}"#);
    let err = Jws::parse_compact(&format!("{protected}.{}.", b64::encode(b"x"))).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unsupported {
                what: "JWS alg",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn hs256_with_the_public_key_as_secret_is_refused() {
    // The classic algorithm-confusion forgery: HMAC keyed with the RSA public key.
    let protected = b64::encode(br#"{"alg":"HS256"}"#);
    let err = Jws::parse_compact(&format!("{protected}.{}.AAAA", b64::encode(b"x"))).unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }));
}

#[test]
fn the_verifier_pins_the_algorithm_not_the_header() {
    let jws = Jws::sign(&JwsHeader::new(SigAlg::Ps256), b"x", &rsa_2048_a()).unwrap();
    let err = jws
        .verify(rsa_2048_a().public(), &[SigAlg::Rs256])
        .unwrap_err();
    assert_eq!(
        err,
        Error::NotAllowed {
            what: "JWS alg",
            name: "PS256"
        }
    );
}

#[test]
fn crit_is_refused_whatever_it_lists() {
    for crit in [json!(["exp"]), json!([]), json!("b64")] {
        let token = compact_jws(&json!({"alg": "RS256", "crit": crit}), b"x", &rsa_2048_a());
        assert_eq!(
            Jws::parse_compact(&token).unwrap_err(),
            Error::ForbiddenHeader { name: "crit" }
        );
    }
}

#[test]
fn zip_is_refused() {
    let jwe = Jwe::encrypt(
        b"x",
        &JweHeader::new(KeyAlg::RsaOaep, EncAlg::A128CbcHs256).with_param("zip", "DEF".into()),
        rsa_2048_a().public(),
    );
    // Encrypting with zip is possible to express; reading it back is not.
    let err = Jwe::parse_compact(&jwe.unwrap().to_compact().unwrap()).unwrap_err();
    assert_eq!(err, Error::ForbiddenHeader { name: "zip" });
}

#[test]
fn an_embedded_jwk_is_never_a_source_of_trust() {
    // Attacker key B signs and embeds its own public key; the verifier pins key A.
    let mut jwk = serde_json::to_value(rsa_2048_b().public().to_jwk()).unwrap();
    jwk["kid"] = "attacker".into();
    for (name, value) in [
        ("jwk", jwk),
        ("jku", json!("https://attacker.example/jwks")),
        ("x5u", json!("https://attacker.example/cert")),
        ("x5c", json!(["MIIB"])),
    ] {
        let token = compact_jws(
            &json!({"alg": "RS256", name: value}),
            b"forged",
            &rsa_2048_b(),
        );
        let jws = Jws::parse_compact(&token).unwrap();
        assert_eq!(
            jws.verify(rsa_2048_a().public(), &[SigAlg::Rs256])
                .unwrap_err(),
            Error::BadSignature,
            "{name}"
        );
    }
}

#[test]
fn duplicate_header_members_are_refused() {
    let protected = b64::encode(br#"{"alg":"RS256","alg":"PS256"}"#);
    let err = Jws::parse_compact(&format!("{protected}.eA.AAAA")).unwrap_err();
    assert!(matches!(err, Error::Malformed { .. }), "{err:?}");
}

#[test]
fn a_parameter_in_both_protected_and_unprotected_headers_is_refused() {
    let jws: Value = serde_json::from_str(
        &Jws::sign(
            &JwsHeader::new(SigAlg::Rs256).with_kid("a"),
            b"x",
            &rsa_2048_a(),
        )
        .unwrap()
        .to_json(),
    )
    .unwrap();
    let mut v = jws.clone();
    v["header"] = json!({"kid": "b"});
    assert!(matches!(
        Jws::parse_json(v.to_string().as_bytes()),
        Err(Error::Malformed { .. })
    ));
    let mut v = jws;
    v["header"] = json!({"alg": "PS256"});
    assert!(matches!(
        Jws::parse_json(v.to_string().as_bytes()),
        Err(Error::Malformed { .. })
    ));
}

#[test]
fn non_canonical_base64url_anywhere_is_refused() {
    let token = Jws::sign(&JwsHeader::new(SigAlg::Rs256), b"xy", &rsa_2048_a())
        .unwrap()
        .to_compact()
        .unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    for (i, bad) in [(0, "="), (1, "="), (2, "=")] {
        let mut p: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
        p[i].push_str(bad);
        let joined = p.join(".");
        let outcome = Jws::parse_compact(&joined).and_then(|j| {
            j.verify(rsa_2048_a().public(), &[SigAlg::Rs256])
                .map(|_| ())
        });
        // The payload text is signed, so padding it breaks the signature first.
        let expected = if i == 1 {
            Error::BadSignature
        } else {
            Error::Base64 { field: "protected" }
        };
        match outcome {
            Err(Error::Base64 { .. }) if i != 1 => {}
            Err(e) if i == 1 => assert_eq!(e, expected),
            other => panic!("part {i}: {other:?}"),
        }
    }
    // The payload "xy" encodes as "eHk"; "eHl" decodes to the same bytes only if
    // trailing bits were ignored.
    let mut p: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
    assert_eq!(p[1], "eHk");
    p[1] = "eHl".into();
    let outcome = Jws::parse_compact(&p.join("."))
        .unwrap()
        .verify(rsa_2048_a().public(), &[SigAlg::Rs256]);
    assert!(outcome.is_err());
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let big = "a".repeat(kv_jose::MAX_SERIALIZED_LEN + 1);
    assert!(matches!(
        Jws::parse_compact(&big),
        Err(Error::TooLarge { .. })
    ));
    assert!(matches!(
        Jwe::parse_compact(&big),
        Err(Error::TooLarge { .. })
    ));
    assert!(matches!(
        Jws::parse_json(big.as_bytes()),
        Err(Error::TooLarge { .. })
    ));
    assert!(matches!(
        Jwe::parse_json(big.as_bytes()),
        Err(Error::TooLarge { .. })
    ));
    let header = b64::encode(
        format!(
            r#"{{"alg":"RS256","x":"{}"}}"#,
            "y".repeat(kv_jose::MAX_HEADER_LEN)
        )
        .as_bytes(),
    );
    assert!(matches!(
        Jws::parse_compact(&format!("{header}.eA.AAAA")),
        Err(Error::TooLarge { .. })
    ));
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(Jws::parse_json(nested.as_bytes()).is_err());
    let header = b64::encode(
        format!(
            r#"{{"alg":"RS256","x":{}{}}}"#,
            "[".repeat(5_000),
            "]".repeat(5_000)
        )
        .as_bytes(),
    );
    assert!(Jws::parse_compact(&format!("{header}.eA.AAAA")).is_err());
}

#[test]
fn every_key_unwrap_failure_is_the_same_opaque_error() {
    let header = |alg| JweHeader::new(alg, EncAlg::A128CbcHs256);
    for provider in kv_jose::CryptoProvider::all() {
        let key = rsa_2048_a().with_provider(provider).unwrap();
        for alg in [KeyAlg::RsaOaep, KeyAlg::RsaOaep256, KeyAlg::Rsa1_5] {
            let jwe = Jwe::encrypt(b"plaintext", &header(alg), key.public()).unwrap();
            let mut v: Value = serde_json::from_str(&jwe.to_json()).unwrap();
            // A ciphertext for another key, garbage, a truncated key, a wrong tag.
            let other = Jwe::encrypt(b"plaintext", &header(alg), rsa_2048_b().public()).unwrap();
            let other_ek: Value = serde_json::from_str(&other.to_json()).unwrap();
            let variants = [
                ("encrypted_key", other_ek["encrypted_key"].clone()),
                ("encrypted_key", b64::encode(&[0x42; 256]).into()),
                ("encrypted_key", b64::encode(&[0x42; 16]).into()),
                ("tag", b64::encode(&[0; 16]).into()),
            ];
            for (member, value) in variants {
                let saved = v[member].clone();
                v[member] = value;
                let err = Jwe::parse_json(v.to_string().as_bytes())
                    .unwrap()
                    .decrypt(&key, KeyAlg::ALL, EncAlg::ALL)
                    .unwrap_err();
                assert_eq!(err, Error::Decrypt, "{} {alg} {member}", provider.name());
                v[member] = saved;
            }
        }
    }
    let kek = OctKey::new(vec![7; 16]);
    let jwe = Jwe::encrypt(
        b"plaintext",
        &JweHeader::new(KeyAlg::A128Kw, EncAlg::A128Gcm),
        &kek,
    )
    .unwrap();
    let err = jwe
        .decrypt(&OctKey::new(vec![8; 16]), KeyAlg::ALL, EncAlg::ALL)
        .unwrap_err();
    assert_eq!(err, Error::Decrypt);
}

#[test]
fn dir_refuses_an_encrypted_key_and_wrong_key_lengths() {
    let key = OctKey::new(vec![1; 32]);
    let jwe = Jwe::encrypt(
        b"hi",
        &JweHeader::new(KeyAlg::Dir, EncAlg::A128CbcHs256),
        &key,
    )
    .unwrap();
    assert_eq!(
        &jwe.decrypt(&key, &[KeyAlg::Dir], EncAlg::ALL).unwrap()[..],
        b"hi"
    );
    let mut v: Value = serde_json::from_str(&jwe.to_json()).unwrap();
    v["encrypted_key"] = "AAAA".into();
    let tampered = Jwe::parse_json(v.to_string().as_bytes()).unwrap();
    assert_eq!(
        tampered
            .decrypt(&key, &[KeyAlg::Dir], EncAlg::ALL)
            .unwrap_err(),
        Error::Decrypt
    );
    assert!(matches!(
        Jwe::encrypt(
            b"hi",
            &JweHeader::new(KeyAlg::Dir, EncAlg::A128CbcHs256),
            &OctKey::new(vec![1; 16])
        ),
        Err(Error::InvalidKey(_))
    ));
}

#[test]
fn disallowed_content_encryption_is_refused_before_any_crypto() {
    let jwe = Jwe::encrypt(
        b"x",
        &JweHeader::new(KeyAlg::RsaOaep, EncAlg::A256Gcm),
        rsa_2048_a().public(),
    )
    .unwrap();
    let err = jwe
        .decrypt(&*rsa_2048_a(), &[KeyAlg::RsaOaep], &[EncAlg::A128CbcHs256])
        .unwrap_err();
    assert_eq!(
        err,
        Error::NotAllowed {
            what: "JWE enc",
            name: "A256GCM"
        }
    );
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let key = rsa_2048_a();
    let jwk = key.to_private_jwk();
    let d = b64::encode(jwk.d.as_ref().unwrap().expose_secret());
    let oct = OctKey::new(b"super-secret-key-material".to_vec());
    let header = JwsHeader::new(SigAlg::Rs256).with_param("at", "the-access-token".into());
    let jws = Jws::sign(&header, b"payload-secret", &key).unwrap();
    let everything = format!(
        "{key:?} {jwk:?} {oct:?} {header:?} {jws:?} {:?}",
        jws.verify(key.public(), &[SigAlg::Rs256]).unwrap()
    );
    for secret in [
        &d[..20],
        "super-secret",
        "the-access-token",
        "payload-secret",
    ] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked: {everything}"
        );
    }
    // Private JWK members are not serialized by Debug either.
    let parsed = Jwk::from_json(jwk.to_json().as_bytes()).unwrap();
    assert!(!format!("{parsed:?}").contains(&d[..20]));
}

#[test]
fn error_messages_never_echo_input_values() {
    let token = "eyJzZWNyZXQiOiJ0b2tlbiJ9";
    let errors = [
        Jws::parse_json(
            format!(r#"{{"payload":"x","protected":123,"signature":"{token}"}}"#).as_bytes(),
        )
        .unwrap_err(),
        Jws::parse_json(br#"{"payload":"x","protected":"not base64!","signature":""}"#)
            .unwrap_err(),
        Jwk::from_json(br#"{"kty":"RSA","n":"the-secret-value="}"#).unwrap_err(),
    ];
    for e in errors {
        let text = e.to_string();
        assert!(
            !text.contains(token)
                && !text.contains("the-secret-value")
                && !text.contains("not base64"),
            "{text}"
        );
    }
}

/// A private JWK is sized by its public half before its private members are checked
/// (that check costs modular arithmetic on the modulus, so an oversized one would be
/// paid for first).
#[test]
fn an_oversized_private_jwk_is_refused_by_its_size_first() {
    let mut jwk = rsa_2048_a().to_private_jwk();
    // 8200 bits: over the limit, and no longer the key `d` and the primes belong to.
    let mut n = vec![0xff; 1025];
    n[1024] = 0x01;
    jwk.n = Some(n);
    assert_eq!(
        RsaPrivateKey::from_jwk(&jwk).unwrap_err(),
        Error::InvalidKey("RSA modulus must be 2048 to 8192 bits")
    );
}
