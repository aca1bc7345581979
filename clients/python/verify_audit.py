"""Verify steerql's audit trail as an auditor would: without trusting the
server's own verification or the database, only the operator's public key.

1. Every entry's hash is recomputed from its fields (each field's UTF-8 length
   as 8 big-endian bytes, then its bytes; SHA-256), each field checked against
   the entry's typed values, each entry linked to the previous one of its
   chain, sequence numbers without gaps.
2. The newest signed checkpoint's Ed25519 signature is checked with the public
   key, and every chain must still hold, at the place the checkpoint records,
   the entry with the hash it records: an edit rehashed through the end of a
   chain, or newest entries deleted, show here.

Usage: STEERQL_URL=http://127.0.0.1:8080/graphql STEERQL_TOKEN=<AUDITOR@CENTRAL token> \\
       STEERQL_AUDIT_PUBLIC_KEY=<hex, from the operator> python3 verify_audit.py
"""

import base64
import hashlib
import json
import os
import sys
from datetime import datetime

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

URL = os.environ.get("STEERQL_URL", "http://127.0.0.1:8080/graphql")
TOKEN = os.environ["STEERQL_TOKEN"]
PUBLIC_KEY = bytes.fromhex(os.environ["STEERQL_AUDIT_PUBLIC_KEY"])
GENESIS = "0" * 64


def graphql(query, variables=None):
    res = requests.post(URL, json={"query": query, "variables": variables or {}},
                        headers={"authorization": f"Bearer {TOKEN}"}, timeout=30)
    body = res.json()
    if body.get("errors"):
        sys.exit(f"the server refused: {body['errors']}")
    return body["data"]


def entry_hash(fields):
    h = hashlib.sha256()
    for field in fields:
        data = field.encode("utf-8")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def micros(rfc3339):
    at = datetime.fromisoformat(rfc3339.replace("Z", "+00:00"))
    return str(int(at.timestamp()) * 1_000_000 + at.microsecond)


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


ENTRIES = """query($after: String) { auditEvents(first: 100, after: $after) {
  nodes { chain seq prevHash hash at actor actorKind action payload hashedFields committee { id } }
  pageInfo { hasNextPage endCursor } } }"""

chains = {}
after = None
while True:
    page = graphql(ENTRIES, {"after": after})["auditEvents"]
    for e in page["nodes"]:
        f = e["hashedFields"]
        expected = [e["chain"], str(e["seq"]), e["prevHash"], micros(e["at"]), e["actor"]]
        assert f[:5] == expected, f"{e['chain']}#{e['seq']}: hashed fields differ from the entry: {f[:5]} != {expected}"
        assert f[9] == canonical(e["payload"]), f"{e['chain']}#{e['seq']}: the hashed payload is not the payload"
        # Since format v2 the committee whose reach covers the entry is hashed too.
        assert len(f) in (10, 12), f"{e['chain']}#{e['seq']}: {len(f)} hashed fields"
        if len(f) == 12:
            assert f[11] == "v2", f"{e['chain']}#{e['seq']}: unknown hash format {f[11]}"
            if e["committee"]:
                raw = e["committee"]["id"]
                name = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
                assert f[10] == name.split(":")[1], f"{e['chain']}#{e['seq']}: hashed committee {f[10]} != {name}"
        assert entry_hash(f) == e["hash"], f"{e['chain']}#{e['seq']}: the hash is not the hash of its fields"
        chains.setdefault(e["chain"], {})[e["seq"]] = e
    if not page["pageInfo"]["hasNextPage"]:
        break
    after = page["pageInfo"]["endCursor"]

for chain, entries in chains.items():
    prev = GENESIS
    for seq in range(1, max(entries) + 1):
        assert seq in entries, f"{chain}: entry {seq} is missing"
        assert entries[seq]["prevHash"] == prev, f"{chain}#{seq}: does not link to entry {seq - 1}"
        prev = entries[seq]["hash"]

checkpoint = graphql("{ auditCheckpoints(first: 1) { nodes { number statement signature publicKey } } }")
checkpoint = checkpoint["auditCheckpoints"]["nodes"]
assert checkpoint, "no signed checkpoint yet"
checkpoint = checkpoint[0]
# Raises InvalidSignature unless the operator's key signed exactly this statement.
Ed25519PublicKey.from_public_bytes(PUBLIC_KEY).verify(bytes.fromhex(checkpoint["signature"]),
                                                       checkpoint["statement"].encode("utf-8"))
lines = checkpoint["statement"].rstrip("\n").split("\n")
assert lines[0] == "steerql audit checkpoint v1", lines[0]
for line in lines[3:]:
    chain, seq, digest = line.split(" ")
    entry = chains.get(chain, {}).get(int(seq))
    assert entry is not None, f"{chain}: the checkpoint records entry {seq}, which is gone"
    assert entry["hash"] == digest, f"{chain}#{seq}: differs from the signed checkpoint"

total = sum(len(e) for e in chains.values())
print(f"audit trail verified: {total} entries in {len(chains)} chains, "
      f"checkpoint {checkpoint['number']} signature valid")
