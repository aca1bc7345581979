"""Verify steerql's audit trail as an auditor would: without trusting the
server's own verification or the database, only the operator's public key.

1. Every entry's hash is recomputed from its fields (each field's UTF-8 length
   as 8 big-endian bytes, then its bytes; SHA-256), each field checked against
   the entry's typed values, each entry linked to the previous one of its
   chain, sequence numbers without gaps.
2. The newest signed checkpoint's Ed25519 signature is checked with the public
   key. It signs the root of a Merkle tree (RFC 6962) over the chain heads:
   the heads must be that tree's leaves, and each head's audit path (what a
   provincial auditor, who sees only its own chains, checks) must lead to the
   root. Every chain must still hold, at the place the checkpoint records, the
   entry with the hash it records: an edit rehashed through the end of a
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

checkpoint = graphql("{ auditCheckpoints(first: 1) { nodes { number statement signature publicKey heads } } }")
checkpoint = checkpoint["auditCheckpoints"]["nodes"]
assert checkpoint, "no signed checkpoint yet"
checkpoint = checkpoint[0]
# Raises InvalidSignature unless the operator's key signed exactly this statement.
Ed25519PublicKey.from_public_bytes(PUBLIC_KEY).verify(bytes.fromhex(checkpoint["signature"]),
                                                       checkpoint["statement"].encode("utf-8"))


def leaf_hash(line):
    return hashlib.sha256(b"\x00" + line.encode("utf-8")).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def tree_root(leaves):
    """RFC 6962's Merkle tree hash over leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(tree_root(leaves[:k]), tree_root(leaves[k:]))


def proves(index, size, line, path, root):
    """RFC 9162 section 2.1.3.2: an audit path from one leaf to the root."""
    fn, sn, r = index, size - 1, leaf_hash(line)
    for p in path:
        p = bytes.fromhex(p)
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn & 1 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


lines = checkpoint["statement"].rstrip("\n").split("\n")
if lines[0] == "steerql audit checkpoint v1":
    heads = lines[3:]
else:
    # Format v2 signs the size and root of a Merkle tree over the heads; the
    # heads (central auditors only) must be exactly that tree's leaves.
    assert lines[0] == "steerql audit checkpoint v2", lines[0]
    size, root = int(lines[3].removeprefix("size ")), bytes.fromhex(lines[4].removeprefix("root "))
    heads = checkpoint["heads"].rstrip("\n").split("\n") if checkpoint["heads"] else []
    assert len(heads) == size, f"{len(heads)} heads for a tree of {size}"
    assert heads == sorted(heads, key=lambda h: h.split(" ")[0].encode()), "the heads are not in chain order"
    assert tree_root([leaf_hash(h) for h in heads]) == root, "the heads are not the signed tree's leaves"
    # What a provincial auditor does for its own chains: each head proved by
    # its audit path alone, against the signed root.
    PROOF = """query($c: String!) { auditCheckpoints(first: 1) { nodes {
      inclusionProof(chain: $c) { chain seq hash leafIndex treeSize path } } } }"""
    for head in heads:
        p = graphql(PROOF, {"c": head.split(" ")[0]})["auditCheckpoints"]["nodes"][0]["inclusionProof"]
        line = f"{p['chain']} {p['seq']} {p['hash']}"
        assert line == head, f"the proof is for {line}, the checkpoint has {head}"
        assert proves(p["leafIndex"], p["treeSize"], line, p["path"], root), f"{head}: the audit path fails"
for line in heads:
    chain, seq, digest = line.split(" ")
    entry = chains.get(chain, {}).get(int(seq))
    assert entry is not None, f"{chain}: the checkpoint records entry {seq}, which is gone"
    assert entry["hash"] == digest, f"{chain}#{seq}: differs from the signed checkpoint"

total = sum(len(e) for e in chains.values())
print(f"audit trail verified: {total} entries in {len(chains)} chains, "
      f"checkpoint {checkpoint['number']} signature valid")
