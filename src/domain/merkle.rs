//! The Merkle tree a checkpoint signs over the chain heads, as Certificate
//! Transparency's (RFC 6962 §2.1, RFC 9162 §2.1): a leaf is hashed with a
//! `0x00` prefix, an inner node with `0x01`, and a tree of `n` leaves splits
//! at the largest power of two below `n`. Signing only the root lets anyone
//! holding one chain's head and its audit path check that head against the
//! signed checkpoint without learning the other chains (how many matters
//! exist elsewhere, which of them changed).

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// The hash of one leaf: a chain head's line, `<chain> <seq> <hash>`.
pub fn leaf_hash(line: &str) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(line.as_bytes());
    h.finalize().into()
}

fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two smaller than `n` (`n > 1`).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// The tree's root over `leaves` (leaf hashes, in order); the hash of
/// nothing for an empty tree.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The audit path of leaf `index`: the sibling hashes from the leaf up.
pub fn path(index: usize, leaves: &[Hash]) -> Vec<Hash> {
    let mut out = Vec::new();
    collect_path(index, leaves, &mut out);
    out
}

fn collect_path(index: usize, leaves: &[Hash], out: &mut Vec<Hash>) {
    let n = leaves.len();
    if n <= 1 {
        return;
    }
    let k = split(n);
    if index < k {
        collect_path(index, &leaves[..k], out);
        out.push(root(&leaves[k..]));
    } else {
        collect_path(index - k, &leaves[k..], out);
        out.push(root(&leaves[..k]));
    }
}

/// Whether `leaf` at `index` of a tree of `size` leaves, with `path`, leads
/// to `root` (RFC 9162 §2.1.3.2).
pub fn verify(index: usize, size: usize, leaf: &Hash, path: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && r == *root
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&format!("case:{i} 1 {}", "a".repeat(64)))).collect()
    }

    #[test]
    fn every_leaf_of_every_small_tree_proves_against_its_root_and_nowhere_else() {
        for n in 1..40 {
            let leaves = leaves(n);
            let root = root(&leaves);
            for (i, leaf) in leaves.iter().enumerate() {
                let path = path(i, &leaves);
                assert!(verify(i, n, leaf, &path, &root), "leaf {i} of {n}");
                // Another place, another leaf: refused. (The size is not
                // bound by the path alone: that is why the statement signs it.)
                assert!(!verify((i + 1) % n.max(2), n, leaf, &path, &root) || n == 1);
                assert!(!verify(i, n, leaf, &path[..path.len().saturating_sub(1)], &root) || n == 1);
                assert!(!verify(i, n, &leaf_hash("case:x 1 b"), &path, &root));
            }
        }
    }

    #[test]
    fn the_root_is_rfc_6962s_tree_hash() {
        // MTH of one leaf is its leaf hash; of three, H(1 || H(1 || l0 || l1) || l2).
        let l = leaves(3);
        assert_eq!(root(&l[..1]), l[0]);
        assert_eq!(root(&l), node_hash(&node_hash(&l[0], &l[1]), &l[2]));
        let empty: Hash = Sha256::digest([]).into();
        assert_eq!(root(&[]), empty);
        assert_eq!(hex::encode(leaf_hash("")), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    }
}
