//! What a viewer is to a matter: the roles they hold with reach over its
//! committees (its monitoring and assigning ones, or their heirs), and
//! whether they act for its handling agency.

use std::collections::HashMap;

use entity::{case_record, committee};

use crate::db::committees;
use crate::domain::cases::Actor;
use crate::domain::principal::CENTRAL_CODE;
use crate::domain::{Operation, Principal, Role};
use crate::error::AppResult;

/// The roles `actor` holds with reach over a committee: on it, on the
/// central committee, or on its heir when it was merged (the end of its
/// merge chain, which holds its matters now).
fn roles_on(actor: &Principal, committee: &committee::Model, heir_code: Option<&str>) -> Vec<Role> {
    let mut roles: Vec<Role> = actor
        .grants
        .iter()
        .filter(|g| {
            g.committee == CENTRAL_CODE || g.committee == committee.code || Some(g.committee.as_str()) == heir_code
        })
        .map(|g| g.role)
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

/// What the viewer is to a matter: the roles they hold over its monitoring
/// or assigning committee, and whether they act for its handling agency.
pub struct Standing {
    pub roles: Vec<Role>,
    /// Those held through the committee that assigned the matter.
    pub assigning: Vec<Role>,
    pub handles: bool,
}

impl Standing {
    pub fn actor(&self) -> Actor<'_> {
        Actor { roles: &self.roles, assigning: &self.assigning, handles: self.handles }
    }

    pub fn may(&self, op: Operation) -> bool {
        self.actor().may(op)
    }
}

/// The viewer's standing on any matter when every grant they hold is on
/// the central committee (which reaches every matter): nothing to load.
pub fn central_standing(actor: &Principal, case: &case_record::Model) -> Option<Standing> {
    if !actor.grants.iter().all(|g| g.committee == CENTRAL_CODE) {
        return None;
    }
    let mut roles: Vec<Role> = actor.grants.iter().map(|g| g.role).collect();
    roles.sort();
    roles.dedup();
    let handles = actor.agency.is_some() && actor.agency == case.handling_agency_id;
    // Only the central committee assigns, so its roles are the assigning ones.
    let assigning = if case.assigning_committee_id.is_some() { roles.clone() } else { Vec::new() };
    Some(Standing { roles, assigning, handles })
}

/// The viewer's standing on `case`, from its committees (loaded here).
pub async fn standing_on<C: sea_orm::ConnectionTrait>(
    db: &C,
    actor: &Principal,
    case: &case_record::Model,
) -> AppResult<Standing> {
    if let Some(standing) = central_standing(actor, case) {
        return Ok(standing);
    }
    let ids: Vec<i64> =
        [Some(case.monitoring_committee_id), case.assigning_committee_id].into_iter().flatten().collect();
    let mut found = committees::by_ids(db, &crate::domain::Reach::All, &ids).await?;
    let heirs: Vec<i64> = found.values().filter_map(|c| c.heir_id).collect();
    if !heirs.is_empty() {
        found.extend(committees::by_ids(db, &crate::domain::Reach::All, &heirs).await?);
    }
    Ok(standing_with(actor, case, &found))
}

/// The viewer's standing on `case`, given its committees (and their heirs).
pub fn standing_with(
    actor: &Principal,
    case: &case_record::Model,
    committees: &HashMap<i64, committee::Model>,
) -> Standing {
    let on = |id: Option<i64>| -> Vec<Role> {
        let Some(c) = id.and_then(|id| committees.get(&id)) else { return Vec::new() };
        let heir = c.heir_id.and_then(|s| committees.get(&s)).map(|s| s.code.as_str());
        roles_on(actor, c, heir)
    };
    let mut assigning = on(case.assigning_committee_id);
    assigning.sort();
    assigning.dedup();
    let mut roles = on(Some(case.monitoring_committee_id));
    roles.extend(assigning.iter().copied());
    roles.sort();
    roles.dedup();
    let handles = actor.agency.is_some() && actor.agency == case.handling_agency_id;
    Standing { roles, assigning, handles }
}
