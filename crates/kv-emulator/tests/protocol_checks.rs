//! The vault side of PROTOCOL.md §3, rule by rule, driven through `Vault::handle`
//! without sockets. Protected requests are built here by hand from kv-jose, not by
//! kv-client, so the two sides stay independent.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::SystemTime;

use kv_emulator::{Emulator, Vault};
use kv_jose::test_keys::{rsa_2048_a, rsa_2048_b, rsa_2048_c};
use kv_jose::{EncAlg, Jwe, JweHeader, Jwk, Jws, JwsHeader, KeyAlg, RsaPrivateKey, SigAlg, b64};
use serde_json::{Value, json};

const BASE: &str = "http://127.0.0.1:9";
const TENANT: &str = "emulator.local";
const ID: &str = "checks-client";
const SECRET: &str = "checks-secret";

fn vault(protection: bool) -> Vault {
    Emulator::builder()
        .client(ID, SECRET)
        .message_keys(rsa_2048_a(), rsa_2048_b())
        .message_protection(protection)
        .into_vault(BASE)
        .unwrap()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn call(
    v: &Vault,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, http::HeaderMap, Vec<u8>) {
    let mut b = http::Request::builder()
        .method(method)
        .uri(format!("{BASE}{path}"));
    for (k, val) in headers {
        b = b.header(*k, *val);
    }
    let r = v.handle(b.body(body.to_vec()).unwrap());
    (r.status().as_u16(), r.headers().clone(), r.into_body())
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap()
}

fn error_code(body: &[u8]) -> String {
    json_of(body)["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Gets a token; with `pop` the token is bound to test key C as kid `pop-kid`.
fn token(v: &Vault, pop: bool) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "client_credentials")
        .append_pair("client_id", ID)
        .append_pair("client_secret", SECRET)
        .append_pair("resource", "https://vault.azure.net");
    if pop {
        let mut jwk = rsa_2048_c().public().to_jwk();
        jwk.kid = Some("pop-kid".into());
        form.append_pair("pop_jwk", &jwk.to_json());
    }
    let (status, _, body) = call(
        v,
        "POST",
        &format!("/{TENANT}/oauth2/token"),
        &[],
        form.finish().as_bytes(),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    json_of(&body)["access_token"].as_str().unwrap().to_string()
}

/// The vault's encryption kid and signing kid, from its challenge.
fn kids(v: &Vault) -> (String, String) {
    let (status, headers, _) = call(v, "GET", "/keys/x?api-version=7.4", &[], b"");
    assert_eq!(status, 401);
    let kid = |h: &str| Jwk::from_json(headers[h].as_bytes()).unwrap().kid.unwrap();
    (
        kid("x-ms-message-encryption-key"),
        kid("x-ms-message-signing-key"),
    )
}

/// Adds an RSA key `name` by importing a fixed test key (no key generation per test).
fn create_key(v: &Vault, bearer: &str, name: &str) {
    let body = json!({ "key": kv_jose::test_keys::rsa_2048_a_jwk() }).to_string();
    let (status, _, body) = call(
        v,
        "PUT",
        &format!("/keys/{name}?api-version=7.4"),
        &[
            ("authorization", bearer),
            ("content-type", "application/json"),
        ],
        body.as_bytes(),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
}

/// One protected request, field by field; each test changes one field.
struct Protected {
    at: Option<String>,
    jws_kid: Option<String>,
    signer: Arc<RsaPrivateKey>,
    ts: Value,
    jwe_kid: String,
    jwe_alg: KeyAlg,
    jwe_enc: EncAlg,
    rek: Option<Value>,
    inner: Value,
}

fn rek_jwk(kid: Option<&str>) -> Value {
    let mut jwk = rsa_2048_a().public().to_jwk();
    jwk.kid = kid.map(str::to_string);
    serde_json::to_value(jwk).unwrap()
}

impl Protected {
    fn new(token: &str, encryption_kid: &str) -> Self {
        Protected {
            at: Some(token.to_string()),
            jws_kid: Some("pop-kid".into()),
            signer: rsa_2048_c(),
            ts: now().into(),
            jwe_kid: encryption_kid.to_string(),
            jwe_alg: KeyAlg::RsaOaep,
            jwe_enc: EncAlg::A128CbcHs256,
            rek: Some(json!({"jwk": rek_jwk(Some("rek-kid"))})),
            inner: json!({"alg": "RSA-OAEP", "value": b64::encode(b"sixteen byte key")}),
        }
    }

    fn body(&self) -> Vec<u8> {
        let mut inner = self.inner.clone();
        if let Some(rek) = &self.rek {
            inner["rek"] = rek.clone();
        }
        let jwe = Jwe::encrypt(
            inner.to_string().as_bytes(),
            &JweHeader::new(self.jwe_alg, self.jwe_enc).with_kid(self.jwe_kid.clone()),
            rsa_2048_b().public(),
        )
        .unwrap();
        let mut header = JwsHeader::new(SigAlg::Rs256).with_typ("PoP");
        if !self.ts.is_null() {
            header = header.with_param("ts", self.ts.clone());
        }
        if let Some(at) = &self.at {
            header = header.with_param("at", at.clone().into());
        }
        if let Some(kid) = &self.jws_kid {
            header = header.with_kid(kid.clone());
        }
        Jws::sign(&header, jwe.to_json().as_bytes(), &self.signer)
            .unwrap()
            .to_json()
            .into_bytes()
    }
}

struct Fixture {
    vault: Vault,
    pop: String,
    bearer: String,
    encryption_kid: String,
    signing_kid: String,
}

fn fixture() -> Fixture {
    let vault = vault(true);
    let (encryption_kid, signing_kid) = kids(&vault);
    let bearer = token(&vault, false);
    let pop = token(&vault, true);
    create_key(&vault, &format!("Bearer {bearer}"), "k");
    Fixture {
        vault,
        pop,
        bearer,
        encryption_kid,
        signing_kid,
    }
}

fn send(f: &Fixture, token: &str, p: &Protected) -> (u16, http::HeaderMap, Vec<u8>) {
    post_jose_as(f, token, "/keys/k/wrapkey?api-version=7.4", &p.body())
}

/// Posts a protected body with `token` as the bearer.
fn post_jose_as(
    f: &Fixture,
    token: &str,
    path: &str,
    body: &[u8],
) -> (u16, http::HeaderMap, Vec<u8>) {
    call(
        &f.vault,
        "POST",
        path,
        &[
            ("authorization", &format!("Bearer {token}")),
            ("content-type", "application/jose+json"),
        ],
        body,
    )
}

/// Posts a protected body with the fixture's PoP token.
fn post_jose(f: &Fixture, path: &str, body: &[u8]) -> (u16, http::HeaderMap, Vec<u8>) {
    post_jose_as(f, &f.pop, path, body)
}

/// A well-formed protected wrap whose inner JWE was edited by `edit`, then signed
/// again with the PoP key: the signature is good, the JWE is what is tested.
fn resigned_with_jwe(f: &Fixture, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let body: Value = json_of(&Protected::new(&f.pop, &f.encryption_kid).body());
    let jwe_text = b64::decode("p", body["payload"].as_str().unwrap()).unwrap();
    let mut jwe: Value = json_of(&jwe_text);
    edit(&mut jwe);
    let header = JwsHeader::new(SigAlg::Rs256)
        .with_kid("pop-kid")
        .with_param("at", f.pop.clone().into())
        .with_param("ts", now().into());
    Jws::sign(&header, jwe.to_string().as_bytes(), &rsa_2048_c())
        .unwrap()
        .to_json()
        .into_bytes()
}

#[test]
fn a_well_formed_protected_wrap_is_answered_protected_to_rek() {
    let f = fixture();
    let (status, headers, body) = send(&f, &f.pop, &Protected::new(&f.pop, &f.encryption_kid));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/jose+json")
    );
    let jws = Jws::parse_flattened(&body).unwrap();
    assert_eq!(jws.unverified_header().kid(), Some(f.signing_kid.as_str()));
    let verified = jws.verify(rsa_2048_a().public(), &[SigAlg::Rs256]).unwrap();
    let jwe = Jwe::parse_flattened(verified.payload()).unwrap();
    assert_eq!(jwe.header().kid(), Some("rek-kid"));
    let answer = json_of(
        &jwe.decrypt(&rsa_2048_a(), &[KeyAlg::RsaOaep], &[EncAlg::A128CbcHs256])
            .unwrap(),
    );
    assert!(
        answer["kid"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{BASE}/keys/k/"))
    );
    assert_eq!(
        b64::decode("v", answer["value"].as_str().unwrap())
            .unwrap()
            .len(),
        256
    );
    assert_eq!(f.vault.stats().protected_requests, 1);
}

fn expect(f: &Fixture, token: &str, p: Protected, status: u16, code: &str, needle: &str) {
    let (got, _, body) = send(f, token, &p);
    let text = String::from_utf8_lossy(&body);
    assert_eq!((got, error_code(&body).as_str()), (status, code), "{text}");
    assert!(text.contains(needle), "{text} should mention {needle}");
}

#[test]
fn at_must_equal_the_bearer_token() {
    let f = fixture();
    let mut p = Protected::new(&f.pop, &f.encryption_kid);
    p.at = Some("another-token".into());
    expect(&f, &f.pop, p, 401, "Unauthorized", "`at`");
    let mut p = Protected::new(&f.pop, &f.encryption_kid);
    p.at = None;
    expect(&f, &f.pop, p, 401, "Unauthorized", "`at`");
}

#[test]
fn a_bearer_token_cannot_carry_a_protected_request() {
    let f = fixture();
    let p = Protected::new(&f.bearer, &f.encryption_kid);
    expect(&f, &f.bearer, p, 401, "Unauthorized", "proof-of-possession");
}

#[test]
fn the_jws_must_name_and_be_signed_by_the_bound_pop_key() {
    let f = fixture();
    let mut p = Protected::new(&f.pop, &f.encryption_kid);
    p.jws_kid = Some("other-kid".into());
    expect(&f, &f.pop, p, 401, "Unauthorized", "`kid`");
    let mut p = Protected::new(&f.pop, &f.encryption_kid);
    p.signer = rsa_2048_b();
    expect(&f, &f.pop, p, 401, "Unauthorized", "signature");
}

#[test]
fn ts_must_be_an_integer_within_five_minutes() {
    let f = fixture();
    for (ts, needle) in [
        (Value::from(now() - 301), "freshness"),
        (Value::from(now() + 301), "freshness"),
        (Value::from(0), "freshness"),
        (Value::from(now().to_string()), "integer"),
        (Value::Null, "integer"),
    ] {
        let mut p = Protected::new(&f.pop, &f.encryption_kid);
        p.ts = ts;
        expect(&f, &f.pop, p, 401, "Unauthorized", needle);
    }
    let mut p = Protected::new(&f.pop, &f.encryption_kid);
    p.ts = Value::from(now() - 290);
    assert_eq!(send(&f, &f.pop, &p).0, 200);
}

#[test]
fn a_ts_outside_the_protected_header_is_refused() {
    let f = fixture();
    // Replaying an old request with a fresh `ts` in an unprotected header, which the
    // signature does not cover.
    let mut p = Protected::new(&f.pop, &f.encryption_kid);
    p.ts = Value::Null;
    let mut body: Value = json_of(&p.body());
    body["header"] = json!({ "ts": now() });
    let (status, _, answer) = post_jose(
        &f,
        "/keys/k/wrapkey?api-version=7.4",
        body.to_string().as_bytes(),
    );
    assert_eq!(status, 401, "{}", String::from_utf8_lossy(&answer));
    assert!(String::from_utf8_lossy(&answer).contains("protected header"));
}

#[test]
fn the_jwe_must_name_the_vault_key_and_use_the_protocol_algorithms() {
    let f = fixture();
    let mut p = Protected::new(&f.pop, &f.encryption_kid);
    p.jwe_kid = "someone-elses-key".into();
    expect(&f, &f.pop, p, 400, "BadParameter", "`kid`");
    let mut p = Protected::new(&f.pop, &f.encryption_kid);
    p.jwe_enc = EncAlg::A256CbcHs512;
    expect(&f, &f.pop, p, 400, "BadParameter", "A128CBC-HS256");
    let mut p = Protected::new(&f.pop, &f.encryption_kid);
    p.jwe_alg = KeyAlg::Rsa1_5;
    expect(&f, &f.pop, p, 400, "BadParameter", "RSA-OAEP");
}

#[test]
fn a_tampered_jwe_under_a_valid_signature_fails_its_tag() {
    let f = fixture();
    // Re-sign a JWE whose ciphertext was altered: signature fine, tag wrong.
    let body = resigned_with_jwe(&f, |jwe| {
        let mut ct = b64::decode("c", jwe["ciphertext"].as_str().unwrap()).unwrap();
        ct[0] ^= 1;
        jwe["ciphertext"] = b64::encode(&ct).into();
    });
    let (status, _, answer) = post_jose(&f, "/keys/k/wrapkey?api-version=7.4", &body);
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&answer).contains("could not be decrypted"));
}

/// The JWE's AAD covers only its protected header: a parameter outside it (here `cty`
/// in the shared unprotected header) could be changed unnoticed.
#[test]
fn a_jwe_with_an_unprotected_header_is_refused() {
    let f = fixture();
    let body = resigned_with_jwe(&f, |jwe| jwe["unprotected"] = json!({"cty": "JSON"}));
    let (status, _, answer) = post_jose(&f, "/keys/k/wrapkey?api-version=7.4", &body);
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&answer));
    assert!(String::from_utf8_lossy(&answer).contains("protected header"));
}

#[test]
fn the_body_must_carry_a_usable_rek() {
    let f = fixture();
    for (rek, needle) in [
        (None, "`rek`"),
        (Some(json!({})), "`jwk`"),
        (Some(json!({"jwk": rek_jwk(None)})), "`kid`"),
        (
            Some(json!({"jwk": {"kty": "oct", "kid": "x", "k": "AAAA"}})),
            "RSA",
        ),
    ] {
        let mut p = Protected::new(&f.pop, &f.encryption_kid);
        p.rek = rek;
        expect(&f, &f.pop, p, 400, "BadParameter", needle);
    }
}

#[test]
fn garbage_instead_of_a_jws_is_a_bad_parameter() {
    let f = fixture();
    for body in [
        &b""[..],
        b"{}",
        b"not json",
        br#"{"protected":"e30","payload":"","signature":""}"#,
    ] {
        let (status, _, answer) = post_jose(&f, "/keys/k/wrapkey?api-version=7.4", body);
        assert_eq!(
            (status, error_code(&answer).as_str()),
            (400, "BadParameter")
        );
    }
}

#[test]
fn unauthenticated_calls_get_the_challenge_with_both_message_keys() {
    let v = vault(true);
    for auth in [
        None,
        Some("Basic abc"),
        Some("Bearer unknown-token"),
        Some("Bearer"),
    ] {
        let headers: Vec<(&str, &str)> =
            auth.map(|a| vec![("authorization", a)]).unwrap_or_default();
        let (status, h, body) = call(&v, "POST", "/keys/k/wrapkey?api-version=7.4", &headers, b"");
        assert_eq!(
            (status, error_code(&body).as_str()),
            (401, "Unauthorized"),
            "{auth:?}"
        );
        let www = h["www-authenticate"].to_str().unwrap();
        assert_eq!(
            www,
            format!(
                r#"Bearer authorization="{BASE}/{TENANT}", resource="https://vault.azure.net", supportspop="true""#
            )
        );
        for k in ["x-ms-message-signing-key", "x-ms-message-encryption-key"] {
            let jwk = Jwk::from_json(h[k].as_bytes()).unwrap();
            assert!(!jwk.is_private(), "{k} must be public");
            assert!(jwk.kid.is_some());
        }
    }
    // Without protection the challenge offers none.
    let (_, h, _) = call(&vault(false), "GET", "/keys/k?api-version=7.4", &[], b"");
    assert!(
        !h["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("supportspop")
    );
    assert!(!h.contains_key("x-ms-message-signing-key"));
}

#[test]
fn the_authority_accepts_only_the_configured_client() {
    let v = vault(true);
    let post = |form: &str| {
        let (status, _, body) = call(
            &v,
            "POST",
            &format!("/{TENANT}/oauth2/token"),
            &[],
            form.as_bytes(),
        );
        (status, json_of(&body))
    };
    let base = format!(
        "grant_type=client_credentials&client_id={ID}&resource=https%3A%2F%2Fvault.azure.net"
    );
    let (s, b) = post(&format!("{base}&client_secret=wrong"));
    assert_eq!((s, b["error"].as_str()), (401, Some("invalid_client")));
    assert_eq!(b["error_codes"][0], 7000215);
    let (s, b) = post(&base);
    assert_eq!((s, b["error"].as_str()), (401, Some("invalid_client")));
    let (s, b) = post(&format!(
        "grant_type=client_credentials&client_id=intruder&client_secret={SECRET}&resource=https%3A%2F%2Fvault.azure.net"
    ));
    assert_eq!((s, b["error"].as_str()), (400, Some("unauthorized_client")));
    let (s, b) = post(&format!(
        "grant_type=password&client_id={ID}&client_secret={SECRET}"
    ));
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (s, b) = post(&format!(
        "grant_type=client_credentials&client_id={ID}&client_secret={SECRET}&resource=https%3A%2F%2Fgraph.microsoft.com"
    ));
    assert_eq!((s, b["error"].as_str()), (400, Some("invalid_resource")));
    // A pop_jwk with private members is refused: the authority must never see them.
    let private = rsa_2048_c().to_private_jwk();
    let mut private = serde_json::to_value(private).unwrap();
    private["kid"] = "k".into();
    let pop = form_urlencoded::byte_serialize(private.to_string().as_bytes()).collect::<String>();
    let (s, b) = post(&format!("{base}&client_secret={SECRET}&pop_jwk={pop}"));
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("invalid_request")),
        "{b}"
    );
    // The wrong tenant.
    let (status, _, _) = call(
        &v,
        "POST",
        "/other.tenant/oauth2/token",
        &[],
        format!("{base}&client_secret={SECRET}").as_bytes(),
    );
    assert_eq!(status, 400);
    // v2 with a scope works; answers are numbers there.
    let (status, _, body) = call(
        &v,
        "POST",
        &format!("/{TENANT}/oauth2/v2.0/token"),
        &[],
        format!("grant_type=client_credentials&client_id={ID}&client_secret={SECRET}&scope=https%3A%2F%2Fvault.azure.net%2F.default").as_bytes(),
    );
    assert_eq!(status, 200);
    assert!(json_of(&body)["expires_in"].is_u64());
}

#[test]
fn requests_are_validated_before_acting() {
    let f = fixture();
    let auth = format!("Bearer {}", f.bearer);
    let headers = [("authorization", auth.as_str())];
    for (path, status) in [
        ("/keys/k", 400),                 // no api-version
        ("/keys/k?api-version=6.0", 400), // too old
        ("/keys/k?api-version=abc", 400),
        ("/keys/bad_name?api-version=7.4", 400),
        ("/keys/k?api-version=7.4", 200),
        ("/keys/K?api-version=7.4", 200), // names are case-insensitive
        ("/keys/missing?api-version=7.4", 404),
    ] {
        assert_eq!(
            call(&f.vault, "GET", path, &headers, b"").0,
            status,
            "{path}"
        );
    }
    let (status, _, body) = call(
        &f.vault,
        "POST",
        "/keys/k2/create?api-version=7.4",
        &headers,
        br#"{"kty":"EC"}"#,
    );
    assert_eq!((status, error_code(&body).as_str()), (400, "BadParameter"));
    let (status, _, _) = call(
        &f.vault,
        "POST",
        "/keys/k2/create?api-version=7.4",
        &headers,
        br#"{"kty":"RSA","key_size":1024}"#,
    );
    assert_eq!(status, 400);
    let (status, _, _) = call(
        &f.vault,
        "POST",
        "/keys/k2/create?api-version=7.4",
        &headers,
        b"{not json",
    );
    assert_eq!(status, 400);
}

#[test]
fn an_unprotected_wrap_is_refused_when_protection_is_on_and_served_when_off() {
    let plain = br#"{"alg":"RSA-OAEP","value":"AAECAwQFBgcICQoLDA0ODw"}"#;
    let f = fixture();
    let auth = format!("Bearer {}", f.pop);
    let (status, _, body) = call(
        &f.vault,
        "POST",
        "/keys/k/wrapkey?api-version=7.4",
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        plain,
    );
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("requires message protection"));
    assert_eq!(f.vault.stats().refused_unprotected, 1);

    let v = vault(false);
    let bearer = format!("Bearer {}", token(&v, false));
    create_key(&v, &bearer, "k");
    let (status, _, body) = call(
        &v,
        "POST",
        "/keys/k/wrapkey?api-version=7.4",
        &[("authorization", &bearer)],
        plain,
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(json_of(&body)["value"].is_string());
}

#[test]
fn key_ops_are_enforced() {
    let f = fixture();
    let auth = format!("Bearer {}", f.bearer);
    let (status, _, _) = call(
        &f.vault,
        "POST",
        "/keys/wraponly/create?api-version=7.4",
        &[("authorization", &auth)],
        br#"{"kty":"RSA","key_ops":["unwrapKey"]}"#,
    );
    assert_eq!(status, 200);
    let p = Protected::new(&f.pop, &f.encryption_kid);
    let (status, _, body) = post_jose(&f, "/keys/wraponly/wrapkey?api-version=7.4", &p.body());
    assert_eq!((status, error_code(&body).as_str()), (403, "Forbidden"));
}

#[test]
fn a_replayed_protected_request_is_refused() {
    let f = fixture();
    let body = Protected::new(&f.pop, &f.encryption_kid).body();
    let send_same = || post_jose(&f, "/keys/k/wrapkey?api-version=7.4", &body);
    assert_eq!(send_same().0, 200);
    let (status, _, answer) = send_same();
    assert_eq!(status, 401, "{}", String::from_utf8_lossy(&answer));
    assert!(String::from_utf8_lossy(&answer).contains("already received"));
    // The same signature in re-laid-out JSON, or sent to another operation, is the
    // same signed message: still a replay.
    let relaid = serde_json::to_vec_pretty(&json_of(&body)).unwrap();
    assert_ne!(relaid, body);
    for (path, bytes) in [
        ("/keys/k/wrapkey?api-version=7.4", &relaid),
        ("/keys/k/unwrapkey?api-version=7.4", &body),
    ] {
        let (status, _, answer) = post_jose(&f, path, bytes);
        assert_eq!(status, 401, "{path}: {}", String::from_utf8_lossy(&answer));
        assert!(String::from_utf8_lossy(&answer).contains("already received"));
    }
    // A fresh protection of the same operation is fine.
    assert_eq!(
        send(&f, &f.pop, &Protected::new(&f.pop, &f.encryption_kid)).0,
        200
    );
}

#[test]
fn faults_are_scheduled_through_the_admin_endpoint() {
    let v = vault(true);
    let plan = br#"{"script":[{"kind":"unavailable","path":"/keys/x","times":2}]}"#;
    let (status, _, body) = call(&v, "POST", "/_emulator/faults", &[], plan);
    assert_eq!(
        (status, json_of(&body)["scheduled"].as_u64()),
        (200, Some(1))
    );
    let (status, _, body) = call(
        &v,
        "POST",
        "/_emulator/faults",
        &[],
        b"{\"script\":[{\"kind\":\"explode\"}]}",
    );
    assert_eq!((status, error_code(&body).as_str()), (400, "BadParameter"));
    let (status, _, _) = call(&v, "DELETE", "/_emulator/faults", &[], b"");
    assert_eq!(status, 200);
}
