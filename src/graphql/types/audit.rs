//! `AuditEvent`: one entry of the tamper-evident audit trail.

use async_graphql::{Context, ID, Json, Object, Result, SelectionField};
use entity::audit_event;

use super::enums::{AuditAction, AuditEntityType, PrincipalKind};
use super::scalars::DateTime;
use crate::db::columns::Columns;
use crate::domain;
use crate::domain::audit;
use crate::error::{AppError, AppResult};
use crate::graphql::context;
use crate::graphql::ids::{self, Kind};
use crate::graphql::projection::{self, ColumnTable};

/// The columns each `AuditEvent` field reads, besides its id and chain
/// (a field not listed, such as `hashedFields`, reads the whole row).
pub const AUDIT_EVENT_COLUMNS: ColumnTable<audit_event::Column> = {
    use audit_event::Column as C;
    &[
        ("id", &[]),
        ("at", &[C::At]),
        ("actor", &[C::Actor]),
        ("actorKind", &[C::ActorKind]),
        ("action", &[C::Action]),
        ("entityType", &[C::Entity]),
        ("entityId", &[C::Entity, C::EntityId]),
        ("payload", &[C::Payload]),
        ("hash", &[C::Hash]),
        ("prevHash", &[C::PrevHash]),
        ("chain", &[]),
        ("seq", &[C::Seq]),
        ("committee", &[C::CommitteeId]),
    ]
};

/// The columns a selection of an entry (`field`'s own) reads.
pub fn event_columns(field: SelectionField<'_>) -> Columns<entity::audit_event::Entity> {
    use audit_event::Column as C;
    projection::columns(field.selection_set(), AUDIT_EVENT_COLUMNS, &[C::Id, C::Chain])
}

/// The `AuditEvent` GraphQL type (documented on its resolvers below).
#[derive(Clone, Debug)]
pub struct AuditEvent(pub audit_event::Model);

impl AuditEvent {
    fn entity(&self) -> AppResult<audit::AuditEntity> {
        audit::AuditEntity::parse(&self.0.entity).ok_or_else(|| self.unknown("entity"))
    }

    fn unknown(&self, column: &'static str) -> AppError {
        let value = match column {
            "action" => &self.0.action,
            "entity" => &self.0.entity,
            "actor_kind" => &self.0.actor_kind,
            _ => &self.0.payload,
        };
        AppError::unknown_stored("audit_event", self.0.id, column, value)
    }
}

/// One write, as recorded in the same transaction as the change, in a
/// hash chain: a matter's writes (its steps, defendants, recoveries,
/// references) in the matter's own chain, `case:<n>`; a committee's (the
/// committee, its people and seats, disciplinary actions recorded on it) in
/// the committee's, `committee:<n>`, and a write that concerns several
/// committees (a merge) in each one's. Each entry's `hash` is SHA-256 over
/// `hashedFields`, which include the previous entry's hash.
#[Object]
impl AuditEvent {
    /// Globally unique, opaque identifier.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::AuditEvent, self.0.id)
    }

    /// When the write committed (UTC).
    async fn at(&self) -> DateTime {
        DateTime(self.0.at)
    }

    /// The `sub` of the caller who wrote.
    async fn actor(&self) -> &str {
        &self.0.actor
    }

    /// Whether the writer was a person or a service account.
    async fn actor_kind(&self) -> Result<PrincipalKind> {
        match self.0.actor_kind.as_str() {
            "SERVICE" => Ok(domain::PrincipalKind::Service.into()),
            "PERSON" => Ok(domain::PrincipalKind::Person.into()),
            _ => Err(self.unknown("actor_kind").into()),
        }
    }

    /// What was done.
    async fn action(&self) -> Result<AuditAction> {
        let action = audit::AuditAction::parse(&self.0.action).ok_or_else(|| self.unknown("action"))?;
        Ok(action.into())
    }

    /// The type of the record written: the type of `entityId`.
    async fn entity_type(&self) -> Result<AuditEntityType> {
        Ok(self.entity()?.into())
    }

    /// The global ID of the record written.
    async fn entity_id(&self) -> Result<ID> {
        let kind = match self.entity()? {
            audit::AuditEntity::Committee => Kind::Committee,
            audit::AuditEntity::Person => Kind::Person,
            audit::AuditEntity::Agency => Kind::Agency,
            audit::AuditEntity::Position => Kind::Position,
            audit::AuditEntity::Case => Kind::Case,
            audit::AuditEntity::Defendant => Kind::Defendant,
            audit::AuditEntity::DisciplinaryAction => Kind::DisciplinaryAction,
            audit::AuditEntity::Recovery => Kind::Recovery,
        };
        Ok(ids::encode(kind, self.0.entity_id))
    }

    /// The record after the write.
    async fn payload(&self) -> Result<Json<serde_json::Value>> {
        let value = serde_json::from_str(&self.0.payload).map_err(|_| self.unknown("payload"))?;
        Ok(Json(value))
    }

    /// SHA-256 (hex) of `hashedFields`.
    async fn hash(&self) -> &str {
        &self.0.hash
    }

    /// The previous entry's hash in the same chain (64 zeros for the first).
    async fn prev_hash(&self) -> &str {
        &self.0.prev_hash
    }

    /// The chain the entry is in: `case:<n>` (a matter's history, one per
    /// matter) or `committee:<n>` (one per committee); `<n>` is the record's
    /// number. `auditEvents(chain:)` lists one chain.
    async fn chain(&self) -> &str {
        &self.0.chain
    }

    /// The entry's place in its chain: 1, 2, 3, ... without gaps.
    async fn seq(&self) -> Result<i32> {
        Ok(i32::try_from(self.0.seq).map_err(AppError::internal)?)
    }

    /// The committee whose reach covers the entry: the chain's committee,
    /// or for a matter's history the committee that monitored the matter when
    /// it was written (null when outside the caller's reach).
    async fn committee(&self, ctx: &async_graphql::Context<'_>) -> Option<super::Boxed<super::Committee>> {
        crate::graphql::context::nullable(ctx, async {
            let Some(id) = self.0.committee_id else { return Ok(None) };
            let req = crate::graphql::context::request(ctx)?;
            Ok(req.org.load_one(crate::graphql::loaders::CommitteeId(id)).await?.map(super::Committee))
        })
        .await
        .map(super::Boxed::from)
    }

    /// Exactly what `hash` covers, in order: chain, seq, prevHash, `at` in
    /// microseconds since the Unix epoch, actor, actorKind, action and entity
    /// type as stored (e.g. `committee.update`, `Committee`), the record's
    /// numeric id, the payload as canonical JSON (keys sorted, no spaces),
    /// the numeric id of the committee whose reach covers the entry (empty
    /// if none) and `v2`. Entries written before version 2 of the format
    /// stop after the payload (ten fields). The hash is SHA-256 over each
    /// field's UTF-8 length as 8 big-endian bytes followed by its bytes. The
    /// verifier in Python is in `docs/audit.md`.
    async fn hashed_fields(&self) -> Vec<String> {
        self.0.hashed_fields_as_stored()
    }
}

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

/// The `AuditVerification` GraphQL type (documented on its resolvers below).
#[derive(Clone, Debug)]
pub struct AuditVerification(pub crate::service::audit::Verification);

/// The result of verifying the audit trail.
#[Object]
impl AuditVerification {
    /// True when every chain checked is intact and agrees with the signed checkpoints.
    async fn ok(&self) -> bool {
        self.0.problem.is_none()
    }

    /// When the verification ran.
    async fn at(&self) -> DateTime {
        DateTime(self.0.at)
    }

    /// The checkpoint it started from: the newest one this instance had
    /// verified the whole trail up to, so only what was appended since was
    /// walked. Null when every chain was walked from its first entry (the
    /// background verification, or `startAuditVerification`).
    async fn from_checkpoint(&self, ctx: &Context<'_>) -> Option<AuditCheckpoint> {
        crate::graphql::context::nullable(ctx, referenced(ctx, self.0.from_checkpoint)).await
    }

    /// Chains walked.
    async fn chains(&self) -> u64 {
        self.0.chains
    }

    /// Entries checked.
    async fn entries(&self) -> u64 {
        self.0.entries
    }

    /// Checkpoints whose signatures were checked.
    async fn checkpoints(&self) -> u64 {
        self.0.checkpoints
    }

    /// The first problem found, if any.
    async fn problem(&self) -> Option<AuditBreak> {
        self.0.problem.clone().map(AuditBreak)
    }
}

/// The `AuditBreak` GraphQL type (documented on its resolvers below).
#[derive(Clone, Debug)]
pub struct AuditBreak(pub audit::Break);

/// The first place the audit trail fails verification.
#[Object]
impl AuditBreak {
    /// What is wrong.
    async fn kind(&self) -> super::enums::AuditBreakKind {
        self.0.kind.into()
    }

    /// The chain, when the problem is in one.
    async fn chain(&self) -> Option<&str> {
        self.0.chain.as_deref()
    }

    /// The place in the chain where it breaks.
    async fn seq(&self) -> Option<i64> {
        self.0.seq
    }

    /// The checkpoint involved, if any and if it is still stored (a
    /// `CHECKPOINT_MISSING` break names one that is not: see `checkpointNumber`).
    async fn checkpoint(&self, ctx: &Context<'_>) -> Option<AuditCheckpoint> {
        crate::graphql::context::nullable(ctx, referenced(ctx, self.0.checkpoint_id)).await
    }

    /// The number of the checkpoint involved, if any, also when it is gone.
    async fn checkpoint_number(&self) -> Option<i64> {
        self.0.checkpoint_id
    }

    /// A sentence for people.
    async fn detail(&self) -> &str {
        &self.0.detail
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
async fn referenced(ctx: &Context<'_>, number: Option<i64>) -> Result<Option<AuditCheckpoint>> {
    let Some(number) = number else { return Ok(None) };
    let (_, reach) = context::authorize(ctx, domain::Operation::ReadAuditTrail)?;
    Ok(checkpoint(&context::request(ctx)?.db.conn, number, &reach).await?)
}
