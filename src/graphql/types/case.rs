//! `Case` (a case or an incident) and its records: defendants, references,
//! disciplinary actions, recoveries, the steps a viewer may take, and the
//! workflow itself.

use std::collections::HashMap;

use async_graphql::{Context, ID, Object, Result, SelectionField, SimpleObject};
use entity::{case_record, case_reference, defendant, disciplinary_action, recovery};

use super::committee::paging_cost;
use super::enums::{
    CaseField, CaseKind, CaseSource, CaseState, CaseTransition, CaseWorkflow, DefendantStatus, DisciplineForm,
    DisciplineSubject, Role, StepRequirement,
};
use super::scalars::{Date, DateTime, Vnd};
use super::{Agency, AuditEvent, Boxed, Committee};
use crate::db::cases::{self as store, CaseRecords, Joined};
use crate::db::columns::Columns;
use crate::db::page::{Cursor, Page, Position, SortKey};
use crate::domain::Operation;
use crate::domain::cases::{self as workflow, Target};
use crate::error::{AppError, AppResult};
use crate::graphql::context;
use crate::graphql::ids::{self, Kind};
use crate::graphql::loaders::{
    AgencyId, CaseId, CommitteeId, DefendantCountsOf, DefendantsOf, DisciplineOf, LastEventOf, RecoveriesOf,
    ReferencesOf,
};
use crate::graphql::paging::{self, Conn, Extra};
use crate::graphql::projection::{self, ColumnTable};
use crate::service::cases::{self as service, Standing};

/// The columns each `Case` field reads, besides those every read of a
/// matter has (its id, sort keys, committees and agency: what cursors and
/// the viewer's standing need, `db::cases::page`). A field not listed here
/// reads the whole row.
pub const CASE_COLUMNS: ColumnTable<case_record::Column> = {
    use case_record::Column as C;
    // What the workflow facts are made of (`service::cases::facts`).
    const FACTS: &[C] = &[C::Kind, C::MonitoringState, C::ProcedureState, C::SuspendedFrom];
    &[
        ("id", &[]),
        ("version", &[C::Version]),
        ("kind", &[C::Kind]),
        ("code", &[C::Code]),
        ("title", &[C::Title]),
        ("summary", &[C::Summary]),
        ("field", &[C::Field]),
        ("publicConcern", &[C::PublicConcern]),
        ("nonStateSector", &[C::NonStateSector]),
        ("source", &[C::Source]),
        ("lossAmount", &[C::LossAmount]),
        ("recoveredAmount", &[C::RecoveredAmount]),
        ("monitoringState", &[C::MonitoringState]),
        ("procedureState", &[C::ProcedureState]),
        ("suspendedFrom", &[C::SuspendedFrom]),
        ("inAbsentia", &[C::InAbsentia]),
        ("closed", FACTS),
        ("openedOn", &[C::OpenedOn]),
        ("createdAt", &[C::CreatedAt]),
        ("updatedAt", &[C::UpdatedAt]),
        ("monitoringCommittee", &[C::MonitoringCommitteeId]),
        ("assigningCommittee", &[C::AssigningCommitteeId]),
        ("handlingAgency", &[C::HandlingAgencyId]),
        ("origin", &[C::OriginCaseId]),
        ("references", &[]),
        ("defendantCounts", &[]),
        ("defendants", &[]),
        ("disciplinaryActions", &[]),
        ("recoveries", &[]),
        ("history", &[]),
        ("lastEvent", &[]),
        ("availableTransitions", FACTS),
    ]
};

/// The columns each `Defendant` field reads, besides its id and its case's.
pub const DEFENDANT_COLUMNS: ColumnTable<defendant::Column> = {
    use defendant::Column as C;
    &[
        ("id", &[]),
        ("version", &[C::Version]),
        ("fullName", &[C::FullName]),
        ("positionHeld", &[C::PositionHeld]),
        ("cadre", &[C::Cadre]),
        ("partyMember", &[C::PartyMember]),
        ("leader", &[C::Leader]),
        ("centrallyManaged", &[C::CentrallyManaged]),
        ("nonStateSector", &[C::NonStateSector]),
        ("status", &[C::Status]),
        ("charges", &[C::Charges]),
        ("case", &[]),
    ]
};

/// The columns a `defendants` selection reads of each defendant.
pub fn defendant_columns(field: SelectionField<'_>) -> Columns {
    use defendant::Column as C;
    projection::columns(projection::node_selections(field), DEFENDANT_COLUMNS, &[C::Id, C::CaseId])
}

/// The `Case` GraphQL type (documented on its resolvers below): the
/// matter, and what its page read along with it (`db::cases::Along`), which
/// its fields then answer from rather than from a loader.
#[derive(Clone, Debug)]
pub struct Case(pub case_record::Model, pub Option<Box<Joined>>);

impl From<case_record::Model> for Case {
    fn from(row: case_record::Model) -> Case {
        Case(row, None)
    }
}

impl Case {
    /// A matter of a page, with what the page read along with it.
    pub fn joined(row: case_record::Model, joined: Joined) -> Case {
        Case(row, Some(Box::new(joined)))
    }
}

impl Case {
    fn stored<T>(&self, column: &str, value: &str, parse: impl Fn(&str) -> Option<T>) -> AppResult<T> {
        parse(value).ok_or_else(|| AppError::unknown_stored("case_record", self.0.id, column, value))
    }

    /// What the viewer is to this matter (roles over its committees, agency).
    async fn standing(&self, ctx: &Context<'_>) -> Result<Standing> {
        let viewer = context::viewer(ctx)?;
        if let Some(standing) = service::central_standing(viewer, &self.0) {
            return Ok(standing);
        }
        // Boxed: every field of `Case` resolves in one state machine as large
        // as its largest resolver's, and the committee loads are large.
        Box::pin(self.standing_through_committees(ctx)).await
    }

    async fn standing_through_committees(&self, ctx: &Context<'_>) -> Result<Standing> {
        let req = context::request(ctx)?;
        let viewer = context::viewer(ctx)?;
        let mut ids = vec![self.0.monitoring_committee_id];
        ids.extend(self.0.assigning_committee_id);
        let found = req.org.load_many(ids.iter().map(|id| CommitteeId(*id))).await?;
        let heirs: Vec<CommitteeId> = found.values().filter_map(|c| c.heir_id).map(CommitteeId).collect();
        let more = req.org.load_many(heirs).await?;
        let committees: HashMap<i64, entity::committee::Model> =
            found.into_iter().chain(more).map(|(k, v)| (k.0, v)).collect();
        Ok(service::standing_with(viewer, &self.0, &committees))
    }

    /// Whether the viewer may read `type_name.field` of this matter: the
    /// field rule of the permission table (defendants' details and the
    /// history need `READ_CASE_DETAILS`), over the matter's committees and
    /// the agency handling it.
    pub(crate) async fn field_allowed(&self, ctx: &Context<'_>, type_name: &str, field: &str) -> Result<()> {
        let Some(op) = crate::domain::permissions::field_rule(type_name, field) else {
            return Err(
                AppError::internal(std::io::Error::other(format!("no field rule for {type_name}.{field}"))).into()
            );
        };
        if self.standing(ctx).await?.may(op) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "operation {} ({type_name}.{field}) is not granted to your roles on this matter",
                op.name()
            ))
            .into())
        }
    }
}

fn i32_of(v: i64) -> Result<i32> {
    Ok(i32::try_from(v).map_err(AppError::internal)?)
}

/// A case ("vụ án") or an incident ("vụ việc") a committee monitors: its
/// facts, where it stands in monitoring and in the procedure, its records,
/// its history, and the steps the viewer may take now.
#[Object]
impl Case {
    /// Globally unique, opaque identifier.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Case, self.0.id)
    }

    /// Bumped by every change to the matter or its records. Pass it as
    /// `expectedVersion` so a write is refused (`CONFLICT`) if someone changed
    /// it since you read it.
    async fn version(&self) -> Result<i32> {
        i32_of(self.0.version)
    }

    /// A case or an incident.
    async fn kind(&self) -> Result<CaseKind> {
        Ok(self.stored("kind", &self.0.kind, workflow::CaseKind::parse)?.into())
    }

    /// Its code, e.g. `NA-2023-014`: unique among the matters its registering
    /// committee registered.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Summary.
    async fn summary(&self) -> &str {
        &self.0.summary
    }

    /// The domain it concerns.
    async fn field(&self) -> Result<CaseField> {
        Ok(self.stored("field", &self.0.field, workflow::CaseField::parse)?.into())
    }

    /// Whether it is of public concern.
    async fn public_concern(&self) -> bool {
        self.0.public_concern
    }

    /// Whether it is in the non-state sector.
    async fn non_state_sector(&self) -> bool {
        self.0.non_state_sector
    }

    /// Where it came to light.
    async fn source(&self) -> Result<CaseSource> {
        Ok(self.stored("source", &self.0.source, workflow::CaseSource::parse)?.into())
    }

    /// The loss, in VND; null while unknown.
    async fn loss_amount(&self) -> Option<Vnd> {
        self.0.loss_amount.map(Vnd)
    }

    /// The total recovered so far (the sum of `recoveries`), in VND.
    async fn recovered_amount(&self) -> Vnd {
        Vnd(self.0.recovered_amount)
    }

    /// Where it stands in the committee's monitoring.
    async fn monitoring_state(&self) -> Result<CaseState> {
        Ok(self.stored("monitoring_state", &self.0.monitoring_state, workflow::CaseState::parse)?.into())
    }

    /// Where it stands in the functional agencies' procedure.
    async fn procedure_state(&self) -> Result<CaseState> {
        Ok(self.stored("procedure_state", &self.0.procedure_state, workflow::CaseState::parse)?.into())
    }

    /// While suspended: the procedure state it resumes to.
    async fn suspended_from(&self, ctx: &Context<'_>) -> Option<CaseState> {
        context::nullable(ctx, async {
            match &self.0.suspended_from {
                Some(s) => Ok(Some(self.stored("suspended_from", s, workflow::CaseState::parse)?.into())),
                None => Ok(None),
            }
        })
        .await
    }

    /// Whether the first-instance trial went ahead without the defendant.
    async fn in_absentia(&self) -> bool {
        self.0.in_absentia
    }

    /// Whether the record is closed (monitoring ended or declined): nothing
    /// changes it then but `REOPEN`.
    async fn closed(&self) -> Result<bool> {
        Ok(service::facts(&self.0)?.is_closed())
    }

    /// The day the matter was opened.
    async fn opened_on(&self) -> Date {
        Date(self.0.opened_on)
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    /// When the record last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }

    /// The committee that monitors and directs it.
    async fn monitoring_committee(&self, ctx: &Context<'_>) -> Option<Boxed<Committee>> {
        context::nullable(ctx, async {
            if let Some(read) = self.1.as_ref().and_then(|j| j.committee.as_ref()) {
                return Ok(read.clone().map(Committee));
            }
            super::committee::committee_for_field(ctx, self.0.monitoring_committee_id).await
        })
        .await
        .map(Boxed::from)
    }

    /// The central committee, when it assigned the matter to a province.
    async fn assigning_committee(&self, ctx: &Context<'_>) -> Option<Boxed<Committee>> {
        context::nullable(ctx, async {
            let Some(id) = self.0.assigning_committee_id else { return Ok(None) };
            Ok(context::request(ctx)?.org.load_one(CommitteeId(id)).await?.map(Committee))
        })
        .await
        .map(Boxed::from)
    }

    /// The functional agency handling it now.
    async fn handling_agency(&self, ctx: &Context<'_>) -> Option<Boxed<Agency>> {
        context::nullable(ctx, async {
            let Some(id) = self.0.handling_agency_id else { return Ok(None) };
            Ok(context::request(ctx)?.org.load_one(AgencyId(id)).await?.map(Agency))
        })
        .await
        .map(Boxed::from)
    }

    /// The incident this case was opened from (transferred to investigation).
    async fn origin(&self, ctx: &Context<'_>) -> Option<Boxed<Case>> {
        context::nullable(ctx, async {
            let Some(id) = self.0.origin_case_id else { return Ok(None) };
            Ok(context::request(ctx)?.cases.load_one(CaseId(id)).await?.map(Case::from))
        })
        .await
        .map(Boxed::from)
    }

    /// The numbers other agencies gave it, in the order they were recorded.
    /// Pages forwards (`first`, `after`).
    #[graphql(complexity = "paging_cost(Some(first), None, child_complexity)")]
    async fn references(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first n items, n from 1 to the page size limit (100 unless configured).")] first: i32,
        #[graphql(desc = "Start after this cursor (`pageInfo.endCursor` or an edge's `cursor` from this list).")]
        after: Option<String>,
    ) -> Result<Boxed<Conn<CaseReference>>> {
        // Boxed, so the fields of this type stay small (see `context::nullable`).
        Box::pin(async move {
            let args = paging::args(ctx, Some(first), after, None, None)?;
            let after = paging::record_after(CaseRecords::References, &args)?;
            let rows = context::request(ctx)?
                .cases
                .load_one(ReferencesOf(self.0.id, after, args.size))
                .await?
                .unwrap_or_default();
            let key = |r: &case_reference::Model| (None, r.id);
            Ok(Boxed::from(paging::record_page(CaseRecords::References, self.0.id, rows, &args, key, CaseReference)))
        })
        .await
    }

    /// How many defendants it has, by the attributes the figures count; for
    /// every reader of the matter (names need `READ_CASE_DETAILS`).
    async fn defendant_counts(&self, ctx: &Context<'_>) -> Result<DefendantCounts> {
        // Boxed, so the fields of this type stay small (see `context::nullable`).
        Box::pin(async move {
            let found = context::request(ctx)?.cases.load_one(DefendantCountsOf(self.0.id)).await?;
            let c = found.unwrap_or_default();
            Ok(DefendantCounts {
                total: i32_of(c.total)?,
                cadres: i32_of(c.cadres)?,
                party_members: i32_of(c.party_members)?,
                leaders: i32_of(c.leaders)?,
                centrally_managed: i32_of(c.centrally_managed)?,
                non_state_sector: i32_of(c.non_state_sector)?,
            })
        })
        .await
    }

    /// Its defendants, in the order they were added, with their personal
    /// details: `READ_CASE_DETAILS` on this matter (null with `FORBIDDEN`
    /// otherwise). Pages forwards (`first`, `after`).
    #[graphql(complexity = "paging_cost(Some(first), None, child_complexity)")]
    async fn defendants(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first n items, n from 1 to the page size limit (100 unless configured).")] first: i32,
        #[graphql(desc = "Start after this cursor (`pageInfo.endCursor` or an edge's `cursor` from this list).")]
        after: Option<String>,
    ) -> Option<Boxed<Conn<Defendant>>> {
        context::nullable(ctx, async {
            self.field_allowed(ctx, "Case", "defendants").await?;
            let args = paging::args(ctx, Some(first), after, None, None)?;
            let after = paging::record_after(CaseRecords::Defendants, &args)?;
            let key = DefendantsOf(self.0.id, after, args.size, defendant_columns(ctx.field()));
            let rows = context::request(ctx)?.cases.load_one(key).await?.unwrap_or_default();
            Ok(Some(paging::record_page(CaseRecords::Defendants, self.0.id, rows, &args, |d| (None, d.id), Defendant)))
        })
        .await
        .map(Boxed::from)
    }

    /// The disciplinary actions linked to it, by the date decided. Pages
    /// forwards (`first`, `after`).
    #[graphql(complexity = "paging_cost(Some(first), None, child_complexity)")]
    async fn disciplinary_actions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first n items, n from 1 to the page size limit (100 unless configured).")] first: i32,
        #[graphql(desc = "Start after this cursor (`pageInfo.endCursor` or an edge's `cursor` from this list).")]
        after: Option<String>,
    ) -> Result<Boxed<Conn<DisciplinaryAction>>> {
        // Boxed, so the fields of this type stay small (see `context::nullable`).
        Box::pin(async move {
            let args = paging::args(ctx, Some(first), after, None, None)?;
            let after = paging::record_after(CaseRecords::Discipline, &args)?;
            let rows = context::request(ctx)?
                .cases
                .load_one(DisciplineOf(self.0.id, after, args.size))
                .await?
                .unwrap_or_default();
            let key = |d: &disciplinary_action::Model| (Some(d.decided_on), d.id);
            Ok(Boxed::from(paging::record_page(
                CaseRecords::Discipline,
                self.0.id,
                rows,
                &args,
                key,
                DisciplinaryAction,
            )))
        })
        .await
    }

    /// The amounts recovered for it, by the date recovered. Pages forwards
    /// (`first`, `after`).
    #[graphql(complexity = "paging_cost(Some(first), None, child_complexity)")]
    async fn recoveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first n items, n from 1 to the page size limit (100 unless configured).")] first: i32,
        #[graphql(desc = "Start after this cursor (`pageInfo.endCursor` or an edge's `cursor` from this list).")]
        after: Option<String>,
    ) -> Result<Boxed<Conn<Recovery>>> {
        // Boxed, so the fields of this type stay small (see `context::nullable`).
        Box::pin(async move {
            let args = paging::args(ctx, Some(first), after, None, None)?;
            let after = paging::record_after(CaseRecords::Recoveries, &args)?;
            let rows = context::request(ctx)?
                .cases
                .load_one(RecoveriesOf(self.0.id, after, args.size))
                .await?
                .unwrap_or_default();
            let key = |r: &recovery::Model| (Some(r.recovered_on), r.id);
            Ok(Boxed::from(paging::record_page(CaseRecords::Recoveries, self.0.id, rows, &args, key, Recovery)))
        })
        .await
    }

    /// Every change to the matter and its records, oldest first: its own
    /// hash chain (`case:<n>`) in the audit trail, which `verifyAuditTrail`
    /// checks. `READ_CASE_DETAILS` on this matter (null with `FORBIDDEN`
    /// otherwise).
    #[graphql(complexity = "paging_cost(first, last, child_complexity)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The first n items, n from 1 to the page size limit (100 unless configured); give `first` or `last`."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor (`pageInfo.endCursor` or an edge's `cursor` from this list).")]
        after: Option<String>,
        #[graphql(
            desc = "The last n items, n from 1 to the page size limit (100 unless configured); give `first` or `last`."
        )]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor (`pageInfo.startCursor` or an edge's `cursor` from this list).")]
        before: Option<String>,
    ) -> Option<Boxed<Conn<AuditEvent>>> {
        context::nullable(ctx, async {
            self.field_allowed(ctx, "Case", "history").await?;
            let args = paging::args(ctx, first, after, last, before)?;
            let seq_of = |c: &Option<Cursor>, arg: &'static str| -> AppResult<Option<i64>> {
                match c {
                    Some(Cursor { order, key: SortKey::Int(seq), .. }) if order == "SEQ" => Ok(Some(*seq)),
                    Some(_) => Err(AppError::bad_input(&[arg], "the cursor belongs to a different list")),
                    None => Ok(None),
                }
            };
            let (after, before) = (seq_of(&args.after, "after")?, seq_of(&args.before, "before")?);
            let db = &context::request(ctx)?.db;
            // Boxed, as the committee loads in `standing`.
            let mut rows =
                Box::pin(store::history_page(&db.conn, self.0.id, after, before, args.size, args.backward)).await?;
            let more = rows.len() as u64 > args.size;
            if more {
                if args.backward {
                    rows.remove(0);
                } else {
                    rows.pop();
                }
            }
            let order: std::sync::Arc<str> = "SEQ".into();
            let items = rows
                .into_iter()
                .map(|e| (Position { order: order.clone(), key: SortKey::Int(e.seq), id: e.id }, e))
                .collect();
            let (has_next, has_previous) =
                if args.backward { (args.before.is_some(), more) } else { (more, args.after.is_some()) };
            let page = Page { items, has_next, has_previous };
            let head = Box::pin(crate::db::audit::head(&db.conn, &entity::audit_event::case_chain(self.0.id))).await?;
            let total = head.map(|h| h.seq.max(0) as usize).unwrap_or(0);
            Ok(Some(paging::connection(page, Extra::known(total), AuditEvent)))
        })
        .await
        .map(Boxed::from)
    }

    /// The latest entry of its history (`READ_CASE_DETAILS`, as `history`;
    /// `FORBIDDEN` without it). Null only for a matter with no history.
    async fn last_event(&self, ctx: &Context<'_>) -> Option<Boxed<AuditEvent>> {
        context::nullable(ctx, async {
            self.field_allowed(ctx, "Case", "lastEvent").await?;
            if let Some(read) = self.1.as_ref().and_then(|j| j.last_event.as_ref()) {
                return Ok(read.clone().map(AuditEvent));
            }
            let key = LastEventOf(self.0.id, super::audit::event_columns(ctx.field()));
            Ok(context::request(ctx)?.cases.load_one(key).await?.map(AuditEvent))
        })
        .await
        .map(Boxed::from)
    }

    /// The workflow steps the viewer may take now, given their roles over
    /// this matter's committees, the agency they act for, its kind and
    /// states: exactly those `transitionCase` accepts (with the details each
    /// requires), so a client draws these buttons and no others.
    async fn available_transitions(&self, ctx: &Context<'_>) -> Result<Vec<AvailableTransition>> {
        // Boxed, so the fields of this type stay small (see `context::nullable`).
        Box::pin(async move {
            let standing = self.standing(ctx).await?;
            let facts = service::facts(&self.0)?;
            Ok(workflow::available(&facts, &standing.actor())
                .into_iter()
                .map(|step| AvailableTransition {
                    transition: step.name.into(),
                    workflow: step.machine.into(),
                    to: match step.to {
                        Target::State(s) => s,
                        Target::Previous => facts.suspended_from.unwrap_or(facts.procedure),
                    }
                    .into(),
                    requires: step.requires.iter().map(|r| (*r).into()).collect(),
                })
                .collect())
        })
        .await
    }
}

/// A step the viewer may take on a matter now.
#[derive(SimpleObject)]
pub struct AvailableTransition {
    /// The step, to pass to `transitionCase`.
    pub transition: CaseTransition,
    /// The workflow it moves.
    pub workflow: CaseWorkflow,
    /// The state it leads to.
    pub to: CaseState,
    /// The arguments of `transitionCase` it requires.
    pub requires: Vec<StepRequirement>,
}

/// A matter's defendants, counted by the attributes the figures use.
#[derive(SimpleObject)]
pub struct DefendantCounts {
    /// All defendants.
    pub total: i32,
    /// Cadres and civil servants.
    pub cadres: i32,
    /// Party members.
    pub party_members: i32,
    /// Leaders and managers.
    pub leaders: i32,
    /// Centrally managed officials.
    pub centrally_managed: i32,
    /// In the non-state sector.
    pub non_state_sector: i32,
}

/// The `Defendant` GraphQL type (documented on its resolvers below).
#[derive(Clone, Debug)]
pub struct Defendant(pub defendant::Model);

/// A person prosecuted in a case (not a committee member). Readable by the
/// roles that handle the case, and auditors.
#[Object]
impl Defendant {
    /// Globally unique, opaque identifier.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Defendant, self.0.id)
    }

    /// Bumped by every change; pass it as `expectedVersion`.
    async fn version(&self) -> Result<i32> {
        i32_of(self.0.version)
    }

    /// Full name (fictitious in the demo data).
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }

    /// The position the defendant held.
    async fn position_held(&self) -> &str {
        &self.0.position_held
    }

    /// A cadre or civil servant.
    async fn cadre(&self) -> bool {
        self.0.cadre
    }

    /// A Party member.
    async fn party_member(&self) -> bool {
        self.0.party_member
    }

    /// A leader or manager.
    async fn leader(&self) -> bool {
        self.0.leader
    }

    /// A centrally managed official.
    async fn centrally_managed(&self) -> bool {
        self.0.centrally_managed
    }

    /// In the non-state sector.
    async fn non_state_sector(&self) -> bool {
        self.0.non_state_sector
    }

    /// Where the defendant stands.
    async fn status(&self) -> Result<DefendantStatus> {
        let s = workflow::DefendantStatus::parse(&self.0.status)
            .ok_or_else(|| AppError::unknown_stored("defendant", self.0.id, "status", &self.0.status))?;
        Ok(s.into())
    }

    /// The charges, as worded in the decision to prosecute.
    async fn charges(&self) -> Result<Vec<String>> {
        serde_json::from_str(&self.0.charges)
            .map_err(|_| AppError::unknown_stored("defendant", self.0.id, "charges", &self.0.charges).into())
    }

    /// The case.
    async fn case(&self, ctx: &Context<'_>) -> Option<Boxed<Case>> {
        context::nullable(ctx, async {
            Ok(context::request(ctx)?.cases.load_one(CaseId(self.0.case_id)).await?.map(Case::from))
        })
        .await
        .map(Boxed::from)
    }
}

/// The `CaseReference` GraphQL type.
#[derive(Clone, Debug)]
pub struct CaseReference(pub case_reference::Model);

/// A number another agency gave a matter; unique per agency among one
/// committee's matters, so `caseByReference` finds the matter by it.
#[Object]
impl CaseReference {
    /// Globally unique, opaque identifier.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::CaseReference, self.0.id)
    }

    /// The matter it numbers (null, with `NOT_FOUND`, outside your reach).
    async fn case(&self, ctx: &Context<'_>) -> Option<Boxed<Case>> {
        parent_case(ctx, self.0.case_id).await
    }

    /// The agency that issued it.
    async fn agency(&self, ctx: &Context<'_>) -> Option<Boxed<Agency>> {
        context::nullable(ctx, async {
            Ok(context::request(ctx)?.org.load_one(AgencyId(self.0.agency_id)).await?.map(Agency))
        })
        .await
        .map(Boxed::from)
    }

    /// The agency's global ID (also when the agency is outside your reach).
    async fn agency_id(&self) -> ID {
        ids::encode(Kind::Agency, self.0.agency_id)
    }

    /// The agency's number for the matter.
    async fn number(&self) -> &str {
        &self.0.number
    }
}

/// The `DisciplinaryAction` GraphQL type.
#[derive(Clone, Debug)]
pub struct DisciplinaryAction(pub disciplinary_action::Model);

/// A Party disciplinary action against an organisation or an individual.
#[Object]
impl DisciplinaryAction {
    /// Globally unique, opaque identifier.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::DisciplinaryAction, self.0.id)
    }

    /// An organisation or an individual.
    async fn subject_kind(&self) -> Result<DisciplineSubject> {
        let v = &self.0.subject_kind;
        let s = workflow::DisciplineSubject::parse(v)
            .ok_or_else(|| AppError::unknown_stored("disciplinary_action", self.0.id, "subject_kind", v))?;
        Ok(s.into())
    }

    /// The organisation or person disciplined.
    async fn subject_name(&self) -> &str {
        &self.0.subject_name
    }

    /// The disciplinary form.
    async fn form(&self) -> Result<DisciplineForm> {
        let v = &self.0.form;
        let f = workflow::DisciplineForm::parse(v)
            .ok_or_else(|| AppError::unknown_stored("disciplinary_action", self.0.id, "form", v))?;
        Ok(f.into())
    }

    /// The body that decided it.
    async fn deciding_body(&self) -> &str {
        &self.0.deciding_body
    }

    /// The day it was decided.
    async fn decided_on(&self) -> Date {
        Date(self.0.decided_on)
    }

    /// The committee that recorded it.
    async fn committee(&self, ctx: &Context<'_>) -> Option<Boxed<Committee>> {
        context::nullable(ctx, async {
            Ok(context::request(ctx)?.org.load_one(CommitteeId(self.0.committee_id)).await?.map(Committee))
        })
        .await
        .map(Boxed::from)
    }

    /// The linked case, if any (and within your reach).
    async fn case(&self, ctx: &Context<'_>) -> Option<Boxed<Case>> {
        context::nullable(ctx, async {
            let Some(id) = self.0.case_id else { return Ok(None) };
            Ok(context::request(ctx)?.cases.load_one(CaseId(id)).await?.map(Case::from))
        })
        .await
        .map(Boxed::from)
    }
}

/// The `Recovery` GraphQL type.
#[derive(Clone, Debug)]
pub struct Recovery(pub recovery::Model);

/// An amount recovered for a case.
#[Object]
impl Recovery {
    /// Globally unique, opaque identifier.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Recovery, self.0.id)
    }

    /// In VND.
    async fn amount(&self) -> Vnd {
        Vnd(self.0.amount)
    }

    /// The day it was recovered.
    async fn recovered_on(&self) -> Date {
        Date(self.0.recovered_on)
    }

    /// The decision or receipt it rests on.
    async fn reference(&self) -> &str {
        &self.0.reference
    }

    /// The case it was recovered for.
    async fn case(&self, ctx: &Context<'_>) -> Option<Boxed<Case>> {
        parent_case(ctx, self.0.case_id).await
    }
}

/// A record's matter, loaded with the viewer's reach.
async fn parent_case(ctx: &Context<'_>, id: i64) -> Option<Boxed<Case>> {
    context::nullable(ctx, async { Ok(context::request(ctx)?.cases.load_one(CaseId(id)).await?.map(Case::from)) })
        .await
        .map(Boxed::from)
}

/// One step of the workflows, as the server enforces it.
#[derive(SimpleObject)]
pub struct WorkflowStep {
    /// Its name, to pass to `transitionCase`.
    pub transition: CaseTransition,
    /// The workflow it moves.
    pub workflow: CaseWorkflow,
    /// The kinds of matter it applies to.
    pub kinds: Vec<CaseKind>,
    /// The states it can be taken from.
    pub from: Vec<CaseState>,
    /// The state it leads to; null for `RESUME`, which returns to the state
    /// the case was suspended from.
    pub to: Option<CaseState>,
    /// The roles that may take it (an `AGENCY` role: on matters its agency handles).
    pub roles: Vec<Role>,
    /// The arguments of `transitionCase` it requires.
    pub requires: Vec<StepRequirement>,
    /// On a matter the central committee assigned to a province, only the
    /// roles held through the central committee take this step (ending or
    /// resuming the record); otherwise either committee's.
    pub assigning_committee_decides: bool,
    /// What the step means.
    pub description: String,
}

/// A workflow state.
#[derive(SimpleObject)]
pub struct WorkflowState {
    /// The state.
    pub state: CaseState,
    /// The workflow it belongs to.
    pub workflow: CaseWorkflow,
    /// The kinds of matter that can be in it.
    pub kinds: Vec<CaseKind>,
    /// Whether a new matter of some kind starts here.
    pub initial: bool,
    /// Whether no step leads out of it (a reopen aside).
    pub terminal: bool,
}

/// Both workflows (monitoring, procedure): their states and steps.
#[derive(SimpleObject)]
pub struct Workflow {
    /// Every state of both workflows.
    pub states: Vec<WorkflowState>,
    /// Every step of both workflows.
    pub steps: Vec<WorkflowStep>,
}

impl Workflow {
    pub fn current() -> Workflow {
        let initial = |s: workflow::CaseState| {
            s == workflow::INITIAL_MONITORING
                || workflow::CaseKind::ALL.iter().any(|k| workflow::initial_procedure(*k) == s)
        };
        Workflow {
            states: workflow::CaseState::ALL
                .iter()
                .map(|s| WorkflowState {
                    state: (*s).into(),
                    workflow: s.machine().into(),
                    kinds: s.kinds().iter().map(|k| (*k).into()).collect(),
                    initial: initial(*s),
                    terminal: s.is_terminal(),
                })
                .collect(),
            steps: workflow::WORKFLOW
                .iter()
                .map(|s| WorkflowStep {
                    transition: s.name.into(),
                    workflow: s.machine.into(),
                    kinds: s.kinds.iter().map(|k| (*k).into()).collect(),
                    from: s.from.iter().map(|k| (*k).into()).collect(),
                    to: match s.to {
                        Target::State(st) => Some(st.into()),
                        Target::Previous => None,
                    },
                    roles: s.operation.allowed_roles().iter().map(|r| (*r).into()).collect(),
                    requires: s.requires.iter().map(|r| (*r).into()).collect(),
                    assigning_committee_decides: s.on_assigned == workflow::OnAssigned::AssigningCommittee,
                    description: s.description.to_owned(),
                })
                .collect(),
        }
    }
}

/// A case's record by global ID, if the caller may see it: the matter
/// within their case scope (defendants: with `READ_CASE_DETAILS` on it).
pub async fn load_node(ctx: &Context<'_>, kind: Kind, id: i64) -> Result<Option<super::Node>> {
    use sea_orm::EntityTrait;
    let req = context::request(ctx)?;
    let case = |id: i64| async move { req.cases.load_one(CaseId(id)).await.map(|c| c.map(Case::from)) };
    Ok(match kind {
        Kind::Case => case(id).await?.map(super::Node::Case),
        // Records of matters are read with the viewer's reach in the same
        // statement: one out of reach costs what a missing one does.
        Kind::Defendant => {
            let scope = store::CaseScope::of(context::viewer(ctx)?, Operation::ReadCases);
            let Some(row) = store::defendant_in_scope(&req.db.conn, &scope, id).await? else { return Ok(None) };
            let Some(parent) = case(row.case_id).await? else { return Ok(None) };
            if parent.field_allowed(ctx, "Defendant", "id").await.is_err() {
                return Ok(None);
            }
            Some(super::Node::Defendant(Defendant(row)))
        }
        Kind::Recovery => {
            let scope = store::CaseScope::of(context::viewer(ctx)?, Operation::ReadCases);
            let Some(row) = store::recovery_in_scope(&req.db.conn, &scope, id).await? else { return Ok(None) };
            case(row.case_id).await?.map(|_| super::Node::Recovery(Recovery(row)))
        }
        Kind::CaseReference => {
            let scope = store::CaseScope::of(context::viewer(ctx)?, Operation::ReadCases);
            let Some(row) = store::reference_in_scope(&req.db.conn, &scope, id).await? else { return Ok(None) };
            case(row.case_id).await?.map(|_| super::Node::CaseReference(CaseReference(row)))
        }
        Kind::DisciplinaryAction => {
            let Some(row) = disciplinary_action::Entity::find_by_id(id).one(&req.db.conn).await? else {
                return Ok(None);
            };
            let visible = match row.case_id {
                Some(case_id) => case(case_id).await?.is_some(),
                None => {
                    let scope = store::CaseScope::of(context::viewer(ctx)?, Operation::ReadCases);
                    let found =
                        crate::db::committees::by_ids(&req.db.conn, &scope.committees, &[row.committee_id]).await?;
                    !scope.committees.is_empty() && !found.is_empty()
                }
            };
            visible.then_some(super::Node::DisciplinaryAction(DisciplinaryAction(row)))
        }
        _ => None,
    })
}
