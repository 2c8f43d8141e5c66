//! The whole keys data plane against the emulator over loopback, message-protected
//! where the protocol says.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use kv_client::{
    CreateKeyOptions, CryptographyClient, EncryptionAlgorithm, Error, ImportKeyOptions,
    KeyAttributes, KeyOperation, SignatureAlgorithm, UpdateKeyOptions,
};
use sha2::Digest;

use common::{Recording, client, emulator};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn status(e: &Error) -> Option<(u16, String)> {
    e.service().map(|s| (s.status, s.code.clone()))
}

#[test]
fn every_crypto_operation_with_every_algorithm() {
    let emulator = emulator();
    let client = client(&emulator, Recording::new());
    let key = client
        .create_key("all-ops", &CreateKeyOptions::rsa(2048))
        .unwrap();
    let v = Some(key.version());
    for alg in [
        EncryptionAlgorithm::RsaOaep,
        EncryptionAlgorithm::RsaOaep256,
        EncryptionAlgorithm::Rsa1_5,
    ] {
        let ct = client.encrypt("all-ops", v, alg, b"plaintext").unwrap();
        assert_eq!(
            client
                .decrypt("all-ops", v, alg, &ct.value)
                .unwrap()
                .value
                .expose_secret(),
            b"plaintext",
            "{alg}"
        );
        let w = client.wrap_key("all-ops", v, alg, &[5; 32]).unwrap();
        assert_eq!(
            client
                .unwrap_key("all-ops", v, alg, &w.value)
                .unwrap()
                .value
                .expose_secret(),
            &[5; 32],
            "{alg}"
        );
    }
    let public = kv_jose::RsaPublicKey::from_jwk(&key.key).unwrap();
    for alg in SignatureAlgorithm::ALL.iter().copied() {
        let digest = match alg.digest_len() {
            32 => sha2::Sha256::digest(b"msg").to_vec(),
            48 => sha2::Sha384::digest(b"msg").to_vec(),
            _ => sha2::Sha512::digest(b"msg").to_vec(),
        };
        let sig = client.sign("all-ops", v, alg, &digest).unwrap();
        assert_eq!(sig.kid, key.id());
        public.verify(alg, b"msg", &sig.value).unwrap();
        assert!(
            client
                .verify("all-ops", v, alg, &digest, &sig.value)
                .unwrap(),
            "{alg}"
        );
        let mut bad = sig.value.clone();
        bad[0] ^= 1;
        assert!(
            !client.verify("all-ops", v, alg, &digest, &bad).unwrap(),
            "{alg}"
        );
    }
    // All twelve algorithms' operations went protected.
    assert!(emulator.vault().stats().protected_requests >= 3 * 4 + 6 * 3);
    let err = client
        .sign("all-ops", v, SignatureAlgorithm::Rs256, &[0; 20])
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
}

#[test]
fn create_with_size_ops_attributes_and_tags_then_update() {
    let emulator = emulator();
    let client = client(&emulator, Recording::new());
    let options = CreateKeyOptions::rsa_hsm(3072)
        .operations([KeyOperation::Sign, KeyOperation::Verify])
        .tag("team", "crypto");
    let key = client.create_key("shaped", &options).unwrap();
    assert_eq!(key.key.kty, "RSA-HSM");
    assert_eq!(
        kv_jose::RsaPublicKey::from_jwk(&key.key).unwrap().bits(),
        3072
    );
    assert_eq!(
        key.key.key_ops.as_deref(),
        Some(&["sign".to_string(), "verify".to_string()][..])
    );
    assert_eq!(key.tags["team"], "crypto");
    assert_eq!(key.attributes.enabled, Some(true));
    // key_ops are enforced by the vault.
    let err = client
        .wrap_key("shaped", None, EncryptionAlgorithm::RsaOaep, &[1; 16])
        .unwrap_err();
    assert_eq!(status(&err), Some((403, "Forbidden".into())));

    // Disable, then expire: crypto is refused; re-enable restores it.
    let digest = [9u8; 32];
    let updated = client
        .update_key(
            "shaped",
            None,
            &UpdateKeyOptions::default()
                .enabled(false)
                .tag("state", "off"),
        )
        .unwrap();
    assert_eq!(
        (
            updated.attributes.enabled,
            updated.tags.get("state").map(String::as_str)
        ),
        (Some(false), Some("off"))
    );
    assert_eq!(
        status(
            &client
                .sign("shaped", None, SignatureAlgorithm::Rs256, &digest)
                .unwrap_err()
        ),
        Some((403, "Forbidden".into()))
    );
    client
        .update_key(
            "shaped",
            Some(key.version()),
            &UpdateKeyOptions::default()
                .enabled(true)
                .validity(None, Some(now() - 10)),
        )
        .unwrap();
    assert_eq!(
        status(
            &client
                .sign("shaped", None, SignatureAlgorithm::Rs256, &digest)
                .unwrap_err()
        ),
        Some((403, "Forbidden".into()))
    );
    client
        .update_key(
            "shaped",
            None,
            &UpdateKeyOptions::default().validity(Some(now() + 3600), Some(now() + 7200)),
        )
        .unwrap();
    assert_eq!(
        status(
            &client
                .sign("shaped", None, SignatureAlgorithm::Rs256, &digest)
                .unwrap_err()
        ),
        Some((403, "Forbidden".into())),
        "not yet valid"
    );
    client
        .update_key(
            "shaped",
            None,
            &UpdateKeyOptions::default()
                .validity(Some(now() - 60), Some(now() + 7200))
                .operations([KeyOperation::Sign]),
        )
        .unwrap();
    client
        .sign("shaped", None, SignatureAlgorithm::Rs256, &digest)
        .unwrap();

    // A created-with attributes key starts disabled.
    let disabled =
        CreateKeyOptions::rsa(2048).attributes(KeyAttributes::default().with_enabled(false));
    assert_eq!(
        client
            .create_key("born-off", &disabled)
            .unwrap()
            .attributes
            .enabled,
        Some(false)
    );
}

#[test]
fn versions_lists_and_paging() {
    let emulator = emulator();
    let recording = Recording::new();
    let client = client(&emulator, recording.clone());
    let first = client
        .create_key("versioned", &CreateKeyOptions::rsa(2048))
        .unwrap();
    let second = client
        .create_key("versioned", &CreateKeyOptions::rsa(2048))
        .unwrap();
    assert_ne!(first.version(), second.version());
    assert_eq!(client.get_key("versioned", None).unwrap().id(), second.id());
    assert_eq!(
        client
            .get_key("versioned", Some(first.version()))
            .unwrap()
            .id(),
        first.id()
    );
    let versions: Vec<_> = client
        .list_key_versions("versioned")
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        versions
            .iter()
            .map(|v| v.version().unwrap().to_string())
            .collect::<Vec<_>>(),
        [first.version(), second.version()]
    );

    // 30 keys: two pages, the second fetched only when the first is used up.
    for i in 0..29 {
        client
            .import_key(
                &format!("page-{i:02}"),
                &ImportKeyOptions::new(kv_jose::test_keys::rsa_2048_a_jwk()),
            )
            .unwrap();
    }
    let before = recording.exchanges().len();
    let mut keys = client.list_keys();
    let first_item = keys.next().unwrap().unwrap();
    assert_eq!(recording.exchanges().len(), before + 1, "one page fetched");
    assert!(
        first_item.version().is_none(),
        "list items name the key, not a version"
    );
    let rest: Vec<_> = keys.map(Result::unwrap).collect();
    assert_eq!(rest.len() + 1, 30);
    assert_eq!(
        recording.exchanges().len(),
        before + 2,
        "the second page followed nextLink"
    );
}

#[test]
fn soft_delete_recover_purge() {
    let emulator = emulator();
    let client = client(&emulator, Recording::new());
    let key = client
        .create_key("phoenix", &CreateKeyOptions::rsa(2048))
        .unwrap();
    let wrapped = client
        .wrap_key("phoenix", None, EncryptionAlgorithm::RsaOaep, &[4; 16])
        .unwrap();
    let deleted = client.delete_key("phoenix").unwrap();
    assert_eq!(deleted.bundle.id(), key.id());
    assert!(
        deleted
            .recovery_id
            .as_deref()
            .unwrap()
            .ends_with("/deletedkeys/phoenix")
    );
    assert!(deleted.scheduled_purge_date.unwrap() > deleted.deleted_date.unwrap());
    assert_eq!(
        status(&client.get_key("phoenix", None).unwrap_err()),
        Some((404, "KeyNotFound".into()))
    );
    assert_eq!(
        status(
            &client
                .create_key("phoenix", &CreateKeyOptions::rsa(2048))
                .unwrap_err()
        ),
        Some((409, "Conflict".into()))
    );
    assert_eq!(
        client.get_deleted_key("phoenix").unwrap().bundle.id(),
        key.id()
    );
    assert_eq!(
        client
            .list_deleted_keys()
            .map(Result::unwrap)
            .map(|d| d.item.name().to_string())
            .collect::<Vec<_>>(),
        ["phoenix"]
    );

    let recovered = client.recover_deleted_key("phoenix").unwrap();
    assert_eq!(recovered.id(), key.id());
    let unwrapped = client
        .unwrap_key(
            "phoenix",
            None,
            EncryptionAlgorithm::RsaOaep,
            &wrapped.value,
        )
        .unwrap();
    assert_eq!(unwrapped.value.expose_secret(), &[4; 16]);

    client.delete_key("phoenix").unwrap();
    client.purge_deleted_key("phoenix").unwrap();
    assert_eq!(
        status(&client.get_deleted_key("phoenix").unwrap_err()),
        Some((404, "KeyNotFound".into()))
    );
    assert_eq!(
        status(&client.recover_deleted_key("phoenix").unwrap_err()),
        Some((404, "KeyNotFound".into()))
    );
    client
        .create_key("phoenix", &CreateKeyOptions::rsa(2048))
        .unwrap();
}

#[test]
fn backup_and_restore() {
    let emulator = emulator();
    let client = client(&emulator, Recording::new());
    let key = client
        .create_key("saved", &CreateKeyOptions::rsa(2048))
        .unwrap();
    client
        .create_key("saved", &CreateKeyOptions::rsa(2048))
        .unwrap();
    let wrapped = client
        .wrap_key(
            "saved",
            Some(key.version()),
            EncryptionAlgorithm::RsaOaep,
            &[8; 16],
        )
        .unwrap();
    let blob = client.backup_key("saved").unwrap();
    assert_eq!(
        status(&client.restore_key(&blob).unwrap_err()),
        Some((409, "Conflict".into())),
        "the name is taken"
    );
    client.delete_key("saved").unwrap();
    client.purge_deleted_key("saved").unwrap();

    let mut tampered = blob.clone();
    let n = tampered.len();
    tampered[n - 5] ^= 1;
    assert_eq!(
        status(&client.restore_key(&tampered).unwrap_err()),
        Some((400, "BadParameter".into()))
    );
    assert_eq!(
        status(&client.restore_key(b"not a backup").unwrap_err()),
        Some((400, "BadParameter".into()))
    );

    client.restore_key(&blob).unwrap();
    assert_eq!(client.list_key_versions("saved").unwrap().count(), 2);
    let unwrapped = client
        .unwrap_key(
            "saved",
            Some(key.version()),
            EncryptionAlgorithm::RsaOaep,
            &wrapped.value,
        )
        .unwrap();
    assert_eq!(unwrapped.value.expose_secret(), &[8; 16]);

    // Another emulator cannot restore this one's backups.
    let other = common::emulator();
    let other_client = common::client(&other, Recording::new());
    assert_eq!(
        status(&other_client.restore_key(&blob).unwrap_err()),
        Some((400, "BadParameter".into()))
    );
}

#[test]
fn import_then_use_the_imported_key() {
    let emulator = emulator();
    let client = client(&emulator, Recording::new());
    let jwk = kv_jose::test_keys::rsa_2048_a_jwk();
    let imported = client
        .import_key(
            "imported",
            &ImportKeyOptions::new(jwk).hsm(true).tag("origin", "test"),
        )
        .unwrap();
    assert_eq!(imported.key.kty, "RSA-HSM");
    assert!(
        imported.key.d.is_none(),
        "the vault never returns private material"
    );
    // Encrypted here with the public key; decrypted there with the imported private key.
    let ct = kv_jose::test_keys::rsa_2048_a()
        .public()
        .encrypt(kv_jose::KeyAlg::RsaOaep, b"from outside")
        .unwrap();
    assert_eq!(
        client
            .decrypt("imported", None, EncryptionAlgorithm::RsaOaep, &ct)
            .unwrap()
            .value
            .expose_secret(),
        b"from outside"
    );
    // A public-only JWK cannot be imported.
    let public = kv_jose::test_keys::rsa_2048_a().public().to_jwk();
    assert_eq!(
        status(
            &client
                .import_key("pub-only", &ImportKeyOptions::new(public))
                .unwrap_err()
        ),
        Some((400, "BadParameter".into()))
    );
}

#[test]
fn symmetric_keys_wrap_with_aes_key_wrap() {
    let emulator = emulator();
    let client = client(&emulator, Recording::new());
    let key = client
        .create_key("aes", &CreateKeyOptions::oct(256))
        .unwrap();
    assert_eq!(key.key.kty, "oct");
    assert!(key.key.k.is_none());
    let w = client
        .wrap_key("aes", None, EncryptionAlgorithm::A256Kw, &[6; 32])
        .unwrap();
    assert_eq!(w.value.len(), 40);
    assert_eq!(
        client
            .unwrap_key("aes", None, EncryptionAlgorithm::A256Kw, &w.value)
            .unwrap()
            .value
            .expose_secret(),
        &[6; 32]
    );
    assert_eq!(
        status(
            &client
                .wrap_key("aes", None, EncryptionAlgorithm::A128Kw, &[6; 32])
                .unwrap_err()
        ),
        Some((400, "BadParameter".into()))
    );
}

#[test]
fn the_cryptography_client_works_locally_where_it_may() {
    let emulator = emulator();
    let recording = Recording::new();
    let client = client(&emulator, recording.clone());
    client
        .create_key("local", &CreateKeyOptions::rsa(2048))
        .unwrap();
    let crypto: CryptographyClient = client.cryptography_client("local", None).unwrap();
    let before = emulator.vault().stats().requests;
    let wrapped = crypto
        .wrap_key(EncryptionAlgorithm::RsaOaep, &[1; 32])
        .unwrap();
    let encrypted = crypto
        .encrypt(EncryptionAlgorithm::RsaOaep256, b"local")
        .unwrap();
    assert_eq!(
        emulator.vault().stats().requests,
        before,
        "encrypt and wrap ran locally"
    );
    assert_eq!(
        crypto
            .unwrap_key(EncryptionAlgorithm::RsaOaep, &wrapped.value)
            .unwrap()
            .value
            .expose_secret(),
        &[1; 32]
    );
    assert_eq!(
        crypto
            .decrypt(EncryptionAlgorithm::RsaOaep256, &encrypted.value)
            .unwrap()
            .value
            .expose_secret(),
        b"local"
    );
    let digest = sha2::Sha256::digest(b"m").to_vec();
    let sig = crypto.sign(SignatureAlgorithm::Ps256, &digest).unwrap();
    let remote_calls = emulator.vault().stats().requests;
    assert!(
        crypto
            .verify(SignatureAlgorithm::Ps256, &digest, &sig.value)
            .unwrap()
    );
    assert_eq!(
        emulator.vault().stats().requests,
        remote_calls,
        "verify ran locally"
    );
    let remote = crypto.clone().force_remote(true);
    assert!(
        remote
            .verify(SignatureAlgorithm::Ps256, &digest, &sig.value)
            .unwrap()
    );
    assert!(
        emulator.vault().stats().requests > remote_calls,
        "forced remote"
    );

    // key_ops are honoured locally.
    client
        .create_key(
            "no-wrap",
            &CreateKeyOptions::rsa(2048).operations([KeyOperation::UnwrapKey]),
        )
        .unwrap();
    let limited = client.cryptography_client("no-wrap", None).unwrap();
    assert!(matches!(
        limited.wrap_key(EncryptionAlgorithm::RsaOaep, &[1; 16]),
        Err(Error::InvalidArgument(_))
    ));
}
