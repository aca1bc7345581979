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
    /// Read cases and incidents within reach (an agency: those it handles).
    ReadCases,
    /// Read defendants' personal details and a matter's history.
    ReadCaseDetails,
    /// Create and edit matters; record disciplinary actions and recoveries.
    ManageCases,
    /// Record procedure steps and defendants (an agency: on matters it handles).
    RecordProcedure,
    /// Decide monitoring and assign matters from the central committee.
    DecideMonitoring,
    /// Read the figures (statistics) of committees within reach, never the records behind them.
    ReadStatistics,
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
    /// A checkpoint this instance signed or verified is gone or changed.
    CheckpointMissing,
    /// A record's stored state is not what its chain's entries lead to.
    StateMismatch,
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
    /// A case or incident was recorded.
    CaseCreate,
    /// A matter's details were changed.
    CaseUpdate,
    /// A matter took a workflow step.
    CaseTransition,
    /// The central committee assigned a matter to a provincial one.
    CaseAssign,
    /// Another agency's reference number was recorded for a matter.
    CaseReference,
    /// A defendant was added to a case.
    DefendantAdd,
    /// A defendant's details or status changed.
    DefendantUpdate,
    /// A disciplinary action was recorded.
    DisciplineRecord,
    /// An amount recovered was recorded.
    RecoveryRecord,
    /// A recovery recorded in error was reversed by a negating entry.
    RecoveryReverse,
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
    /// A `Case` (a case or an incident).
    Case,
    /// A `Defendant`.
    Defendant,
    /// A `DisciplinaryAction`.
    DisciplinaryAction,
    /// A `Recovery`.
    Recovery,
}

/// A criminal case or an incident under verification.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::cases::CaseKind")]
pub enum CaseKind {
    /// A criminal case ("vụ án").
    Case,
    /// A matter under verification ("vụ việc").
    Incident,
}

/// A state of either workflow (monitoring, procedure); `workflow` says which.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::cases::CaseState")]
pub enum CaseState {
    /// Monitoring: proposed to the standing committee.
    Proposed,
    /// Monitoring: under the committee's monitoring and direction.
    UnderMonitoring,
    /// Monitoring: removed from monitoring, handling complete (the record is closed).
    MonitoringEnded,
    /// Monitoring: the committee decided not to monitor it (the record is closed).
    Declined,
    /// Incident procedure: under verification.
    Verification,
    /// Incident procedure: verification concluded without signs of crime.
    Concluded,
    /// Incident procedure: signs of crime found, sent to investigation (a linked case was opened).
    TransferredToInvestigation,
    /// Case procedure: prosecuted.
    Prosecuted,
    /// Case procedure: under investigation.
    Investigation,
    /// Case procedure: indicted.
    Indictment,
    /// Case procedure: first-instance trial.
    FirstInstanceTrial,
    /// Case procedure: appeal trial.
    AppealTrial,
    /// Case procedure: the sentence is being executed.
    SentenceExecution,
    /// Case procedure: over.
    Closed,
    /// Case procedure: suspended.
    Suspended,
    /// Case procedure: dismissed.
    Dismissed,
}

/// One of the two workflows a matter moves through.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::cases::Machine")]
pub enum CaseWorkflow {
    /// The committee's monitoring and direction.
    Monitoring,
    /// The functional agencies' procedure.
    Procedure,
}

/// A workflow step, by name (see `workflow` for each one's states and roles).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::cases::Transition")]
pub enum CaseTransition {
    /// Take the matter under monitoring and direction.
    TakeUnderMonitoring,
    /// Decide not to monitor the matter.
    DeclineMonitoring,
    /// Remove the matter from monitoring (closes the record).
    EndMonitoring,
    /// Take a closed record under monitoring again, for a reason.
    Reopen,
    /// End an incident's verification without signs of crime.
    ConcludeVerification,
    /// Send an incident to investigation; opens a linked case.
    TransferToInvestigation,
    /// Start the investigation.
    StartInvestigation,
    /// Indict.
    Indict,
    /// Open the first-instance trial.
    OpenTrial,
    /// Open the first-instance trial in the defendant's absence.
    OpenTrialInAbsentia,
    /// Appeal the first-instance judgment.
    Appeal,
    /// Execute the sentence.
    ExecuteSentence,
    /// Close the procedure.
    Close,
    /// Suspend the procedure.
    Suspend,
    /// Resume a suspended procedure where it stopped.
    Resume,
    /// Dismiss the case.
    Dismiss,
}

/// What a workflow step must carry.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::cases::Requirement")]
pub enum StepRequirement {
    /// `decisionRef`: the decision's reference number.
    DecisionRef,
    /// `effectiveOn`: the day it takes effect.
    EffectiveOn,
    /// `reason`.
    Reason,
}

/// The domain a matter concerns.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::cases::CaseField")]
pub enum CaseField {
    /// Land management.
    Land,
    /// Banking and credit.
    Banking,
    /// Health.
    Health,
    /// Public procurement.
    Procurement,
    /// Education.
    Education,
    /// Energy.
    Energy,
    /// Infrastructure and construction.
    Infrastructure,
    /// Natural resources and minerals.
    NaturalResources,
    /// Public finance and assets.
    PublicFinance,
    /// Anything else.
    Other,
}

/// Where a matter came to light.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::cases::CaseSource")]
pub enum CaseSource {
    /// An inspection.
    Inspection,
    /// A state audit.
    Audit,
    /// A denunciation.
    Denunciation,
    /// The press.
    Press,
    /// An investigation.
    Investigation,
    /// Anything else.
    Other,
}

/// Where a defendant stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::cases::DefendantStatus")]
pub enum DefendantStatus {
    /// Prosecuted.
    Prosecuted,
    /// Indicted.
    Indicted,
    /// Convicted.
    Convicted,
    /// Acquitted.
    Acquitted,
    /// Fled; tried in absentia.
    FledTriedInAbsentia,
}

/// Who a disciplinary action is against.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::cases::DisciplineSubject")]
pub enum DisciplineSubject {
    /// A Party organisation.
    Organisation,
    /// An individual.
    Individual,
}

/// The Party's disciplinary forms.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::cases::DisciplineForm")]
pub enum DisciplineForm {
    /// Reprimand.
    Reprimand,
    /// Warning.
    Warning,
    /// Dismissal from office.
    Dismissal,
    /// Expulsion from the Party.
    Expulsion,
}
