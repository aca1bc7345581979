//! Who is asking: a principal with grants `{role, committee}` and the reach
//! those grants give.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The code of the one central committee. A grant held there reaches every
/// committee.
pub const CENTRAL_CODE: &str = "CENTRAL";

/// A role held on one committee (see DOMAIN.md, "Roles").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Manages committees, people and positions.
    Admin,
    /// The standing committee: decides monitoring and assignment; may do what an officer does.
    Standing,
    /// Advisory-agency staff: create and edit cases and their records.
    Officer,
    /// A functional agency's liaison: records steps and defendants on its cases.
    Agency,
    /// Reads the committee's cases.
    Member,
    /// Reads everything in scope, the audit trail included.
    Auditor,
    /// Statistics only, never case records.
    Analyst,
}

impl Role {
    pub const ALL: [Role; 7] =
        [Role::Admin, Role::Standing, Role::Officer, Role::Agency, Role::Member, Role::Auditor, Role::Analyst];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "ADMIN",
            Role::Standing => "STANDING",
            Role::Officer => "OFFICER",
            Role::Agency => "AGENCY",
            Role::Member => "MEMBER",
            Role::Auditor => "AUDITOR",
            Role::Analyst => "ANALYST",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str().eq_ignore_ascii_case(s)).ok_or_else(|| {
            let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
            format!("unknown role `{s}`; the roles are {}", roles.join(", "))
        })
    }
}

/// One role held on one committee (by its code).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    pub committee: String,
}

impl FromStr for Grant {
    type Err = String;

    /// Parses the compact `ROLE@COMMITTEE` form used by the CLI.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (role, committee) = s.split_once('@').ok_or_else(|| format!("`{s}` is not ROLE@COMMITTEE"))?;
        let committee = committee.trim();
        if !is_committee_code(committee) {
            return Err(format!("`{committee}` is not a committee code"));
        }
        Ok(Grant { role: role.trim().parse()?, committee: committee.to_owned() })
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.role, self.committee)
    }
}

/// Committee codes are upper-case ASCII words joined by `_`, e.g. `NGHE_AN`.
pub fn is_committee_code(code: &str) -> bool {
    (2..=32).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_uppercase())
        && code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// A person using a front-end, or another system calling with a service account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PrincipalKind {
    Person,
    Service,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Person => "PERSON",
            PrincipalKind::Service => "SERVICE",
        }
    }
}

/// The caller of a request, as established from its bearer token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The token's `sub`.
    pub subject: String,
    pub name: Option<String>,
    pub kind: PrincipalKind,
    pub grants: Vec<Grant>,
    /// The functional agency the principal's `AGENCY` roles act for (the
    /// `agency` claim); without it an `AGENCY` role handles no matter.
    pub agency: Option<i64>,
}

/// Which committees an operation may touch for a principal. Turned into SQL by
/// the persistence layer, so records out of reach are never loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// A role held on the central committee: every committee.
    All,
    /// Provincial roles: these committees (by code) and the committees merged into them.
    Committees(BTreeSet<String>),
}

impl Reach {
    pub fn is_empty(&self) -> bool {
        matches!(self, Reach::Committees(codes) if codes.is_empty())
    }

    pub fn covers(&self, code: &str) -> bool {
        match self {
            Reach::All => true,
            Reach::Committees(codes) => codes.contains(code),
        }
    }
}

impl Principal {
    /// The reach of the roles that allow `roles`' operation: the union of the
    /// committees they are held on, or everything if one is held centrally.
    pub fn reach_for(&self, allowed: &[Role]) -> Reach {
        let mut codes = BTreeSet::new();
        for grant in self.grants.iter().filter(|g| allowed.contains(&g.role)) {
            if grant.committee == CENTRAL_CODE {
                return Reach::All;
            }
            codes.insert(grant.committee.clone());
        }
        Reach::Committees(codes)
    }

    pub fn holds_any(&self, allowed: &[Role]) -> bool {
        self.grants.iter().any(|g| allowed.contains(&g.role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(grants: &[&str]) -> Principal {
        Principal {
            subject: "t".into(),
            name: None,
            kind: PrincipalKind::Person,
            grants: grants.iter().map(|g| g.parse().unwrap()).collect(),
            agency: None,
        }
    }

    #[test]
    fn a_central_grant_reaches_every_committee() {
        let p = principal(&["MEMBER@CENTRAL", "ADMIN@NGHE_AN"]);
        assert_eq!(p.reach_for(&[Role::Member]), Reach::All);
        assert!(p.reach_for(&[Role::Admin]).covers("NGHE_AN"));
        assert!(!p.reach_for(&[Role::Admin]).covers("HA_TINH"));
    }

    #[test]
    fn grants_parse_from_the_compact_form_and_refuse_nonsense() {
        assert_eq!(
            "standing@NGHE_AN".parse::<Grant>().unwrap(),
            Grant { role: Role::Standing, committee: "NGHE_AN".into() }
        );
        assert!("STANDING".parse::<Grant>().is_err());
        assert!("KING@NGHE_AN".parse::<Grant>().is_err());
        assert!("MEMBER@nghe an".parse::<Grant>().is_err());
    }

    #[test]
    fn a_principal_without_matching_roles_reaches_nothing() {
        let p = principal(&["ANALYST@HA_TINH"]);
        assert!(p.reach_for(&[Role::Admin]).is_empty());
    }
}
