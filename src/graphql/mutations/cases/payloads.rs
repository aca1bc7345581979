//! The payloads of the case mutations: the record written and every record
//! whose state the write changed.

use async_graphql::{Context, Object, SimpleObject};

use crate::graphql::guards::{MatterRule, guarded};
use crate::graphql::types::AuditEvent;
use crate::graphql::types::case::{Case, CaseReference, Defendant, DisciplinaryAction, Recovery};
use crate::service::cases as service;

/// What `createCase` wrote.
#[derive(SimpleObject)]
pub struct CreateCasePayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// The new matter.
    pub case: Case,
}

/// What `updateCase` wrote.
#[derive(SimpleObject)]
pub struct UpdateCasePayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// The matter as it is now.
    pub case: Case,
}

/// What `assignCase` wrote.
#[derive(SimpleObject)]
pub struct AssignCasePayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// The matter, now monitored by the provincial committee.
    pub case: Case,
}

/// What `addCaseReference` wrote.
#[derive(SimpleObject)]
pub struct AddCaseReferencePayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// The number recorded.
    pub reference: CaseReference,
    /// The matter (its version moved).
    pub case: Case,
}

/// What `addDefendant` wrote.
#[derive(SimpleObject)]
pub struct AddDefendantPayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// The new defendant.
    pub defendant: Defendant,
    /// The case (its version and defendant counts moved).
    pub case: Case,
}

/// What `updateDefendant` wrote.
#[derive(SimpleObject)]
pub struct UpdateDefendantPayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// The defendant as they stand now.
    pub defendant: Defendant,
}

/// What `recordDisciplinaryAction` wrote.
#[derive(SimpleObject)]
pub struct RecordDisciplinaryActionPayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// The action recorded.
    pub disciplinary_action: DisciplinaryAction,
}

/// What `recordRecovery` wrote.
#[derive(SimpleObject)]
pub struct RecordRecoveryPayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// The amount recorded.
    pub recovery: Recovery,
    /// The case (its `recoveredAmount` and version moved).
    pub case: Case,
}

/// What `reverseRecovery` wrote.
#[derive(SimpleObject)]
pub struct ReverseRecoveryPayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// The reversing entry (its amount negative).
    pub recovery: Recovery,
    /// The case (its `recoveredAmount` and version moved).
    pub case: Case,
}

/// What `transitionCase` wrote.
pub struct TransitionCasePayload {
    pub(super) client_mutation_id: Option<String>,
    pub(super) stepped: service::Stepped,
}

/// What `transitionCase` wrote.
#[Object]
impl TransitionCasePayload {
    /// As sent in the input.
    async fn client_mutation_id(&self) -> Option<&str> {
        self.client_mutation_id.as_deref()
    }

    /// The matter, in its new state.
    async fn case(&self) -> Case {
        Case::from(self.stepped.case.clone())
    }

    /// The case `TRANSFER_TO_INVESTIGATION` opened from an incident (its
    /// `origin` is the incident); null for every other step.
    async fn opened_case(&self) -> Option<Case> {
        self.stepped.opened.clone().map(Case::from)
    }

    /// The defendants the step moved (`INDICT`: each `PROSECUTED` one is now `INDICTED`).
    async fn defendants(&self) -> Vec<Defendant> {
        self.stepped.defendants.iter().cloned().map(Defendant).collect()
    }

    /// The step's entry in the matter's history (`READ_CASE_DETAILS` on the
    /// matter, as `history` needs; null with `FORBIDDEN` otherwise).
    async fn history_entry(&self, ctx: &Context<'_>) -> Option<AuditEvent> {
        let case = Case::from(self.stepped.case.clone());
        guarded(ctx, MatterRule::reading::<Case>(&case, "history"), async {
            Ok(self.stepped.entry.clone().map(AuditEvent))
        })
        .await
    }
}
