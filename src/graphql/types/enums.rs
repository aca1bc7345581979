//! GraphQL enums, mirrored from the domain's (`remote` keeps them in step).

use async_graphql::Enum;

use crate::domain;
use crate::domain::org;

/// Where a committee sits in the hierarchy.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "org::CommitteeLevel")]
pub enum CommitteeLevel {
    /// The Central Steering Committee (exactly one).
    Central,
    /// A provincial or municipal steering committee.
    Provincial,
}

/// Whether a committee still works.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "org::CommitteeStatus")]
pub enum CommitteeStatus {
    /// Working.
    Active,
    /// Merged into a successor, which now holds its work; history is kept.
    Merged,
    /// Dissolved without a successor.
    Dissolved,
}

/// The seat a position gives on a committee.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "org::SeatRole")]
pub enum PositionRole {
    /// Head of the committee.
    Head,
    /// Standing deputy head.
    StandingDeputyHead,
    /// Deputy head.
    DeputyHead,
    /// Member.
    Member,
}

/// What an agency is to its committee.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "org::AgencyKind")]
pub enum AgencyKind {
    /// The body that staffs the committee (internal affairs commission or committee).
    Advisory,
    /// Police / investigation agency.
    Police,
    /// People's procuracy.
    Procuracy,
    /// People's court.
    Court,
    /// Government inspectorate.
    Inspectorate,
    /// State audit.
    StateAudit,
    /// Party inspection commission.
    PartyInspection,
}

/// A role a caller holds on a committee.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::Role")]
pub enum Role {
    /// Manages committees, people and positions.
    Admin,
    /// The standing committee: decides monitoring and assignments.
    Standing,
    /// Advisory-agency staff: creates and edits cases and their records.
    Officer,
    /// A functional agency's liaison.
    Agency,
    /// Reads the committee's cases.
    Member,
    /// Reads everything in reach, the audit trail included.
    Auditor,
    /// Statistics only.
    Analyst,
}

/// Whether a caller is a person or another system's service account.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::PrincipalKind")]
pub enum PrincipalKind {
    /// A person using a client.
    Person,
    /// A service account of another system.
    Service,
}

/// Sort direction.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Direction {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

/// An operation of the permission table: what a role may do.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::Operation")]
pub enum Operation {
    /// Read committees and agencies within reach.
    ReadOrganisation,
    /// Read people and their seats within reach.
    ReadMembership,
    /// Create and change committees, people and positions; merge committees.
    ManageOrganisation,
    /// Read the audit trail within reach.
    ReadAuditTrail,
    /// Verify the audit trail against its signed checkpoints; sign a checkpoint.
    VerifyAuditTrail,
}

/// How the audit trail failed verification.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::audit::BreakKind")]
pub enum AuditBreakKind {
    /// An entry's stored hash is not the hash of its content (it was edited).
    HashMismatch,
    /// An entry does not carry its predecessor's hash (reordered or rewritten).
    BrokenLink,
    /// A sequence number is missing: an entry was removed.
    MissingEntry,
    /// The chain ends before a signed checkpoint or its stored head says it does.
    Truncated,
    /// An entry differs from the one a signed checkpoint recorded (rehashed after an edit).
    CheckpointMismatch,
    /// A checkpoint's signature does not verify, or no trusted key made it.
    BadSignature,
    /// A checkpoint does not follow the one before it (one was removed or altered).
    CheckpointChainBroken,
}

/// What a write recorded in the audit trail did.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::audit::AuditAction")]
pub enum AuditAction {
    /// A committee was created.
    CommitteeCreate,
    /// A committee's details were changed.
    CommitteeUpdate,
    /// A committee was merged into a successor.
    CommitteeMerge,
    /// A person was recorded.
    PersonCreate,
    /// A person's details were changed.
    PersonUpdate,
    /// A person was appointed to a seat.
    PositionAppoint,
    /// A seat's details were changed.
    PositionUpdate,
    /// A seat's term ended.
    PositionEnd,
}

/// The type of record an audit entry is about: the type of its global ID.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::audit::AuditEntity")]
pub enum AuditEntityType {
    /// A `Committee`.
    Committee,
    /// An `Agency`.
    Agency,
    /// A `Person`.
    Person,
    /// A `Position`.
    Position,
}
