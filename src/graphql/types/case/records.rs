//! A matter's records as GraphQL types: defendants (and their counts),
//! other agencies' references, disciplinary actions, recoveries.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{case_reference, defendant, disciplinary_action, recovery};

use crate::domain::cases as workflow;
use crate::error::AppError;
use crate::graphql::context;
use crate::graphql::ids::{self, Kind};
use crate::graphql::loaders::{AgencyId, CaseId, CommitteeId};
use crate::graphql::types::enums::{DefendantStatus, DisciplineForm, DisciplineSubject};
use crate::graphql::types::scalars::{Date, Vnd};
use crate::graphql::types::{Agency, Boxed, Committee};

use super::{Case, i32_of};

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

    /// When steerql recorded it (a report `asKnownOn` an earlier day
    /// leaves it out).
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The recovery this entry reverses (its amount is then negative);
    /// null for a recovery.
    async fn reverses_id(&self) -> Option<ID> {
        self.0.reverses_id.map(|id| ids::encode(Kind::Recovery, id))
    }

    /// Why it was reversed (a reversing entry only).
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
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
