//! `Case` (a case or an incident) and its records: defendants, references,
//! disciplinary actions, recoveries, the steps a viewer may take, and the
//! workflow itself.

use async_graphql::{Context, ID, Object, Result};
use entity::{case_record, case_reference, disciplinary_action, recovery};

use super::committee::paging_cost;
use super::enums::{CaseField, CaseKind, CaseSource, CaseState};
use super::scalars::{Date, DateTime, Vnd};
use super::{Agency, AuditEvent, Boxed, Committee};
use crate::db::cases::{CaseRecords, Joined};
use crate::domain::cases::{self as workflow, Target};
use crate::error::{AppError, AppResult};
use crate::graphql::context;
use crate::graphql::guards::{MatterRule, guarded};
use crate::graphql::ids::{self, Kind};
use crate::graphql::loaders::{
    AgencyId, CaseId, CommitteeId, DefendantCountsOf, DefendantsOf, DisciplineOf, LastEventOf, RecoveriesOf,
    ReferencesOf,
};
use crate::graphql::paging::{self, Conn};
use crate::service::cases::{self as service};

mod columns;
mod history;
mod node;
mod records;
mod standing;
mod steps;

use history::history_page;

pub use columns::*;
pub use history::StepRecord;
pub use node::*;
pub use records::*;
pub use steps::*;

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
        // Boxed, so the fields of this type stay small (see `types`).
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
        // Boxed, so the fields of this type stay small (see `types`).
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
        guarded(ctx, MatterRule::of(self), async {
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
        // Boxed, so the fields of this type stay small (see `types`).
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
        // Boxed, so the fields of this type stay small (see `types`).
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
        guarded(ctx, MatterRule::of(self), async {
            let args = paging::args(ctx, first, after, last, before)?;
            history_page(ctx, self.0.id, args).await.map(Some)
        })
        .await
        .map(Boxed::from)
    }

    /// The latest entry of its history (`READ_CASE_DETAILS`, as `history`;
    /// `FORBIDDEN` without it). Null only for a matter with no history.
    async fn last_event(&self, ctx: &Context<'_>) -> Option<Boxed<AuditEvent>> {
        guarded(ctx, MatterRule::of(self), async {
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
        // Boxed, so the fields of this type stay small (see `types`).
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
