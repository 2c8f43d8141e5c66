#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from the published vectors in ../shared/vectors.

Every JSON object that looks like a JWK, JWS or JWE, and every compact
serialization, becomes one seed file. The vectors are read in place and the
corpus is git-ignored: nothing from them is committed.
"""
import hashlib
import json
import pathlib
import sys

here = pathlib.Path(__file__).resolve().parent
vectors = here.parent.parent / "shared" / "vectors"
if not vectors.is_dir():
    sys.exit(f"no vectors at {vectors}; the fuzzers still run from an empty corpus")

seeds = {"jwk_parse": set(), "jws_parse_verify": set(), "jwe_parse_decrypt": set(), "challenge_parse": set()}


def visit(v):
    if isinstance(v, dict):
        keys = set(v)
        text = json.dumps(v, separators=(",", ":"))
        if "kty" in keys:
            seeds["jwk_parse"].add(text)
        if "payload" in keys and ("signature" in keys or "signatures" in keys):
            seeds["jws_parse_verify"].add(text)
        if "ciphertext" in keys and "iv" in keys:
            seeds["jwe_parse_decrypt"].add(text)
        for x in v.values():
            visit(x)
    elif isinstance(v, list):
        for x in v:
            visit(x)
    elif isinstance(v, str):
        parts = v.split(".")
        if len(parts) == 3 and v.startswith("ey"):
            seeds["jws_parse_verify"].add(v)
        elif len(parts) == 5 and v.startswith("ey"):
            seeds["jwe_parse_decrypt"].add(v)
        elif v.lower().startswith(("bearer ", "pop ")):
            seeds["challenge_parse"].add(v)


for path in sorted(vectors.rglob("*.json")):
    visit(json.loads(path.read_text()))
seeds["challenge_parse"].add('Bearer authorization="https://login.microsoftonline.com/t", resource="https://vault.azure.net", supportspop="true"')

for target, items in seeds.items():
    out = here / "corpus" / target
    out.mkdir(parents=True, exist_ok=True)
    for item in items:
        data = item.encode()
        (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
    print(f"{target}: {len(items)} seeds")
