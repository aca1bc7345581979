//! Signed checkpoints of the trail and the proof that a chain is in one.

use async_graphql::{Context, ID, Object, Result};

use crate::domain;
use crate::domain::audit;
use crate::error::{AppError, AppResult};
use crate::graphql::context;
use crate::graphql::ids::{self, Kind};
use crate::graphql::types::scalars::DateTime;

/// The `AuditCheckpoint` GraphQL type (documented on its resolvers below).
#[derive(Clone, Debug)]
pub struct AuditCheckpoint(pub entity::audit_checkpoint::Model);

/// A signed statement of every chain's head at one moment. Verify
/// `signature` over the UTF-8 bytes of `statement` with the Ed25519
/// `publicKey` (which you should hold from the operator, not from here).
/// The statement signs the root of a Merkle tree over the chain heads
/// (RFC 6962's tree hash), not the heads themselves: prove a chain's head
/// against it with `inclusionProof`, then check that the chain still holds
/// that entry with that hash.
#[Object]
impl AuditCheckpoint {
    /// Globally unique, opaque identifier.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::AuditCheckpoint, self.0.id)
    }

    /// Its number: checkpoints are numbered in the order they were signed.
    async fn number(&self) -> i64 {
        self.0.id
    }

    /// When it was signed (UTC).
    async fn at(&self) -> DateTime {
        DateTime(self.0.at)
    }

    /// The signer's Ed25519 public key (hex).
    async fn public_key(&self) -> &str {
        &self.0.public_key
    }

    /// The signed text, each line ending in a newline: `steerql audit
    /// checkpoint v2`, `at <microseconds>`, `prev <SHA-256 of the previous
    /// checkpoint's statement>`, `size <number of chains>`, `root <the tree's
    /// root, hex>`. (Checkpoints signed before format v2 list `<chain> <seq>
    /// <hash>` per chain after `prev` instead; only central auditors see them.)
    async fn statement(&self) -> &str {
        &self.0.statement
    }

    /// Ed25519 signature of `statement` (hex).
    async fn signature(&self) -> &str {
        &self.0.signature
    }

    /// Every chain's head, in chain order, `<chain> <seq> <hash>` a line
    /// each: the tree's leaves. Null, with `FORBIDDEN`, below the central
    /// committee (the heads tell how many matters exist everywhere, and
    /// which changed).
    async fn heads(&self, ctx: &Context<'_>) -> Option<String> {
        context::nullable(ctx, async {
            let (_, reach) = context::authorize(ctx, domain::Operation::ReadAuditTrail)?;
            if reach != domain::Reach::All {
                return Err(AppError::Forbidden("every chain's head is for central auditors".into()).into());
            }
            Ok(Some(self.parsed()?.leaves()))
        })
        .await
    }

    /// The audit path proving one chain's head against the signed root.
    /// Null, with `NOT_FOUND`, when the checkpoint does not cover that chain
    /// or its entry concerns a committee outside the caller's reach.
    async fn inclusion_proof(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The chain (`committee:<n>` or `case:<n>`, as on `AuditEvent.chain`).")] chain: String,
    ) -> Option<AuditInclusionProof> {
        context::nullable(ctx, async {
            let (_, reach) = context::authorize(ctx, domain::Operation::ReadAuditTrail)?;
            if chain.is_empty() || chain.len() > 64 || !chain.chars().all(|c| c.is_ascii_alphanumeric() || c == ':') {
                return Err(AppError::bad_input(&["chain"], "must be a chain name such as case:12").into());
            }
            let statement = self.parsed()?;
            let not_found = || AppError::NotFound("chain in this checkpoint");
            let proof = statement.inclusion(&chain).ok_or_else(not_found)?;
            let db = &context::request(ctx)?.db;
            if statement.listed || !crate::db::audit::entry_within(&db.conn, &chain, proof.head.seq, &reach).await? {
                return Err(not_found().into());
            }
            Ok(Some(AuditInclusionProof(proof)))
        })
        .await
    }
}

impl AuditCheckpoint {
    fn parsed(&self) -> AppResult<audit::Statement> {
        audit::Statement::parse(&self.0.statement, self.0.heads.as_deref())
            .ok_or_else(|| AppError::internal(std::io::Error::other("a stored checkpoint does not parse")))
    }
}

/// The `AuditInclusionProof` GraphQL type (documented on its resolvers below).
#[derive(Clone, Debug)]
pub struct AuditInclusionProof(pub audit::Inclusion);

/// One chain's head in a checkpoint, and its audit path to the signed root
/// (RFC 9162 §2.1.3). The leaf hash is SHA-256 of the byte 0x00 then the
/// UTF-8 line `<chain> <seq> <hash>`; an inner node is SHA-256 of 0x01, the
/// left child's 32 bytes, the right child's. Starting from the leaf at
/// `leafIndex` of `treeSize`, combine with each `path` hash in turn; the
/// result must be the statement's `root`.
#[Object]
impl AuditInclusionProof {
    /// The chain.
    async fn chain(&self) -> &str {
        &self.0.head.chain
    }

    /// The sequence number of the chain's newest entry when it was signed.
    async fn seq(&self) -> i64 {
        self.0.head.seq
    }

    /// That entry's hash (hex).
    async fn hash(&self) -> &str {
        &self.0.head.hash
    }

    /// The leaf's place in the tree, from 0.
    async fn leaf_index(&self) -> i64 {
        self.0.index as i64
    }

    /// The number of leaves (the statement's `size`).
    async fn tree_size(&self) -> i64 {
        self.0.size as i64
    }

    /// The sibling hashes from the leaf up (hex).
    async fn path(&self) -> Vec<String> {
        self.0.path.iter().map(hex::encode).collect()
    }
}

/// A checkpoint by number, as `reach` may read it: below the central
/// committee, only those of format v2, whose statements name no chain (as
/// `auditCheckpoints` lists them).
pub async fn checkpoint<C: sea_orm::ConnectionTrait>(
    db: &C,
    number: i64,
    reach: &crate::domain::Reach,
) -> AppResult<Option<AuditCheckpoint>> {
    use entity::audit_checkpoint::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut select = Entity::find_by_id(number);
    if *reach != crate::domain::Reach::All {
        select = select.filter(Column::Heads.is_not_null());
    }
    Ok(select.one(db).await?.map(AuditCheckpoint))
}

/// The checkpoint a verification names, read with the caller's reach.
pub(super) async fn referenced(ctx: &Context<'_>, number: Option<i64>) -> Result<Option<AuditCheckpoint>> {
    let Some(number) = number else { return Ok(None) };
    let (_, reach) = context::authorize(ctx, domain::Operation::ReadAuditTrail)?;
    Ok(checkpoint(&context::request(ctx)?.db.conn, number, &reach).await?)
}
