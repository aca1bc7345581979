//! Refetching a matter's record by global ID, within the viewer's reach.

use async_graphql::{Context, Guard, Result};
use entity::disciplinary_action;

use crate::db::cases as store;
use crate::domain::Operation;
use crate::graphql::context;
use crate::graphql::guards::MatterRule;
use crate::graphql::ids::Kind;
use crate::graphql::loaders::CaseId;

use super::{Case, CaseReference, Defendant, DisciplinaryAction, Recovery};

/// A case's record by global ID, if the caller may see it: the matter
/// within their case scope (defendants: with `READ_CASE_DETAILS` on it).
pub async fn load_node(ctx: &Context<'_>, kind: Kind, id: i64) -> Result<Option<crate::graphql::types::Node>> {
    use sea_orm::EntityTrait;
    let req = context::request(ctx)?;
    let case = |id: i64| async move { req.cases.load_one(CaseId(id)).await.map(|c| c.map(Case::from)) };
    Ok(match kind {
        Kind::Case => case(id).await?.map(crate::graphql::types::Node::Case),
        // Records of matters are read with the viewer's reach in the same
        // statement: one out of reach costs what a missing one does.
        Kind::Defendant => {
            let scope = store::CaseScope::of(context::viewer(ctx)?, Operation::ReadCases);
            let Some(row) = store::defendant_in_scope(&req.db.conn, &scope, id).await? else { return Ok(None) };
            let Some(parent) = case(row.case_id).await? else { return Ok(None) };
            if MatterRule::reading::<Defendant>(&parent, "id").check(ctx).await.is_err() {
                return Ok(None);
            }
            Some(crate::graphql::types::Node::Defendant(Defendant(row)))
        }
        Kind::Recovery => {
            let scope = store::CaseScope::of(context::viewer(ctx)?, Operation::ReadCases);
            let Some(row) = store::recovery_in_scope(&req.db.conn, &scope, id).await? else { return Ok(None) };
            case(row.case_id).await?.map(|_| crate::graphql::types::Node::Recovery(Recovery(row)))
        }
        Kind::CaseReference => {
            let scope = store::CaseScope::of(context::viewer(ctx)?, Operation::ReadCases);
            let Some(row) = store::reference_in_scope(&req.db.conn, &scope, id).await? else { return Ok(None) };
            case(row.case_id).await?.map(|_| crate::graphql::types::Node::CaseReference(CaseReference(row)))
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
            visible.then_some(crate::graphql::types::Node::DisciplinaryAction(DisciplinaryAction(row)))
        }
        _ => None,
    })
}
