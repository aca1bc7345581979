//! The demo matters as data: for each province, the matters it monitors,
//! the steps each has taken and its defendants; their titles and charges.

use crate::domain::cases::{CaseKind, Transition};
use Transition::*;

/// One demo matter: its kind, the procedure steps it has taken, whether
/// monitoring ended, and how many defendants it has (and how many of them
/// are cadres and Party members).
pub(super) struct Plan {
    pub(super) kind: CaseKind,
    pub(super) steps: &'static [Transition],
    pub(super) ended: bool,
    pub(super) defendants: usize,
    pub(super) cadres: usize,
}

pub(super) const TO_INVESTIGATION: &[Transition] = &[StartInvestigation];
pub(super) const TO_INDICTMENT: &[Transition] = &[StartInvestigation, Indict];
pub(super) const TO_TRIAL: &[Transition] = &[StartInvestigation, Indict, OpenTrial];
pub(super) const TO_TRIAL_IN_ABSENTIA: &[Transition] = &[StartInvestigation, Indict, OpenTrialInAbsentia];
pub(super) const TO_APPEAL: &[Transition] = &[StartInvestigation, Indict, OpenTrial, Appeal];
pub(super) const TO_EXECUTION: &[Transition] = &[StartInvestigation, Indict, OpenTrial, ExecuteSentence];
pub(super) const TO_CLOSED: &[Transition] = &[StartInvestigation, Indict, OpenTrial, ExecuteSentence, Close];
pub(super) const TO_CLOSED_AFTER_APPEAL: &[Transition] =
    &[StartInvestigation, Indict, OpenTrial, Appeal, ExecuteSentence, Close];
pub(super) const SUSPENDED: &[Transition] = &[StartInvestigation, Suspend];
pub(super) const CONCLUDED: &[Transition] = &[ConcludeVerification];

pub(super) const fn case(steps: &'static [Transition], ended: bool, defendants: usize, cadres: usize) -> Plan {
    Plan { kind: CaseKind::Case, steps, ended, defendants, cadres }
}

pub(super) const fn incident(steps: &'static [Transition], ended: bool) -> Plan {
    Plan { kind: CaseKind::Incident, steps, ended, defendants: 0, cadres: 0 }
}

/// Nghe An (seed 002): 27 taken under monitoring, 20 cases and 7
/// incidents; monitoring ended for 7 cases and 2 incidents.
pub(super) const NGHE_AN: &[Plan] = &[
    case(TO_CLOSED, true, 3, 3),
    case(TO_CLOSED, true, 2, 2),
    case(TO_CLOSED_AFTER_APPEAL, true, 4, 3),
    case(TO_CLOSED, true, 1, 1),
    case(TO_CLOSED, true, 2, 1),
    case(TO_CLOSED_AFTER_APPEAL, true, 3, 3),
    case(TO_CLOSED, true, 2, 2),
    case(&[], false, 1, 1),
    case(TO_INVESTIGATION, false, 2, 2),
    case(TO_INVESTIGATION, false, 3, 2),
    case(TO_INDICTMENT, false, 2, 2),
    case(TO_INDICTMENT, false, 4, 4),
    case(TO_TRIAL, false, 2, 1),
    case(TO_TRIAL_IN_ABSENTIA, false, 1, 1),
    case(TO_APPEAL, false, 3, 3),
    case(TO_EXECUTION, false, 2, 2),
    case(TO_EXECUTION, false, 1, 1),
    case(SUSPENDED, false, 2, 2),
    case(TO_INVESTIGATION, false, 1, 0),
    case(TO_INDICTMENT, false, 2, 2),
    incident(CONCLUDED, true),
    incident(CONCLUDED, true),
    incident(&[], false),
    incident(&[], false),
    incident(&[], false),
    incident(CONCLUDED, false),
    incident(&[], false),
];

/// Ha Tinh (seed 004): 16 taken, 4 removed, 12 monitored; 7 cases with 30
/// defendants, 25 of them cadres and Party members.
pub(super) const HA_TINH: &[Plan] = &[
    case(TO_CLOSED, true, 5, 5),
    case(TO_TRIAL, false, 5, 4),
    case(TO_INDICTMENT, false, 4, 4),
    case(TO_INVESTIGATION, false, 4, 3),
    case(TO_INVESTIGATION, false, 4, 3),
    case(&[], false, 4, 3),
    case(TO_EXECUTION, false, 4, 3),
    incident(CONCLUDED, true),
    incident(CONCLUDED, true),
    incident(CONCLUDED, true),
    incident(&[], false),
    incident(&[], false),
    incident(&[], false),
    incident(&[], false),
    incident(&[], false),
    incident(&[], false),
];

pub(super) const TITLES: &[(&str, &str)] = &[
    ("LAND", "Violations in land allocation at a district resettlement project"),
    ("PROCUREMENT", "Collusion in bidding for provincial road maintenance works"),
    ("HEALTH", "Overpricing of medical equipment bought by a provincial hospital"),
    ("BANKING", "Irregular lending at a district branch of a commercial bank"),
    ("NATURAL_RESOURCES", "Unlawful sand mining licences along a river section"),
    ("EDUCATION", "Misuse of funds for school construction in a mountainous district"),
    ("PUBLIC_FINANCE", "Losses in the sale of state-owned office buildings"),
    ("INFRASTRUCTURE", "Abuse of position in an irrigation reservoir project"),
    ("ENERGY", "Violations in land use for a solar power plant"),
    ("LAND", "Falsified compensation records for an industrial park"),
];

pub(super) const CHARGES: &[&str] = &[
    "Abusing position and power while performing official duties",
    "Violating regulations on bidding, causing serious consequences",
    "Embezzling property",
    "Taking bribes",
    "Violating regulations on the management and use of state property, causing loss and waste",
];
