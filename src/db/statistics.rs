//! The figures of a period, computed in the database: six grouped
//! statements per period whatever the number of matters, each a range of
//! the facts' indexes, returning one row per committee and kind. Nothing
//! here loads a record. The counting rules are `domain::statistics::FIGURES`.
//!
//! "As known on" filters every fact by when it was recorded, so a report
//! re-run later gives exactly what could be computed then; without it,
//! everything recorded counts.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, Value};

use crate::domain::statistics::{Figure, Figures, Period};
use crate::error::AppResult;

/// A statement under construction: SQL with `?` placeholders (numbered for
/// PostgreSQL when built) and its values.
struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn new() -> Sql {
        Sql { text: String::new(), values: Vec::new() }
    }

    fn push(&mut self, s: &str) -> &mut Sql {
        self.text.push_str(s);
        self
    }

    fn bind(&mut self, v: impl Into<Value>) -> &mut Sql {
        self.text.push('?');
        self.values.push(v.into());
        self
    }

    /// ` AND <column> < ?` when a report is as known at an instant.
    fn known(&mut self, column: &str, before: Option<DateTime<Utc>>) -> &mut Sql {
        if let Some(at) = before {
            self.push(" AND ").push(column).push(" < ").bind(at);
        }
        self
    }

    fn build(&self, backend: DatabaseBackend) -> Statement {
        let text = match backend {
            DatabaseBackend::Postgres => {
                let mut out = String::with_capacity(self.text.len() + 16);
                let mut n = 0;
                for ch in self.text.chars() {
                    if ch == '?' {
                        n += 1;
                        out.push_str(&format!("${n}"));
                    } else {
                        out.push(ch);
                    }
                }
                out
            }
            _ => self.text.clone(),
        };
        Statement::from_sql_and_values(backend, text, self.values.clone())
    }
}

/// The figures of `period` per committee (as recorded before `known_before`).
pub async fn figures<C: ConnectionTrait>(
    db: &C,
    period: Period,
    known_before: Option<DateTime<Utc>>,
) -> AppResult<HashMap<i64, Figures>> {
    let backend = db.get_database_backend();
    let mut out: HashMap<i64, Figures> = HashMap::new();
    let mut put = |committee: i64, f: Figure, v: i64| out.entry(committee).or_insert_with(Figures::zero).add(f, v);
    let (from, to) = (period.from, period.to);

    // Steps in the period: each matter once per figure, for the committee of
    // its first such step (so committees add up to the nation).
    let figure_of = "CASE WHEN s.step IN ('TAKE_UNDER_MONITORING', 'REOPEN') THEN 'TAKEN' \
                     WHEN s.step = 'END_MONITORING' THEN 'REMOVED' ELSE 'TRANSFERRED' END";
    let mut q = Sql::new();
    q.push("SELECT committee_id, kind, figure, COUNT(*) AS n FROM (SELECT s.committee_id, c.kind, ")
        .push(figure_of)
        .push(" AS figure, ROW_NUMBER() OVER (PARTITION BY s.case_id, ")
        .push(figure_of)
        .push(
            " ORDER BY s.effective_on, s.id) AS nth FROM case_step s JOIN case_record c ON c.id = s.case_id \
               WHERE s.step IN ('TAKE_UNDER_MONITORING', 'REOPEN', 'END_MONITORING', 'TRANSFER_TO_INVESTIGATION') \
               AND s.effective_on >= ",
        )
        .bind(from)
        .push(" AND s.effective_on <= ")
        .bind(to)
        .known("s.recorded_at", known_before)
        .push(") t WHERE nth = 1 GROUP BY committee_id, kind, figure");
    for row in db.query_all_raw(q.build(backend)).await? {
        let committee: i64 = row.try_get("", "committee_id")?;
        let kind: String = row.try_get("", "kind")?;
        let figure: String = row.try_get("", "figure")?;
        let n: i64 = row.try_get("", "n")?;
        let case = kind == "CASE";
        let f = match (figure.as_str(), case) {
            ("TAKEN", true) => Figure::CasesTakenUnderMonitoring,
            ("TAKEN", false) => Figure::IncidentsTakenUnderMonitoring,
            ("REMOVED", true) => Figure::CasesRemovedFromMonitoring,
            ("REMOVED", false) => Figure::IncidentsRemovedFromMonitoring,
            _ => Figure::TransfersToInvestigation,
        };
        put(committee, f, n);
    }

    // Under monitoring on the last day, with their loss and recoveries: the
    // latest monitoring step of each matter (a case opened by a transfer
    // continues its incident's), the committee holding it, its latest loss.
    let mut q = Sql::new();
    q.push(
        "SELECT h.committee_id, c.kind, COUNT(*) AS n, CAST(COALESCE(SUM(l.amount), 0) AS BIGINT) AS loss, \
         CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) AS recovered \
         FROM (SELECT case_id, to_state, ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY effective_on DESC, id DESC) AS nth \
               FROM (SELECT s.case_id, s.effective_on, s.id, s.to_state FROM case_step s \
                     WHERE s.workflow = 'MONITORING' AND s.effective_on <= ",
    )
    .bind(to)
    .known("s.recorded_at", known_before)
    .push(
        " UNION ALL SELECT o.id, s.effective_on, s.id, s.to_state FROM case_record o \
                     JOIN case_step s ON s.case_id = o.origin_case_id AND s.effective_on <= o.opened_on \
                     WHERE s.workflow = 'MONITORING' AND o.opened_on <= ",
    )
    .bind(to)
    .known("o.created_at", known_before)
    .known("s.recorded_at", known_before)
    .push(
        ") own_and_inherited) m \
         JOIN case_record c ON c.id = m.case_id \
         JOIN (SELECT case_id, committee_id, ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY from_on DESC, id DESC) AS nth \
               FROM case_committee WHERE from_on <= ",
    )
    .bind(to)
    .known("recorded_at", known_before)
    .push(
        ") h ON h.case_id = m.case_id AND h.nth = 1 \
         LEFT JOIN (SELECT case_id, amount, ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY effective_on DESC, id DESC) AS nth \
               FROM case_loss WHERE effective_on <= ",
    )
    .bind(to)
    .known("recorded_at", known_before)
    .push(") l ON l.case_id = m.case_id AND l.nth = 1 LEFT JOIN (SELECT case_id, SUM(amount) AS amount FROM recovery WHERE recovered_on <= ")
    .bind(to)
    .known("created_at", known_before)
    .push(
        " GROUP BY case_id) r ON r.case_id = m.case_id \
         WHERE m.nth = 1 AND m.to_state = 'UNDER_MONITORING' AND NOT EXISTS (SELECT 1 FROM case_step t \
         WHERE t.case_id = m.case_id AND t.step = 'TRANSFER_TO_INVESTIGATION' AND t.effective_on <= ",
    )
    .bind(to)
    .known("t.recorded_at", known_before)
    .push(") GROUP BY h.committee_id, c.kind");
    for row in db.query_all_raw(q.build(backend)).await? {
        let committee: i64 = row.try_get("", "committee_id")?;
        let kind: String = row.try_get("", "kind")?;
        let f = if kind == "CASE" { Figure::CasesUnderMonitoring } else { Figure::IncidentsUnderMonitoring };
        put(committee, f, row.try_get("", "n")?);
        put(committee, Figure::LossAmount, row.try_get("", "loss")?);
        put(committee, Figure::RecoveredAmount, row.try_get("", "recovered")?);
    }

    // New cases prosecuted, for the committee they were registered with.
    let mut q = Sql::new();
    q.push(
        "SELECT h.committee_id, COUNT(*) AS n, \
         CAST(COALESCE(SUM(CASE WHEN c.non_state_sector THEN 1 ELSE 0 END), 0) AS BIGINT) AS nss \
         FROM case_record c JOIN case_committee h ON h.case_id = c.id AND h.cause = 'OPENED' \
         WHERE c.kind = 'CASE' AND c.opened_on >= ",
    )
    .bind(from)
    .push(" AND c.opened_on <= ")
    .bind(to)
    .known("c.created_at", known_before)
    .push(" GROUP BY h.committee_id");
    for row in db.query_all_raw(q.build(backend)).await? {
        let committee: i64 = row.try_get("", "committee_id")?;
        put(committee, Figure::NewCasesProsecuted, row.try_get("", "n")?);
        put(committee, Figure::NonStateSectorCases, row.try_get("", "nss")?);
    }

    // Defendants prosecuted in the period.
    let flag = |column: &str| format!("CAST(COALESCE(SUM(CASE WHEN {column} THEN 1 ELSE 0 END), 0) AS BIGINT)");
    let mut q = Sql::new();
    q.push(&format!(
        "SELECT s.committee_id, COUNT(*) AS n, {} AS cadres, {} AS leaders, {} AS nss \
         FROM defendant_step s JOIN defendant d ON d.id = s.defendant_id \
         WHERE s.from_status IS NULL AND s.effective_on >= ",
        flag("d.cadre OR d.party_member"),
        flag("d.leader"),
        flag("d.non_state_sector"),
    ))
    .bind(from)
    .push(" AND s.effective_on <= ")
    .bind(to)
    .known("s.recorded_at", known_before)
    .push(" GROUP BY s.committee_id");
    for row in db.query_all_raw(q.build(backend)).await? {
        let committee: i64 = row.try_get("", "committee_id")?;
        put(committee, Figure::DefendantsProsecuted, row.try_get("", "n")?);
        put(committee, Figure::DefendantsCadresOrPartyMembers, row.try_get("", "cadres")?);
        put(committee, Figure::LeadersAndManagers, row.try_get("", "leaders")?);
        put(committee, Figure::NonStateSectorDefendants, row.try_get("", "nss")?);
    }

    // Party discipline decided in the period.
    let mut q = Sql::new();
    q.push("SELECT committee_id, subject_kind, COUNT(*) AS n FROM disciplinary_action WHERE decided_on >= ")
        .bind(from)
        .push(" AND decided_on <= ")
        .bind(to)
        .known("created_at", known_before)
        .push(" GROUP BY committee_id, subject_kind");
    for row in db.query_all_raw(q.build(backend)).await? {
        let committee: i64 = row.try_get("", "committee_id")?;
        let kind: String = row.try_get("", "subject_kind")?;
        let f = if kind == "ORGANISATION" {
            Figure::PartyOrganisationsDisciplined
        } else {
            Figure::PartyMembersDisciplined
        };
        put(committee, f, row.try_get("", "n")?);
    }

    // Recoveries dated in the period (reversals subtract).
    let mut q = Sql::new();
    q.push(
        "SELECT r.committee_id, CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) AS amount FROM recovery r \
         WHERE r.committee_id IS NOT NULL AND r.recovered_on >= ",
    )
    .bind(from)
    .push(" AND r.recovered_on <= ")
    .bind(to)
    .known("r.created_at", known_before)
    .push(" GROUP BY r.committee_id");
    for row in db.query_all_raw(q.build(backend)).await? {
        let committee: i64 = row.try_get("", "committee_id")?;
        put(committee, Figure::RecoveredInPeriod, row.try_get("", "amount")?);
    }
    Ok(out.into_iter().map(|(k, v)| (k, v.derive())).collect())
}

/// A figure's records, for drilling down: the matters (by id) behind one
/// committee's figure in a period, as [`figures`] counts them, after
/// `after`, at most `limit` (+1, to tell whether there are more).
pub async fn matters_behind<C: ConnectionTrait>(
    db: &C,
    figure: Figure,
    committees: &[i64],
    period: Period,
    known_before: Option<DateTime<Utc>>,
    after: Option<i64>,
    limit: u64,
) -> AppResult<Option<Vec<i64>>> {
    let backend = db.get_database_backend();
    let (from, to) = (period.from, period.to);
    let kind = match figure {
        Figure::CasesTakenUnderMonitoring | Figure::CasesRemovedFromMonitoring => Some("CASE"),
        Figure::IncidentsTakenUnderMonitoring | Figure::IncidentsRemovedFromMonitoring => Some("INCIDENT"),
        _ => None,
    };
    let steps = match figure {
        Figure::CasesTakenUnderMonitoring
        | Figure::IncidentsTakenUnderMonitoring
        | Figure::MattersTakenUnderMonitoring => "'TAKE_UNDER_MONITORING', 'REOPEN'",
        Figure::CasesRemovedFromMonitoring
        | Figure::IncidentsRemovedFromMonitoring
        | Figure::MattersRemovedFromMonitoring => "'END_MONITORING'",
        Figure::TransfersToInvestigation => "'TRANSFER_TO_INVESTIGATION'",
        Figure::NewCasesProsecuted | Figure::NonStateSectorCases => {
            let mut q = Sql::new();
            q.push("SELECT c.id FROM case_record c JOIN case_committee h ON h.case_id = c.id AND h.cause = 'OPENED' WHERE c.kind = 'CASE' AND c.opened_on >= ")
                .bind(from)
                .push(" AND c.opened_on <= ")
                .bind(to)
                .known("c.created_at", known_before);
            if figure == Figure::NonStateSectorCases {
                q.push(" AND c.non_state_sector");
            }
            committees_in(&mut q, "h.committee_id", committees);
            return page_of(db, backend, q, "c.id", after, limit).await.map(Some);
        }
        _ => return Ok(None),
    };
    let mut q = Sql::new();
    q.push(&format!(
        "SELECT t.case_id AS id FROM (SELECT s.case_id, s.committee_id, c.kind, ROW_NUMBER() OVER \
         (PARTITION BY s.case_id ORDER BY s.effective_on, s.id) AS nth FROM case_step s \
         JOIN case_record c ON c.id = s.case_id WHERE s.step IN ({steps}) AND s.effective_on >= "
    ))
    .bind(from)
    .push(" AND s.effective_on <= ")
    .bind(to)
    .known("s.recorded_at", known_before)
    .push(") t WHERE t.nth = 1");
    if let Some(kind) = kind {
        q.push(" AND t.kind = ").bind(kind);
    }
    committees_in(&mut q, "t.committee_id", committees);
    page_of(db, backend, q, "t.case_id", after, limit).await.map(Some)
}

fn committees_in(q: &mut Sql, column: &str, committees: &[i64]) {
    q.push(" AND ").push(column).push(" IN (");
    if committees.is_empty() {
        q.push("NULL");
    }
    for (i, id) in committees.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(*id);
    }
    q.push(")");
}

async fn page_of<C: ConnectionTrait>(
    db: &C,
    backend: DatabaseBackend,
    mut q: Sql,
    id: &str,
    after: Option<i64>,
    limit: u64,
) -> AppResult<Vec<i64>> {
    if let Some(after) = after {
        q.push(" AND ").push(id).push(" > ").bind(after);
    }
    q.push(" ORDER BY ").push(id).push(" LIMIT ").bind((limit + 1) as i64);
    let rows = db.query_all_raw(q.build(backend)).await?;
    rows.iter().map(|r| Ok(r.try_get_by_index::<i64>(0)?)).collect()
}
