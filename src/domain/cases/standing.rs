//! Who may act on a matter: the roles a viewer holds over its committees
//! (the one monitoring it, the one that assigned it, or the committee at the
//! end of a merge chain that holds them now), and whether they act for the
//! agency handling it. The service loads the committees; this decides.

use crate::domain::permissions::Operation;
use crate::domain::principal::{CENTRAL_CODE, Principal, Role};

use super::Actor;

/// A matter's committee as the rule sees it: its code, and its heir's code
/// when it was merged (the heir holds its matters and its officials act on
/// them).
#[derive(Clone, Copy, Debug)]
pub struct CommitteeCodes<'a> {
    pub code: &'a str,
    pub heir: Option<&'a str>,
}

/// A matter as the rule sees it. A committee that could not be found (gone
/// from the database) grants nothing through it.
#[derive(Clone, Copy, Debug)]
pub struct MatterCommittees<'a> {
    pub monitoring: Option<CommitteeCodes<'a>>,
    pub assigning: Option<CommitteeCodes<'a>>,
    pub handling_agency: Option<i64>,
}

/// What the viewer is to a matter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    /// The roles held with reach over the matter.
    pub roles: Vec<Role>,
    /// Those held through the committee that assigned it.
    pub assigning: Vec<Role>,
    /// Whether the viewer acts for its handling agency.
    pub handles: bool,
}

impl Standing {
    pub fn actor(&self) -> Actor<'_> {
        Actor { roles: &self.roles, assigning: &self.assigning, handles: self.handles }
    }

    pub fn may(&self, op: Operation) -> bool {
        self.actor().may(op)
    }

    /// The standing of a viewer whose every grant is on the central
    /// committee, which reaches every matter: no committee is needed. `None`
    /// for anyone else.
    pub fn central(viewer: &Principal, assigned: bool, handling_agency: Option<i64>) -> Option<Standing> {
        if !viewer.grants.iter().all(|g| g.committee == CENTRAL_CODE) {
            return None;
        }
        let roles = sorted(viewer.grants.iter().map(|g| g.role));
        // Only the central committee assigns, so its roles are the assigning ones.
        let assigning = if assigned { roles.clone() } else { Vec::new() };
        Some(Standing { roles, assigning, handles: handles(viewer, handling_agency) })
    }

    /// The standing of `viewer` on a matter with these committees.
    pub fn of(viewer: &Principal, matter: &MatterCommittees<'_>) -> Standing {
        let assigning = matter.assigning.map(|c| roles_on(viewer, c)).unwrap_or_default();
        let monitoring = matter.monitoring.map(|c| roles_on(viewer, c)).unwrap_or_default();
        let roles = sorted(monitoring.into_iter().chain(assigning.iter().copied()));
        Standing { roles, assigning, handles: handles(viewer, matter.handling_agency) }
    }
}

/// The roles `viewer` holds with reach over a committee: on it, on the
/// central committee, or on its heir.
fn roles_on(viewer: &Principal, committee: CommitteeCodes<'_>) -> Vec<Role> {
    sorted(
        viewer
            .grants
            .iter()
            .filter(|g| {
                g.committee == CENTRAL_CODE
                    || g.committee == committee.code
                    || Some(g.committee.as_str()) == committee.heir
            })
            .map(|g| g.role),
    )
}

fn handles(viewer: &Principal, handling_agency: Option<i64>) -> bool {
    viewer.agency.is_some() && viewer.agency == handling_agency
}

fn sorted(roles: impl Iterator<Item = Role>) -> Vec<Role> {
    let mut roles: Vec<Role> = roles.collect();
    roles.sort();
    roles.dedup();
    roles
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::principal::{Grant, PrincipalKind};

    fn viewer(grants: &[(Role, &str)], agency: Option<i64>) -> Principal {
        Principal {
            subject: "t".into(),
            name: None,
            kind: PrincipalKind::Person,
            grants: grants.iter().map(|(role, c)| Grant { role: *role, committee: (*c).into() }).collect(),
            agency,
        }
    }

    const NGHE_AN: CommitteeCodes<'static> = CommitteeCodes { code: "NA", heir: None };

    #[test]
    fn a_provincial_grant_counts_on_its_own_committees_matters_only() {
        let officer = viewer(&[(Role::Officer, "NA")], None);
        let here = MatterCommittees { monitoring: Some(NGHE_AN), assigning: None, handling_agency: None };
        let there = MatterCommittees {
            monitoring: Some(CommitteeCodes { code: "HT", heir: None }),
            assigning: None,
            handling_agency: None,
        };
        assert!(Standing::central(&officer, false, None).is_none());
        assert_eq!(Standing::of(&officer, &here).roles, vec![Role::Officer]);
        assert!(Standing::of(&officer, &there).roles.is_empty());
    }

    #[test]
    fn the_heir_of_a_merged_committee_acts_on_its_matters() {
        let heir = viewer(&[(Role::Officer, "BK")], None);
        let merged = CommitteeCodes { code: "NA", heir: Some("BK") };
        let matter = MatterCommittees { monitoring: Some(merged), assigning: None, handling_agency: None };
        assert_eq!(Standing::of(&heir, &matter).roles, vec![Role::Officer]);
    }

    #[test]
    fn roles_through_the_assigning_committee_are_kept_apart_and_count_too() {
        let central = CommitteeCodes { code: CENTRAL_CODE, heir: None };
        let both = viewer(&[(Role::Standing, CENTRAL_CODE), (Role::Officer, "NA")], None);
        let matter = MatterCommittees { monitoring: Some(NGHE_AN), assigning: Some(central), handling_agency: None };
        let standing = Standing::of(&both, &matter);
        assert_eq!(standing.assigning, vec![Role::Standing]);
        assert!(standing.roles.contains(&Role::Standing) && standing.roles.contains(&Role::Officer));
        let only_central = viewer(&[(Role::Standing, CENTRAL_CODE)], None);
        let from_central = Standing::central(&only_central, true, None).expect("every grant is central");
        assert_eq!(from_central.assigning, from_central.roles);
        assert!(Standing::central(&only_central, false, None).is_some_and(|s| s.assigning.is_empty()));
    }

    #[test]
    fn an_agency_handles_only_the_matters_it_was_given() {
        let police = viewer(&[(Role::Agency, "NA")], Some(7));
        let handled = MatterCommittees { monitoring: Some(NGHE_AN), assigning: None, handling_agency: Some(7) };
        let other = MatterCommittees { handling_agency: Some(8), ..handled };
        assert!(Standing::of(&police, &handled).handles);
        assert!(!Standing::of(&police, &other).handles);
        let unattached = viewer(&[(Role::Agency, "NA")], None);
        assert!(!Standing::of(&unattached, &MatterCommittees { handling_agency: None, ..handled }).handles);
    }
}
