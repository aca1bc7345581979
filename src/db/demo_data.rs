//! Demo data: the committees and officials named in the seed reports (shared/seeds), in their reported positions, plus fictitious other members.
//!
//! Only the people listed in [`NAMED_SEATS`] are real; their names, seats and
//! titles follow the seed reports. Dates the reports do not give (most
//! establishment dates, the start of most terms) are plausible estimates
//! inside the bounds the reports set: the provincial committees were set up
//! after the 5th Central Conference of 2022-05-10, Ha Noi, Da Nang and Thanh
//! Hoa first, all 63 by 2022-08-05 (seed 000). Everyone else is generated
//! from the fictitious name parts below.

/// A calendar date as (year, month, day).
pub type Ymd = (i32, u32, u32);

/// One provincial steering committee (one per province or centrally-run city, the 63 of 2022).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProvinceSeed {
    /// Upper snake case ASCII code, e.g. "HA_NOI", "NGHE_AN", "HO_CHI_MINH", "THUA_THIEN_HUE".
    pub code: &'static str,
    /// Province name with Vietnamese diacritics, e.g. "Nghệ An", "Hà Nội".
    pub province: &'static str,
    /// Date the provincial steering committee was established (between 2022-05-10 and 2022-08-05; Ha Noi, Da Nang, Thanh Hoa earliest, all by 2022-08-05).
    pub established: Ymd,
}

/// All 63 provinces and centrally-run cities as of 2022, sorted by code (byte order).
///
/// Nghe An's committee dates from June 2022 (seed 002); the other dates are
/// estimates within the bounds of seed 000.
pub const PROVINCES: &[ProvinceSeed] = &[
    ProvinceSeed { code: "AN_GIANG", province: "An Giang", established: (2022, 6, 28) },
    ProvinceSeed { code: "BAC_GIANG", province: "Bắc Giang", established: (2022, 7, 17) },
    ProvinceSeed { code: "BAC_KAN", province: "Bắc Kạn", established: (2022, 8, 5) },
    ProvinceSeed { code: "BAC_LIEU", province: "Bạc Liêu", established: (2022, 6, 21) },
    ProvinceSeed { code: "BAC_NINH", province: "Bắc Ninh", established: (2022, 7, 26) },
    ProvinceSeed { code: "BA_RIA_VUNG_TAU", province: "Bà Rịa - Vũng Tàu", established: (2022, 7, 2) },
    ProvinceSeed { code: "BEN_TRE", province: "Bến Tre", established: (2022, 7, 18) },
    ProvinceSeed { code: "BINH_DINH", province: "Bình Định", established: (2022, 6, 10) },
    ProvinceSeed { code: "BINH_DUONG", province: "Bình Dương", established: (2022, 6, 15) },
    ProvinceSeed { code: "BINH_PHUOC", province: "Bình Phước", established: (2022, 6, 10) },
    ProvinceSeed { code: "BINH_THUAN", province: "Bình Thuận", established: (2022, 6, 16) },
    ProvinceSeed { code: "CAN_THO", province: "Cần Thơ", established: (2022, 6, 16) },
    ProvinceSeed { code: "CAO_BANG", province: "Cao Bằng", established: (2022, 6, 27) },
    ProvinceSeed { code: "CA_MAU", province: "Cà Mau", established: (2022, 7, 17) },
    ProvinceSeed { code: "DAK_LAK", province: "Đắk Lắk", established: (2022, 6, 28) },
    ProvinceSeed { code: "DAK_NONG", province: "Đắk Nông", established: (2022, 7, 10) },
    ProvinceSeed { code: "DA_NANG", province: "Đà Nẵng", established: (2022, 5, 20) },
    ProvinceSeed { code: "DIEN_BIEN", province: "Điện Biên", established: (2022, 7, 10) },
    ProvinceSeed { code: "DONG_NAI", province: "Đồng Nai", established: (2022, 6, 16) },
    ProvinceSeed { code: "DONG_THAP", province: "Đồng Tháp", established: (2022, 7, 30) },
    ProvinceSeed { code: "GIA_LAI", province: "Gia Lai", established: (2022, 7, 4) },
    ProvinceSeed { code: "HAI_DUONG", province: "Hải Dương", established: (2022, 6, 13) },
    ProvinceSeed { code: "HAI_PHONG", province: "Hải Phòng", established: (2022, 7, 3) },
    ProvinceSeed { code: "HAU_GIANG", province: "Hậu Giang", established: (2022, 6, 7) },
    ProvinceSeed { code: "HA_GIANG", province: "Hà Giang", established: (2022, 7, 23) },
    ProvinceSeed { code: "HA_NAM", province: "Hà Nam", established: (2022, 7, 10) },
    ProvinceSeed { code: "HA_NOI", province: "Hà Nội", established: (2022, 5, 16) },
    ProvinceSeed { code: "HA_TINH", province: "Hà Tĩnh", established: (2022, 7, 29) },
    ProvinceSeed { code: "HOA_BINH", province: "Hòa Bình", established: (2022, 6, 13) },
    ProvinceSeed { code: "HO_CHI_MINH", province: "Hồ Chí Minh", established: (2022, 7, 24) },
    ProvinceSeed { code: "HUNG_YEN", province: "Hưng Yên", established: (2022, 7, 8) },
    ProvinceSeed { code: "KHANH_HOA", province: "Khánh Hòa", established: (2022, 6, 15) },
    ProvinceSeed { code: "KIEN_GIANG", province: "Kiên Giang", established: (2022, 8, 3) },
    ProvinceSeed { code: "KON_TUM", province: "Kon Tum", established: (2022, 6, 14) },
    ProvinceSeed { code: "LAI_CHAU", province: "Lai Châu", established: (2022, 6, 16) },
    ProvinceSeed { code: "LAM_DONG", province: "Lâm Đồng", established: (2022, 6, 27) },
    ProvinceSeed { code: "LANG_SON", province: "Lạng Sơn", established: (2022, 7, 16) },
    ProvinceSeed { code: "LAO_CAI", province: "Lào Cai", established: (2022, 7, 31) },
    ProvinceSeed { code: "LONG_AN", province: "Long An", established: (2022, 6, 12) },
    ProvinceSeed { code: "NAM_DINH", province: "Nam Định", established: (2022, 6, 24) },
    ProvinceSeed { code: "NGHE_AN", province: "Nghệ An", established: (2022, 6, 14) },
    ProvinceSeed { code: "NINH_BINH", province: "Ninh Bình", established: (2022, 8, 4) },
    ProvinceSeed { code: "NINH_THUAN", province: "Ninh Thuận", established: (2022, 7, 27) },
    ProvinceSeed { code: "PHU_THO", province: "Phú Thọ", established: (2022, 6, 21) },
    ProvinceSeed { code: "PHU_YEN", province: "Phú Yên", established: (2022, 7, 11) },
    ProvinceSeed { code: "QUANG_BINH", province: "Quảng Bình", established: (2022, 7, 9) },
    ProvinceSeed { code: "QUANG_NAM", province: "Quảng Nam", established: (2022, 7, 27) },
    ProvinceSeed { code: "QUANG_NGAI", province: "Quảng Ngãi", established: (2022, 7, 10) },
    ProvinceSeed { code: "QUANG_NINH", province: "Quảng Ninh", established: (2022, 6, 24) },
    ProvinceSeed { code: "QUANG_TRI", province: "Quảng Trị", established: (2022, 7, 5) },
    ProvinceSeed { code: "SOC_TRANG", province: "Sóc Trăng", established: (2022, 7, 30) },
    ProvinceSeed { code: "SON_LA", province: "Sơn La", established: (2022, 7, 7) },
    ProvinceSeed { code: "TAY_NINH", province: "Tây Ninh", established: (2022, 7, 15) },
    ProvinceSeed { code: "THAI_BINH", province: "Thái Bình", established: (2022, 6, 20) },
    ProvinceSeed { code: "THAI_NGUYEN", province: "Thái Nguyên", established: (2022, 6, 14) },
    ProvinceSeed { code: "THANH_HOA", province: "Thanh Hóa", established: (2022, 5, 24) },
    ProvinceSeed { code: "THUA_THIEN_HUE", province: "Thừa Thiên Huế", established: (2022, 7, 22) },
    ProvinceSeed { code: "TIEN_GIANG", province: "Tiền Giang", established: (2022, 8, 3) },
    ProvinceSeed { code: "TRA_VINH", province: "Trà Vinh", established: (2022, 7, 3) },
    ProvinceSeed { code: "TUYEN_QUANG", province: "Tuyên Quang", established: (2022, 7, 27) },
    ProvinceSeed { code: "VINH_LONG", province: "Vĩnh Long", established: (2022, 7, 31) },
    ProvinceSeed { code: "VINH_PHUC", province: "Vĩnh Phúc", established: (2022, 7, 29) },
    ProvinceSeed { code: "YEN_BAI", province: "Yên Bái", established: (2022, 7, 25) },
];

/// A seat the seed reports name: who held which seat on which committee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedSeat {
    /// Committee code: "CENTRAL" or a province code from PROVINCES.
    pub committee: &'static str,
    /// Full name as the reports spell it, with Vietnamese diacritics (e.g. "Nguyễn Phú Trọng", "Phan Đình Trạc").
    pub full_name: &'static str,
    /// One of "HEAD", "STANDING_DEPUTY_HEAD", "DEPUTY_HEAD", "MEMBER".
    pub role: &'static str,
    /// Whether the seat is on the standing committee.
    pub standing: bool,
    /// The concurrent title that explains the seat, e.g. "Secretary of the Provincial Party Committee".
    pub title: &'static str,
    /// Start of the term (best estimate consistent with the reports).
    pub start: Ymd,
    /// End of the term if the reports imply it ended (e.g. Nguyen Phu Trong died in July 2024 and To Lam became General Secretary/Head in August 2024), else None.
    pub end: Option<Ymd>,
    /// Which seed file reports it, e.g. "000", "002".
    pub source: &'static str,
}

/// Every official the seeds name with a steering-committee seat.
///
/// Central seats other than Nguyễn Phú Trọng's start at the 13th-tenure
/// assignments (estimated 2021-04-09); his starts when the Politburo set the
/// committee up (Decision 162-QĐ/TW, 2013-02-01). Provincial seats start on
/// the committee's establishment date in [`PROVINCES`].
pub const NAMED_SEATS: &[NamedSeat] = &[
    // Central Steering Committee (seeds 000, 002, 003).
    NamedSeat {
        committee: "CENTRAL",
        full_name: "Nguyễn Phú Trọng",
        role: "HEAD",
        standing: true,
        title: "General Secretary of the Communist Party of Vietnam",
        start: (2013, 2, 1),
        end: Some((2024, 7, 19)),
        source: "000",
    },
    NamedSeat {
        committee: "CENTRAL",
        full_name: "Phan Đình Trạc",
        role: "STANDING_DEPUTY_HEAD",
        standing: true,
        title: "Head of the Central Internal Affairs Commission",
        start: (2021, 4, 9),
        end: None,
        source: "000",
    },
    NamedSeat {
        committee: "CENTRAL",
        full_name: "Trương Thị Mai",
        role: "DEPUTY_HEAD",
        standing: true,
        title: "Standing Member of the Secretariat, Head of the Central Organization Commission",
        start: (2021, 4, 9),
        // She left her offices in May 2024.
        end: Some((2024, 5, 16)),
        source: "000",
    },
    NamedSeat {
        committee: "CENTRAL",
        full_name: "Trần Cẩm Tú",
        role: "DEPUTY_HEAD",
        standing: true,
        title: "Chairman of the Central Inspection Commission",
        start: (2021, 4, 9),
        end: None,
        source: "000",
    },
    NamedSeat {
        committee: "CENTRAL",
        full_name: "Tô Lâm",
        role: "DEPUTY_HEAD",
        standing: true,
        title: "Minister of Public Security",
        start: (2021, 4, 9),
        end: Some((2024, 5, 22)),
        source: "000",
    },
    NamedSeat {
        committee: "CENTRAL",
        full_name: "Tô Lâm",
        role: "HEAD",
        standing: true,
        title: "General Secretary of the Communist Party of Vietnam",
        start: (2024, 8, 3),
        end: None,
        source: "003",
    },
    NamedSeat {
        committee: "CENTRAL",
        full_name: "Võ Văn Dũng",
        role: "MEMBER",
        standing: false,
        title: "Standing Deputy Head of the Central Internal Affairs Commission",
        start: (2021, 4, 9),
        end: None,
        source: "000",
    },
    // Nghe An (seed 002; committee established June 2022).
    NamedSeat {
        committee: "NGHE_AN",
        full_name: "Thái Thanh Quý",
        role: "HEAD",
        standing: true,
        title: "Secretary of the Provincial Party Committee",
        start: (2022, 6, 14),
        end: None,
        source: "002",
    },
    NamedSeat {
        committee: "NGHE_AN",
        full_name: "Nguyễn Văn Thông",
        role: "STANDING_DEPUTY_HEAD",
        standing: true,
        title: "Standing Deputy Secretary of the Provincial Party Committee",
        start: (2022, 6, 14),
        end: None,
        source: "002",
    },
    NamedSeat {
        committee: "NGHE_AN",
        full_name: "Lê Đức Cường",
        role: "DEPUTY_HEAD",
        standing: true,
        title: "Head of the Provincial Party Committee's Organization Committee",
        start: (2022, 6, 14),
        end: None,
        source: "002",
    },
    NamedSeat {
        committee: "NGHE_AN",
        full_name: "Phạm Trọng Hoàng",
        role: "DEPUTY_HEAD",
        standing: true,
        title: "Chairman of the Provincial Party Committee's Inspection Committee",
        start: (2022, 6, 14),
        end: None,
        source: "002",
    },
    NamedSeat {
        committee: "NGHE_AN",
        full_name: "Hồ Lê Ngọc",
        role: "DEPUTY_HEAD",
        standing: true,
        title: "Head of the Provincial Party Committee's Internal Affairs Committee",
        start: (2022, 6, 14),
        end: None,
        source: "002",
    },
    // Thai Binh (seed 001, January 2024).
    NamedSeat {
        committee: "THAI_BINH",
        full_name: "Ngô Đông Hải",
        role: "HEAD",
        standing: true,
        title: "Secretary of the Provincial Party Committee",
        start: (2022, 6, 20),
        end: None,
        source: "001",
    },
    NamedSeat {
        committee: "THAI_BINH",
        full_name: "Hoàng Thái Phúc",
        role: "STANDING_DEPUTY_HEAD",
        standing: true,
        title: "Head of the Provincial Party Committee's Internal Affairs Committee",
        start: (2022, 6, 20),
        end: None,
        source: "001",
    },
    // Ha Tinh (seed 004, one-year review on 24 August 2023).
    NamedSeat {
        committee: "HA_TINH",
        full_name: "Hoàng Trung Dũng",
        role: "HEAD",
        standing: true,
        title: "Secretary of the Provincial Party Committee",
        start: (2022, 7, 29),
        end: None,
        source: "004",
    },
    NamedSeat {
        committee: "HA_TINH",
        full_name: "Nguyễn Đình Hải",
        role: "STANDING_DEPUTY_HEAD",
        standing: true,
        title: "Head of the Provincial Party Committee's Internal Affairs Committee",
        start: (2022, 7, 29),
        end: None,
        source: "004",
    },
    NamedSeat {
        committee: "HA_TINH",
        full_name: "Trần Thế Dũng",
        role: "DEPUTY_HEAD",
        standing: true,
        title: "Standing Deputy Secretary of the Provincial Party Committee",
        start: (2022, 7, 29),
        end: None,
        source: "004",
    },
    NamedSeat {
        committee: "HA_TINH",
        full_name: "Nguyễn Hồng Phong",
        role: "MEMBER",
        standing: false,
        title: "Director of the Provincial Police Department",
        start: (2022, 7, 29),
        end: None,
        source: "004",
    },
    NamedSeat {
        committee: "HA_TINH",
        full_name: "Võ Văn Phúc",
        role: "MEMBER",
        standing: false,
        title: "Chief Inspector of the Province",
        start: (2022, 7, 29),
        end: None,
        source: "004",
    },
];

/// Fictitious surnames, middle names and given names used to generate plausible other members; combinations must not be used for the named officials above.
///
/// No given name below is the given name of a named official, so no
/// combination can reproduce one of them.
pub const SURNAMES: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương",
    "Lý",
];

/// Fictitious middle names (see [`SURNAMES`]).
pub const MIDDLE_NAMES: &[&str] =
    &["Văn", "Thị", "Đức", "Minh", "Hữu", "Quang", "Thanh", "Ngọc", "Xuân", "Công", "Hồng", "Bá"];

/// Fictitious given names (see [`SURNAMES`]); none is a named official's given name.
pub const GIVEN_NAMES: &[&str] = &[
    "An", "Bình", "Châu", "Chiến", "Danh", "Duy", "Đạt", "Giang", "Hà", "Hạnh", "Hiếu", "Hòa", "Hùng", "Huy", "Khang",
    "Khánh", "Kiên", "Linh", "Long", "Lợi", "Nam", "Nga", "Nghĩa", "Oanh", "Quân", "Sơn", "Tâm", "Thắng", "Thảo",
    "Thịnh", "Toàn", "Tuấn", "Vinh", "Yến",
];

/// Concurrent titles typical of a provincial committee's ordinary members (e.g. "Director of the Provincial Police Department", "Chief Prosecutor of the Provincial People's Procuracy", "Chief Judge of the Provincial People's Court", "Chief Inspector of the Province", "Head of the Provincial Party Committee's Propaganda Department", ...), about 8.
pub const MEMBER_TITLES: &[&str] = &[
    "Director of the Provincial Police Department",
    "Chief Prosecutor of the Provincial People's Procuracy",
    "Chief Judge of the Provincial People's Court",
    "Chief Inspector of the Province",
    "Head of the Provincial Party Committee's Propaganda Department",
    "Vice Chairman of the Provincial People's Committee",
    "Chief of the Provincial Party Committee's Office",
    "Chairman of the Provincial Vietnam Fatherland Front Committee",
];

/// Functional agencies each province has (name templates with "{province}" placeholder) and their kind: one of "POLICE", "PROCURACY", "COURT", "INSPECTORATE", "STATE_AUDIT", "PARTY_INSPECTION".
pub const FUNCTIONAL_AGENCIES: &[(&str, &str)] = &[
    ("{province} Provincial Police Department", "POLICE"),
    ("{province} Provincial People's Procuracy", "PROCURACY"),
    ("{province} Provincial People's Court", "COURT"),
    ("{province} Provincial Inspectorate", "INSPECTORATE"),
    ("Regional State Audit Office for {province}", "STATE_AUDIT"),
    ("{province} Provincial Party Committee's Inspection Committee", "PARTY_INSPECTION"),
];
