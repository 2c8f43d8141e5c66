//! Published RFC vectors: RFC 7515 A.2/A.6/A.7, RFC 7516 A.1–A.5, RFC 7518 B.1,
//! RFC 7638, RFC 3394 and the RFC 7520 cookbook cases whose algorithms are in scope.
//! Read from `../shared/vectors`; each test skips with a notice when it is absent.
#![allow(clippy::unwrap_used)]

mod common;

use kv_jose::hazmat;
use kv_jose::{
    CryptoProvider, EncAlg, Error, Jwe, JweHeader, Jws, KeyAlg, OctKey, RsaPrivateKey, SigAlg, b64,
};
use serde_json::Value;

use common::{bytes_of, hex_of, jwk_of, load_shared, str_of};

const ALL_ALGS: &[KeyAlg] = KeyAlg::ALL;
const ALL_ENCS: &[EncAlg] = EncAlg::ALL;

#[test]
fn rfc7515_a2_reproduces_the_exact_rs256_signature() {
    let Some(v) = load_shared("rfc7515_a2_rs256.json") else {
        return;
    };
    for provider in CryptoProvider::all() {
        let a2 = &v["A.2"];
        let key = RsaPrivateKey::from_jwk_with(&jwk_of(&a2["jwk"]), provider).unwrap();
        let signing_input = str_of(a2, "signing_input");
        let signature = key.sign(SigAlg::Rs256, signing_input.as_bytes()).unwrap();
        assert_eq!(b64::encode(&signature), str_of(a2, "signature_b64u"));

        let jws = Jws::parse_compact(str_of(a2, "compact")).unwrap();
        assert_eq!(jws.protected(), str_of(a2, "protected_header_b64u"));
        let verified = jws.verify(key.public(), &[SigAlg::Rs256]).unwrap();
        assert_eq!(verified.payload(), bytes_of(a2, "payload_octets_decimal"));

        // A.6 general JSON: the RS256 signature verifies; the ES256 one is out of scope
        // and is skipped, not an error.
        let general = Jws::parse_json(v["A.6_general_json"].to_string().as_bytes()).unwrap();
        assert_eq!(general.unverified_headers().count(), 1);
        assert!(general.verify(key.public(), &[SigAlg::Rs256]).is_ok());
        // A.7 flattened JSON is ES256 only: unsupported.
        let flat = Jws::parse_flattened(v["A.7_flattened_json"].to_string().as_bytes());
        assert!(matches!(flat, Err(Error::Unsupported { .. })));
    }
}

#[test]
fn rfc7516_appendix_a_decrypts_and_a3_reencrypts_byte_exactly() {
    let Some(v) = load_shared("rfc7516_a3_a128kw_a128cbc_hs256.json") else {
        return;
    };
    for provider in CryptoProvider::all() {
        let a1 = &v["A.1_RSA-OAEP_A256GCM"];
        let a2 = &v["A.2_RSA1_5_A128CBC-HS256"];
        let a3 = &v["A.3_A128KW_A128CBC-HS256"];
        let rsa_a1 = RsaPrivateKey::from_jwk_with(&jwk_of(&a1["jwk"]), provider).unwrap();
        let rsa_a2 = RsaPrivateKey::from_jwk_with(&jwk_of(&a2["jwk"]), provider).unwrap();
        let oct_a3 = OctKey::from_jwk(&jwk_of(&a3["jwk"])).unwrap();

        for (case, key) in [
            (a1, kv_jose::DecryptionKey::Rsa(&rsa_a1)),
            (a2, kv_jose::DecryptionKey::Rsa(&rsa_a2)),
            (a3, kv_jose::DecryptionKey::Oct(&oct_a3)),
        ] {
            let jwe = Jwe::parse_compact(str_of(case, "compact")).unwrap();
            let plain = jwe.decrypt(key, ALL_ALGS, ALL_ENCS).unwrap();
            assert_eq!(&plain[..], str_of(case, "plaintext").as_bytes());
        }

        // A.3 is deterministic (AES key wrap): with the RFC's CEK and IV we produce the
        // RFC's compact serialization exactly.
        let again = Jwe::encrypt_with_cek(
            str_of(a3, "plaintext").as_bytes(),
            &JweHeader::new(KeyAlg::A128Kw, EncAlg::A128CbcHs256),
            &oct_a3,
            &bytes_of(a3, "cek_octets_decimal"),
            &bytes_of(a3, "iv_octets_decimal"),
        )
        .unwrap();
        assert_eq!(again.to_compact().unwrap(), str_of(a3, "compact"));

        // A.4 general JSON: either recipient's key decrypts.
        let general = Jwe::parse_json(v["A.4_general_json"]["jwe"].to_string().as_bytes()).unwrap();
        assert_eq!(general.headers().count(), 2);
        for key in [
            kv_jose::DecryptionKey::Rsa(&rsa_a2),
            kv_jose::DecryptionKey::Oct(&oct_a3),
        ] {
            assert_eq!(
                &general.decrypt(key, ALL_ALGS, ALL_ENCS).unwrap()[..],
                b"Live long and prosper."
            );
        }
        // A.5 flattened JSON.
        let flat =
            Jwe::parse_flattened(v["A.5_flattened_json"]["jwe"].to_string().as_bytes()).unwrap();
        assert_eq!(
            &flat.decrypt(&oct_a3, ALL_ALGS, ALL_ENCS).unwrap()[..],
            b"Live long and prosper."
        );
        assert!(!flat.is_fully_protected(), "A.5 has unprotected headers");
    }
}

#[test]
fn rfc7518_b1_reproduces_ciphertext_and_tag() {
    let Some(v) = load_shared("rfc7518_b1_aes128cbc_hs256.json") else {
        return;
    };
    let (ct, tag) = hazmat::content_seal(
        EncAlg::A128CbcHs256,
        &hex_of(&v, "K"),
        &hex_of(&v, "IV"),
        &hex_of(&v, "A"),
        &hex_of(&v, "P"),
    )
    .unwrap();
    assert_eq!(ct, hex_of(&v, "E"));
    assert_eq!(tag, hex_of(&v, "T"));
    let plain = hazmat::content_open(
        EncAlg::A128CbcHs256,
        &hex_of(&v, "K"),
        &hex_of(&v, "IV"),
        &hex_of(&v, "A"),
        &ct,
        &tag,
    )
    .unwrap();
    assert_eq!(&plain[..], hex_of(&v, "P"));
}

#[test]
fn rfc7638_reproduces_the_thumbprint() {
    let Some(v) = load_shared("rfc7638_thumbprint.json") else {
        return;
    };
    assert_eq!(
        jwk_of(&v["jwk"]).thumbprint_sha256().unwrap(),
        str_of(&v, "thumbprint_sha256_b64u")
    );
}

#[test]
fn rfc3394_all_key_wrap_vectors() {
    let Some(v) = load_shared("rfc3394_aeskw.json") else {
        return;
    };
    let vectors = v["vectors"].as_array().unwrap();
    for t in vectors {
        let (kek, data, ct) = (
            hex_of(t, "KEK"),
            hex_of(t, "KeyData"),
            hex_of(t, "Ciphertext"),
        );
        assert_eq!(
            hazmat::aes_key_wrap(&kek, &data).unwrap(),
            ct,
            "RFC 3394 §{}",
            t["section"]
        );
        assert_eq!(
            &hazmat::aes_key_unwrap(&kek, &ct).unwrap()[..],
            data,
            "RFC 3394 §{}",
            t["section"]
        );
        let mut bad = ct.clone();
        bad[0] ^= 1;
        assert_eq!(
            hazmat::aes_key_unwrap(&kek, &bad).unwrap_err(),
            Error::Decrypt
        );
    }
    println!(
        "rfc3394_aeskw.json: {} of {} vectors reproduced",
        vectors.len(),
        vectors.len()
    );
}

/// The cookbook's entries, read once per test; `entry["5.1"]["data"]` is a case.
fn cookbook() -> Option<Value> {
    Some(load_shared("rfc7520_vectors.json")?["entries"].take())
}

/// Every serialization the cookbook gives for a JWE case, decrypted with `key`.
fn decrypt_all_forms(case: &Value, key: kv_jose::DecryptionKey<'_>) -> usize {
    let plaintext = str_of(&case["input"], "plaintext").as_bytes().to_vec();
    let out = &case["output"];
    let mut forms = 0;
    if let Some(compact) = out["compact"].as_str() {
        assert_eq!(
            &Jwe::parse_compact(compact)
                .unwrap()
                .decrypt(key, ALL_ALGS, ALL_ENCS)
                .unwrap()[..],
            plaintext
        );
        forms += 1;
    }
    for member in ["json", "json_flat"] {
        if out[member].is_object() {
            let jwe = Jwe::parse_json(out[member].to_string().as_bytes()).unwrap();
            assert_eq!(
                &jwe.decrypt(key, ALL_ALGS, ALL_ENCS).unwrap()[..],
                plaintext,
                "{member}"
            );
            forms += 1;
        }
    }
    forms
}

#[test]
fn rfc7520_cookbook_jwk_and_jws_cases() {
    let Some(v) = load_shared("rfc7520_vectors.json") else {
        return;
    };
    for provider in CryptoProvider::all() {
        let e = &v["entries"];
        let public =
            kv_jose::RsaPublicKey::from_jwk_with(&jwk_of(&e["3.3"]["data"]), provider).unwrap();
        let private = RsaPrivateKey::from_jwk_with(&jwk_of(&e["3.4"]["data"]), provider).unwrap();
        assert_eq!(private.public(), &public, "3.3 is the public half of 3.4");
        assert!(OctKey::from_jwk(&jwk_of(&e["3.6"]["data"])).is_ok());

        // 4.1 RS256: every serialization verifies and the signature is reproduced exactly.
        let c41 = &e["4.1"]["data"];
        let compact = str_of(&c41["output"], "compact");
        let jws = Jws::parse_compact(compact).unwrap();
        let verified = jws.verify(&public, &[SigAlg::Rs256]).unwrap();
        assert_eq!(
            verified.payload(),
            str_of(&c41["input"], "payload").as_bytes()
        );
        let (input, sig) = compact.rsplit_once('.').unwrap();
        assert_eq!(
            b64::encode(&private.sign(SigAlg::Rs256, input.as_bytes()).unwrap()),
            sig
        );
        for member in ["json", "json_flat"] {
            let jws = Jws::parse_json(c41["output"][member].to_string().as_bytes()).unwrap();
            assert!(
                jws.verify(&public, &[SigAlg::Rs256]).is_ok(),
                "4.1 {member}"
            );
        }
        // 4.8 multiple signatures: the RS256 one verifies; ES512 and HS256 are skipped.
        let c48 = &e["4.8"]["data"];
        let jws = Jws::parse_json(c48["output"]["json"].to_string().as_bytes()).unwrap();
        assert_eq!(jws.unverified_headers().count(), 1);
        assert!(jws.verify(&public, &[SigAlg::Rs256]).is_ok());
    }
}

#[test]
fn rfc7520_cookbook_jwe_cases_in_scope_decrypt() {
    let Some(entries) = cookbook() else { return };
    let case = |entry: &str| &entries[entry]["data"];
    for provider in CryptoProvider::all() {
        let rsa = |c: &Value| {
            RsaPrivateKey::from_jwk_with(&jwk_of(&c["input"]["key"]), provider).unwrap()
        };
        let oct = |c: &Value| OctKey::from_jwk(&jwk_of(&c["input"]["key"])).unwrap();
        let mut counts = Vec::new();
        let k = rsa(case("5.1"));
        counts.push((
            "5.1 RSA1_5 + A128CBC-HS256",
            decrypt_all_forms(case("5.1"), (&k).into()),
        ));
        let k = rsa(case("5.2"));
        counts.push((
            "5.2 RSA-OAEP + A256GCM",
            decrypt_all_forms(case("5.2"), (&k).into()),
        ));
        for (entry, name) in [
            ("5.8", "5.8 A128KW + A128GCM"),
            ("5.10", "5.10 with aad"),
            ("5.11", "5.11 unprotected header fields"),
            ("5.12", "5.12 content only"),
        ] {
            let c = case(entry);
            let k = oct(c);
            counts.push((name, decrypt_all_forms(c, (&k).into())));
        }
        // 5.13: three recipients; only RSA1_5 is in scope, and its key decrypts.
        let c513 = case("5.13");
        let keys = c513["input"]["key"].as_array().unwrap();
        let k = RsaPrivateKey::from_jwk_with(&jwk_of(&keys[0]), provider).unwrap();
        let jwe = Jwe::parse_json(c513["output"]["json"].to_string().as_bytes()).unwrap();
        assert_eq!(
            jwe.headers().count(),
            1,
            "the ECDH-ES and A256GCMKW recipients are skipped"
        );
        assert_eq!(
            &jwe.decrypt(&k, ALL_ALGS, ALL_ENCS).unwrap()[..],
            str_of(&c513["input"], "plaintext").as_bytes()
        );
        counts.push(("5.13 multiple recipients (RSA1_5 one)", 1));
        for (name, n) in &counts {
            println!("rfc7520 {name}: {n} serializations decrypted");
            assert!(*n > 0);
        }
    }
}

#[test]
fn rfc7520_cookbook_cases_out_of_scope_are_refused_clearly() {
    let Some(entries) = cookbook() else { return };
    let case = |entry: &str| &entries[entry]["data"];
    for (entry, expect) in [("5.3", "PBES2"), ("5.7", "A256GCMKW")] {
        let c = case(entry);
        let err = Jwe::parse_compact(str_of(&c["output"], "compact")).unwrap_err();
        assert!(
            matches!(&err, Error::Unsupported { name, .. } if name.contains(expect)),
            "{entry}: {err:?}"
        );
    }
    // 5.9 compresses before encrypting: `zip` is refused on principle.
    let c59 = case("5.9");
    let err = Jwe::parse_compact(str_of(&c59["output"], "compact")).unwrap_err();
    assert_eq!(err, Error::ForbiddenHeader { name: "zip" });
}
