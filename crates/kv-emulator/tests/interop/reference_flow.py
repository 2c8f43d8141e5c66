"""The seed's flow, run by the reference client (azure-keyvault 1.1.0) against kv-emulator.

Environment: AZURE_VAULT_URL, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET.
Prints one JSON line with what happened; exits non-zero on any mismatch.
"""
import hashlib
import inspect
import json
import os
import sys
import time
import uuid

# azure-keyvault 1.1.0 calls inspect.getargspec, which Python 3.11 removed. Shim it
# here rather than patching the installed package.
if not hasattr(inspect, "getargspec"):
    inspect.getargspec = inspect.getfullargspec

import requests  # noqa: E402
from azure.keyvault import KeyVaultClient, KeyVaultAuthentication, AccessToken  # noqa: E402
from azure.keyvault.http_message_security import generate_pop_key  # noqa: E402
from six.moves.urllib import parse as urlutil  # noqa: E402

_token_cache = {}


def _vault_url():
    return os.environ["AZURE_VAULT_URL"]


def _token_expired(token):
    return int(token["expires_on"]) <= int(time.time())


def _authenticate(server, resource, scope, scheme):
    """As the seed's sample: a PoP key per token, pop_jwk in the AAD v1 request."""
    token_cache_key = "_".join([server, resource, scope, scheme]).lower()
    token = _token_cache.get(token_cache_key, None)
    if (not token) or _token_expired(token):
        pop_key = generate_pop_key() if scheme.lower() == "pop" else None
        body = {
            "resource": resource,
            "response_type": "token",
            "grant_type": "client_credentials",
            "client_id": os.environ["AZURE_CLIENT_ID"],
            "client_secret": os.environ["AZURE_CLIENT_SECRET"],
        }
        if pop_key:
            body["pop_jwk"] = json.dumps(pop_key.to_jwk().serialize())
        data = urlutil.urlencode(body)
        response = requests.request("POST", server + "/oauth2/token", data=data,
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
        response.raise_for_status()
        token = response.json()
        if pop_key:
            token["pop_key"] = pop_key
        _token_cache[token_cache_key] = token
    return AccessToken(scheme, token["access_token"], token.get("pop_key", None))


def seed_flow(client):
    """The seed's main job, as the seed writes it."""
    key_name = "interop-" + uuid.uuid4().hex[:8]
    created = client.create_key(_vault_url(), key_name, "RSA")
    to_wrap = os.urandom(16)
    wrapped = client.wrap_key(vault_base_url=_vault_url(), key_name=key_name, key_version="",
                              algorithm="RSA-OAEP", value=to_wrap)
    unwrapped = client.unwrap_key(vault_base_url=_vault_url(), key_name=key_name, key_version="",
                                  algorithm="RSA-OAEP", value=wrapped.result)
    client.delete_key(_vault_url(), key_name)
    return {
        "key": created.key.kid,
        "original": to_wrap.hex(),
        "wrapped_len": len(wrapped.result),
        "unwrapped": bytes(unwrapped.result).hex(),
        "match": bytes(unwrapped.result) == to_wrap,
    }


def every_operation(client):
    """All six protected operations with each of their algorithms, then
    get/list/delete/recover/purge."""
    vault = _vault_url()
    name = "interop-all-" + uuid.uuid4().hex[:8]
    key = client.create_key(vault, name, "RSA", key_size=2048)
    version = key.key.kid.rsplit("/", 1)[1]
    results = {}
    for alg in ["RSA-OAEP", "RSA-OAEP-256", "RSA1_5"]:
        plain = os.urandom(24)
        ct = client.encrypt(vault, name, version, alg, plain).result
        results["encrypt/decrypt " + alg] = bytes(client.decrypt(vault, name, version, alg, ct).result) == plain
        wrapped = client.wrap_key(vault, name, version, alg, plain).result
        results["wrap/unwrap " + alg] = bytes(client.unwrap_key(vault, name, version, alg, wrapped).result) == plain
    for alg, h in [("RS256", hashlib.sha256), ("RS384", hashlib.sha384), ("RS512", hashlib.sha512),
                   ("PS256", hashlib.sha256), ("PS384", hashlib.sha384), ("PS512", hashlib.sha512)]:
        digest = h(b"interop message").digest()
        signature = client.sign(vault, name, version, alg, digest).result
        good = client.verify(vault, name, version, alg, digest, signature).value
        bad = client.verify(vault, name, version, alg, digest, bytes([signature[0] ^ 1]) + bytes(signature[1:])).value
        results["sign/verify " + alg] = good is True and bad is False
    results["get"] = client.get_key(vault, name, version).key.kid == key.key.kid
    results["list keys"] = any(item.kid.endswith("/keys/" + name) for item in client.get_keys(vault))
    results["list versions"] = [v.kid for v in client.get_key_versions(vault, name)] == [key.key.kid]
    deleted = client.delete_key(vault, name)
    results["delete"] = deleted.recovery_id.endswith("/deletedkeys/" + name)
    results["get deleted"] = client.get_deleted_key(vault, name).key.kid == key.key.kid
    results["recover"] = client.recover_deleted_key(vault, name).key.kid == key.key.kid
    results["get after recover"] = client.get_key(vault, name, "").key.kid == key.key.kid
    client.delete_key(vault, name)
    client.purge_deleted_key(vault, name)
    try:
        client.get_deleted_key(vault, name)
        results["purge"] = False
    except Exception as e:  # KeyVaultErrorException
        results["purge"] = "KeyNotFound" in str(getattr(e, "error", e)) or "404" in str(e) or "not found" in str(e).lower()
    return results


def main():
    client = KeyVaultClient(KeyVaultAuthentication(_authenticate))
    report = seed_flow(client)
    report["operations"] = every_operation(client)
    print(json.dumps(report))
    ok = report["match"] and all(report["operations"].values())
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
