//! What a viewer is to a matter, for the writes: the matter's committees
//! loaded (and their heirs), and the domain's rule (`domain::cases::Standing`)
//! applied to them.

use std::collections::HashMap;

use entity::{case_record, committee};

use crate::db::committees;
use crate::domain::Principal;
use crate::domain::cases::{CommitteeCodes, MatterCommittees};
use crate::error::AppResult;

pub use crate::domain::cases::Standing;

/// The viewer's standing on any matter when every grant they hold is on
/// the central committee (which reaches every matter): nothing to load.
pub fn central_standing(actor: &Principal, case: &case_record::Model) -> Option<Standing> {
    Standing::central(actor, case.assigning_committee_id.is_some(), case.handling_agency_id)
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

/// The viewer's standing on `case`, given its committees (and their heirs):
/// the rows put as the domain's rule takes them.
pub fn standing_with(
    actor: &Principal,
    case: &case_record::Model,
    committees: &HashMap<i64, committee::Model>,
) -> Standing {
    let codes = |id: Option<i64>| {
        let c = id.and_then(|id| committees.get(&id))?;
        let heir = c.heir_id.and_then(|s| committees.get(&s)).map(|s| s.code.as_str());
        Some(CommitteeCodes { code: c.code.as_str(), heir })
    };
    let matter = MatterCommittees {
        monitoring: codes(Some(case.monitoring_committee_id)),
        assigning: codes(case.assigning_committee_id),
        handling_agency: case.handling_agency_id,
    };
    Standing::of(actor, &matter)
}
