//! Demo data: the central committee and the 63 provincial committees, their
//! advisory and functional agencies, the officials the seed reports name in
//! their reported seats, and fictitious members filling each standard
//! line-up. Also a bulk loader for benchmark-sized volumes.

use chrono::{NaiveDate, Utc};
use entity::{agency, committee, person, position};
use sea_orm::{ActiveValue::NotSet, ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder, Set};

use super::demo_data::{self, NAMED_SEATS, PROVINCES, Ymd};
use crate::domain::org::{AgencyKind, CommitteeLevel, CommitteeStatus, search_key};
use crate::domain::principal::CENTRAL_CODE;
use crate::error::{AppError, AppResult};

pub const CENTRAL_NAME: &str = "Central Steering Committee on Anti-Corruption, Waste and Negative Phenomena";

fn ymd((y, m, d): Ymd) -> AppResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| AppError::internal(std::io::Error::other(format!("bad demo date {y}-{m}-{d}"))))
}

/// What [`load_demo`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub committees: usize,
    pub people: usize,
    pub positions: usize,
}

/// Whether the database holds no committee yet.
pub async fn is_empty<C: ConnectionTrait>(db: &C) -> AppResult<bool> {
    Ok(committee::Entity::find().count(db).await? == 0)
}

/// Loads the demo data. Call on an empty database, inside one transaction.
pub async fn load_demo<C: ConnectionTrait>(db: &C) -> AppResult<SeedReport> {
    let now = Utc::now();
    let central = committee::ActiveModel {
        id: NotSet,
        code: Set(CENTRAL_CODE.to_owned()),
        name: Set(CENTRAL_NAME.to_owned()),
        search_name: Set(search_key(CENTRAL_NAME)),
        level: Set(CommitteeLevel::Central.as_str().to_owned()),
        parent_id: Set(None),
        province: Set(None),
        established_on: Set(ymd((2013, 2, 1))?),
        regulation: Set("162-QD/TW".to_owned()),
        status: Set(CommitteeStatus::Active.as_str().to_owned()),
        successor_id: Set(None),
        heir_id: Set(None),
        ended_on: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: NotSet,
    };
    let central_id = committee::Entity::insert(central).exec(db).await?.last_insert_id;

    let mut rows = Vec::with_capacity(PROVINCES.len());
    for p in PROVINCES {
        let name = format!("Steering Committee on Anti-Corruption and Negative Phenomena of {}", p.province);
        rows.push(committee::ActiveModel {
            id: NotSet,
            code: Set(p.code.to_owned()),
            search_name: Set(search_key(&name)),
            name: Set(name),
            level: Set(CommitteeLevel::Provincial.as_str().to_owned()),
            parent_id: Set(Some(central_id)),
            province: Set(Some(p.province.to_owned())),
            established_on: Set(ymd(p.established)?),
            regulation: Set("67-QD/TW".to_owned()),
            status: Set(CommitteeStatus::Active.as_str().to_owned()),
            successor_id: Set(None),
            heir_id: Set(None),
            ended_on: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: NotSet,
        });
    }
    committee::Entity::insert_many(rows).exec(db).await?;
    let committees = committee::Entity::find().order_by_asc(committee::Column::Id).all(db).await?;

    // Agencies: the advisory agency of each committee, functional agencies of each province.
    let mut agencies = Vec::new();
    for c in &committees {
        let (advisory, province) = match &c.province {
            None => ("Central Internal Affairs Commission".to_owned(), None),
            Some(p) => (format!("{p} Provincial Party Committee's Internal Affairs Committee"), Some(p)),
        };
        agencies.push(new_agency(c.id, AgencyKind::Advisory, advisory));
        if let Some(province) = province {
            for (template, kind) in demo_data::FUNCTIONAL_AGENCIES {
                let kind = AgencyKind::parse(kind).unwrap_or(AgencyKind::Inspectorate);
                agencies.push(new_agency(c.id, kind, template.replace("{province}", province)));
            }
        }
    }
    agency::Entity::insert_many(agencies).exec(db).await?;

    let id_of = |code: &str| committees.iter().find(|c| c.code == code).map(|c| (c.id, c.established_on));
    let mut report = SeedReport { committees: committees.len(), ..Default::default() };

    // The officials the reports name.
    for seat in NAMED_SEATS {
        let (committee_id, _) = id_of(seat.committee).ok_or_else(|| {
            AppError::internal(std::io::Error::other(format!("demo seat on unknown committee {}", seat.committee)))
        })?;
        let person_id = find_or_add_person(db, seat.full_name, committee_id).await?;
        insert_position(
            db,
            person_id,
            committee_id,
            seat.role,
            seat.standing,
            seat.title,
            ymd(seat.start)?,
            seat.end.map(ymd).transpose()?,
        )
        .await?;
        report.positions += 1;
    }
    report.people = person::Entity::find().count(db).await? as usize;

    // Fictitious members completing each provincial line-up.
    const LINE_UP: &[(&str, &str)] = &[
        ("HEAD", "Secretary of the Provincial Party Committee"),
        ("STANDING_DEPUTY_HEAD", "Standing Deputy Secretary of the Provincial Party Committee"),
        ("DEPUTY_HEAD", "Head of the Provincial Party Committee's Organization Committee"),
        ("DEPUTY_HEAD", "Chairman of the Provincial Party Committee's Inspection Committee"),
        ("DEPUTY_HEAD", "Head of the Provincial Party Committee's Internal Affairs Committee"),
    ];
    let mut names = NameGenerator::default();
    for c in committees.iter().filter(|c| c.parent_id.is_some()) {
        let named: Vec<_> = NAMED_SEATS.iter().filter(|s| s.committee == c.code).collect();
        let mut wanted: Vec<(&str, &str, bool)> = Vec::new();
        for (i, (role, title)) in LINE_UP.iter().enumerate() {
            let same_role_before = LINE_UP[..i].iter().filter(|(r, _)| r == role).count();
            if named.iter().filter(|s| s.role == *role).count() <= same_role_before {
                wanted.push((role, title, true));
            }
        }
        let named_members = named.iter().filter(|s| s.role == "MEMBER").count();
        for title in demo_data::MEMBER_TITLES.iter().skip(named_members).take(6usize.saturating_sub(named_members)) {
            wanted.push(("MEMBER", title, false));
        }
        for (role, title, standing) in wanted {
            let person_id = add_person(db, &names.next(), c.id).await?;
            insert_position(db, person_id, c.id, role, standing, title, c.established_on, None).await?;
            report.people += 1;
            report.positions += 1;
        }
    }
    Ok(report)
}

fn new_agency(committee_id: i64, kind: AgencyKind, name: String) -> agency::ActiveModel {
    agency::ActiveModel {
        id: NotSet,
        committee_id: Set(committee_id),
        kind: Set(kind.as_str().to_owned()),
        name: Set(name),
        created_at: Set(Utc::now()),
    }
}

async fn find_or_add_person<C: ConnectionTrait>(db: &C, name: &str, home: i64) -> AppResult<i64> {
    use sea_orm::{ColumnTrait, QueryFilter};
    match person::Entity::find().filter(person::Column::FullName.eq(name)).one(db).await? {
        Some(p) => Ok(p.id),
        None => add_person(db, name, home).await,
    }
}

async fn add_person<C: ConnectionTrait>(db: &C, name: &str, home: i64) -> AppResult<i64> {
    let now = Utc::now();
    let row = person::ActiveModel {
        id: NotSet,
        full_name: Set(name.to_owned()),
        search_name: Set(search_key(name)),
        party_member: Set(true),
        home_committee_id: Set(home),
        created_at: Set(now),
        updated_at: Set(now),
        version: NotSet,
    };
    Ok(person::Entity::insert(row).exec(db).await?.last_insert_id)
}

#[expect(clippy::too_many_arguments, reason = "a row's columns, named at the call site")]
async fn insert_position<C: ConnectionTrait>(
    db: &C,
    person_id: i64,
    committee_id: i64,
    role: &str,
    standing: bool,
    title: &str,
    start_on: NaiveDate,
    end_on: Option<NaiveDate>,
) -> AppResult<()> {
    let now = Utc::now();
    position::Entity::insert(position_row(person_id, committee_id, role, standing, title, start_on, end_on, now))
        .exec(db)
        .await?;
    Ok(())
}

#[expect(clippy::too_many_arguments, reason = "a row's columns, named at the call site")]
fn position_row(
    person_id: i64,
    committee_id: i64,
    role: &str,
    standing: bool,
    title: &str,
    start_on: NaiveDate,
    end_on: Option<NaiveDate>,
    now: chrono::DateTime<Utc>,
) -> position::ActiveModel {
    position::ActiveModel {
        id: NotSet,
        person_id: Set(person_id),
        committee_id: Set(committee_id),
        role: Set(role.to_owned()),
        standing: Set(standing),
        title: Set(title.to_owned()),
        start_on: Set(start_on),
        end_on: Set(end_on),
        end_reason: Set(end_on.map(|_| "term ended".to_owned())),
        created_at: Set(now),
        updated_at: Set(now),
        version: NotSet,
        role_rank: NotSet,
    }
}

/// Fictitious Vietnamese names from the demo name parts, never one of the
/// officials the reports name.
#[derive(Default)]
pub(crate) struct NameGenerator {
    n: usize,
}

impl NameGenerator {
    /// A generator that skips the first `n` names (another set's).
    pub(crate) fn starting_at(n: usize) -> NameGenerator {
        NameGenerator { n }
    }

    pub(crate) fn next(&mut self) -> String {
        loop {
            let i = self.n;
            self.n += 1;
            let s = demo_data::SURNAMES[i % demo_data::SURNAMES.len()];
            let m = demo_data::MIDDLE_NAMES[(i / demo_data::SURNAMES.len() + i * 5) % demo_data::MIDDLE_NAMES.len()];
            let g = demo_data::GIVEN_NAMES[(i * 7 + i / 3) % demo_data::GIVEN_NAMES.len()];
            let name = format!("{s} {m} {g}");
            if !NAMED_SEATS.iter().any(|seat| seat.full_name == name) {
                return name;
            }
        }
    }
}

/// Adds `people` fictitious people and `positions` seats spread over the
/// committees (seven past terms for each current one), for benchmarks.
pub async fn load_volume<C: ConnectionTrait>(db: &C, people: usize, positions: usize) -> AppResult<()> {
    let committees = committee::Entity::find().order_by_asc(committee::Column::Id).all(db).await?;
    if committees.is_empty() || people == 0 {
        return Ok(());
    }
    let mut names = NameGenerator::default();
    let now = Utc::now();
    let first_id = person::Entity::find().count(db).await? as i64;
    let mut batch = Vec::new();
    for i in 0..people {
        let home = &committees[i % committees.len()];
        let name = names.next();
        batch.push(person::ActiveModel {
            id: NotSet,
            search_name: Set(search_key(&name)),
            full_name: Set(name),
            party_member: Set(i % 5 != 0),
            home_committee_id: Set(home.id),
            created_at: Set(now),
            updated_at: Set(now),
            version: NotSet,
        });
        if batch.len() == 500 {
            person::Entity::insert_many(std::mem::take(&mut batch)).exec(db).await?;
        }
    }
    if !batch.is_empty() {
        person::Entity::insert_many(batch).exec(db).await?;
    }
    let people_ids: Vec<i64> = {
        use sea_orm::QuerySelect;
        person::Entity::find()
            .select_only()
            .column(person::Column::Id)
            .order_by_asc(person::Column::Id)
            .into_tuple()
            .all(db)
            .await?
    };
    let people_ids = &people_ids[(first_id as usize).min(people_ids.len())..];
    let mut batch = Vec::new();
    let titles = demo_data::MEMBER_TITLES;
    let (n, c) = (people_ids.len(), committees.len());
    for i in 0..positions {
        // The k-th seat of person p is on committee p + 11k (11 is prime to
        // the 63 committees), so a person's seats on one committee are C
        // seats apart and get different terms: they never overlap.
        let (p, k) = (i % n, i / n);
        if k / c >= 8 {
            break;
        }
        let person_id = people_ids[p];
        let committee = &committees[(p + 11 * k) % c];
        // Seven past half-year terms, then a current one: history outweighs
        // the present, as on a real committee.
        let term = ((k / c + p) % 8) as u64;
        let start = committee.established_on + chrono::Days::new(term * 180);
        let end = (term < 7).then(|| start + chrono::Days::new(179));
        batch.push(position_row(person_id, committee.id, "MEMBER", false, titles[i % titles.len()], start, end, now));
        if batch.len() == 500 {
            position::Entity::insert_many(std::mem::take(&mut batch)).exec(db).await?;
        }
    }
    if !batch.is_empty() {
        position::Entity::insert_many(batch).exec(db).await?;
    }
    Ok(())
}
