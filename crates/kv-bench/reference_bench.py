"""The reference client (azure-keyvault 1.1.0) doing protected wrap + unwrap in a loop.

Usage: python reference_bench.py PAIRS, with AZURE_VAULT_URL, AZURE_CLIENT_ID,
AZURE_CLIENT_SECRET. Prints one JSON line: pairs per second, and the median time of
its message-protection steps, measured by wrapping the methods at run time (the
installed package is not modified).
"""
import inspect
import json
import os
import statistics
import sys
import time
import uuid

if not hasattr(inspect, "getargspec"):
    inspect.getargspec = inspect.getfullargspec

import requests  # noqa: E402
from azure.keyvault import KeyVaultClient, KeyVaultAuthentication, AccessToken  # noqa: E402
from azure.keyvault import http_message_security as hms  # noqa: E402
from azure.keyvault.http_message_security import generate_pop_key  # noqa: E402
from six.moves.urllib import parse as urlutil  # noqa: E402

timings = {"security": [], "protect_request": [], "unprotect_response": []}


def timed(name, fn):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            timings[name].append(time.perf_counter() - start)
    return wrapper


# _get_message_security makes the per-request response key (an RSA key generation)
# and fetches or reuses the token; protect_request signs and encrypts.
import azure.keyvault.key_vault_authentication as kva  # noqa: E402
kva.KeyVaultAuthBase._get_message_security = timed("security", kva.KeyVaultAuthBase._get_message_security)
hms.HttpMessageSecurity.protect_request = timed("protect_request", hms.HttpMessageSecurity.protect_request)
hms.HttpMessageSecurity.unprotect_response = timed("unprotect_response", hms.HttpMessageSecurity.unprotect_response)

_cache = {}


def _authenticate(server, resource, scope, scheme):
    key = "_".join([server, resource, scope, scheme]).lower()
    token = _cache.get(key)
    if not token or int(token["expires_on"]) <= int(time.time()):
        pop_key = generate_pop_key() if scheme.lower() == "pop" else None
        body = {"resource": resource, "response_type": "token", "grant_type": "client_credentials",
                "client_id": os.environ["AZURE_CLIENT_ID"], "client_secret": os.environ["AZURE_CLIENT_SECRET"]}
        if pop_key:
            body["pop_jwk"] = json.dumps(pop_key.to_jwk().serialize())
        response = requests.post(server + "/oauth2/token", data=urlutil.urlencode(body),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        response.raise_for_status()
        token = response.json()
        if pop_key:
            token["pop_key"] = pop_key
        _cache[key] = token
    return AccessToken(scheme, token["access_token"], token.get("pop_key"))


def main():
    pairs = int(sys.argv[1])
    vault = os.environ["AZURE_VAULT_URL"]
    client = KeyVaultClient(KeyVaultAuthentication(_authenticate))
    name = "refbench-" + uuid.uuid4().hex[:8]
    client.create_key(vault, name, "RSA")
    value = os.urandom(32)
    for _ in range(2):  # warm up: challenge, tokens
        wrapped = client.wrap_key(vault, name, "", "RSA-OAEP", value).result
        client.unwrap_key(vault, name, "", "RSA-OAEP", wrapped)
    for k in timings:
        timings[k].clear()
    start = time.perf_counter()
    for _ in range(pairs):
        wrapped = client.wrap_key(vault, name, "", "RSA-OAEP", value).result
        assert bytes(client.unwrap_key(vault, name, "", "RSA-OAEP", wrapped).result) == value
    elapsed = time.perf_counter() - start
    print(json.dumps({
        "pairs_per_second": pairs / elapsed,
        "message_security_p50_ms": statistics.median(timings["security"]) * 1e3,
        "protect_request_p50_ms": statistics.median(timings["protect_request"]) * 1e3,
        "unprotect_response_p50_ms": statistics.median(timings["unprotect_response"]) * 1e3,
    }))


if __name__ == "__main__":
    main()
