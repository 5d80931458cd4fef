//! Households and dwellings: names, sizes, who shares a dwelling, piped-water status.

use rand::RngExt;
use rand::seq::SliceRandom;

use super::date::Date;
use crate::model::{Contributions, WaterStatus};

/// Family names, weighted roughly as in the coastal districts of Nghệ An.
const FAMILY: &[(&str, u32)] = &[
    ("Nguyễn", 30),
    ("Hồ", 12),
    ("Lê", 10),
    ("Trần", 8),
    ("Hoàng", 6),
    ("Phan", 5),
    ("Võ", 5),
    ("Đậu", 4),
    ("Phạm", 4),
    ("Thái", 3),
    ("Cao", 3),
    ("Bùi", 2),
    ("Đặng", 2),
    ("Ngô", 2),
    ("Đinh", 2),
    ("Chu", 1),
    ("Hà", 1),
    ("Tăng", 1),
];

const MALE_MIDDLE: &[(&str, u32)] = &[
    ("Văn", 40),
    ("Đình", 10),
    ("Hữu", 8),
    ("Xuân", 6),
    ("Công", 6),
    ("Đức", 6),
    ("Quang", 5),
    ("Minh", 5),
    ("Bá", 4),
    ("Trọng", 3),
    ("Thanh", 3),
    ("Ngọc", 2),
    ("Sỹ", 2),
];

const MALE_GIVEN: &[&str] = &[
    "Hùng", "Dũng", "Tuấn", "Sơn", "Thắng", "Hải", "Long", "Nam", "Bình", "Hòa", "Thành", "Cường",
    "Tâm", "Lâm", "Vinh", "Hiếu", "Toàn", "Phúc", "Lợi", "Kiên", "Quý", "Tiến", "Chiến", "Khánh",
    "Lực", "Mạnh", "Nghĩa", "Phong", "Hưng", "Đông", "Thọ", "Lộc", "Trung", "Việt", "Hoàn", "Tùng",
    "Huy", "Đạt", "Thịnh", "Sáu",
];

const FEMALE_MIDDLE: &[(&str, u32)] = &[
    ("Thị", 85),
    ("Ngọc", 5),
    ("Thu", 4),
    ("Thanh", 4),
    ("Kim", 2),
];

const FEMALE_GIVEN: &[&str] = &[
    "Lan", "Hoa", "Hương", "Mai", "Hằng", "Loan", "Nga", "Thủy", "Hạnh", "Tuyết", "Yến", "Liên",
    "Nhung", "Xuân", "Hà", "Oanh", "Phương", "Vân", "Hiền", "Lý", "Thảo", "Sen", "Cúc", "Đào",
    "Huệ", "Nhàn", "Châu", "Duyên",
];

fn weighted<'a>(rng: &mut impl rand::Rng, table: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    let mut r = rng.random_range(0..total);
    for (s, w) in table {
        if r < *w {
            return s;
        }
        r -= w;
    }
    table[table.len() - 1].0
}

fn pick<'a>(rng: &mut impl rand::Rng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// A full name `Family Middle Given`, keeping the family name when given.
pub(crate) fn full_name(rng: &mut impl rand::Rng, family: Option<&str>, male: bool) -> String {
    let family = family.map_or_else(|| weighted(rng, FAMILY).to_owned(), str::to_owned);
    loop {
        let (middle, given) = if male {
            (weighted(rng, MALE_MIDDLE), pick(rng, MALE_GIVEN))
        } else {
            (weighted(rng, FEMALE_MIDDLE), pick(rng, FEMALE_GIVEN))
        };
        if middle != given {
            return format!("{family} {middle} {given}");
        }
    }
}

/// One household.
#[derive(Debug, Clone)]
pub(crate) struct HouseholdPlan {
    pub village: usize,
    pub dwelling: usize,
    pub head: String,
    pub members: u32,
    pub water: WaterStatus,
    pub water_date: Option<Date>,
    pub contributions: Contributions,
}

/// One dwelling: where it stands is decided by the layout.
#[derive(Debug, Clone)]
pub(crate) struct DwellingPlan {
    /// Commune-wide household indices, the main household first.
    pub households: Vec<usize>,
    pub water: WaterStatus,
    /// Where the dwelling stands (metric mm), set by the layout.
    pub at: (i64, i64),
}

/// The village's dwellings and households.
///
/// 1. `dwellings` dwellings, each with a main household;
/// 2. `households − dwellings` more households moved in with randomly drawn dwellings (a
///    married son, the grandparents, a relative), at most three per dwelling;
/// 3. exactly `registered` dwellings drawn for piped water, `connected` of them connected;
///    every household of a dwelling shares its status and date.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site, fields of the village spec"
)]
pub(crate) fn village_people(
    rng: &mut impl rand::Rng,
    village: usize,
    dwellings: usize,
    households: usize,
    registered: usize,
    connected: usize,
    out_dwellings: &mut Vec<DwellingPlan>,
    out_households: &mut Vec<HouseholdPlan>,
) {
    let first_dwelling = out_dwellings.len();
    let mut per_dwelling: Vec<usize> = vec![1; dwellings];
    let mut extra = households.saturating_sub(dwellings);
    while extra > 0 {
        let d = rng.random_range(0..dwellings);
        if per_dwelling[d] < 3 {
            per_dwelling[d] += 1;
            extra -= 1;
        }
    }
    let mut water = vec![WaterStatus::NotRegistered; dwellings];
    let mut order: Vec<usize> = (0..dwellings).collect();
    order.shuffle(rng);
    for (n, &d) in order.iter().take(registered).enumerate() {
        water[d] = if n < connected {
            WaterStatus::Connected
        } else {
            WaterStatus::Registered
        };
    }
    for (d, &count) in per_dwelling.iter().enumerate() {
        let water_date = match water[d] {
            WaterStatus::NotRegistered => None,
            WaterStatus::Registered => Some(Date::between(
                rng,
                Date::ymd(2023, 1, 9),
                Date::ymd(2023, 12, 22),
            )),
            WaterStatus::Connected => Some(Date::between(
                rng,
                Date::ymd(2022, 5, 3),
                Date::ymd(2023, 12, 15),
            )),
        };
        let male = rng.random_bool(0.78);
        let head = full_name(rng, None, male);
        let family = head.split(' ').next().unwrap_or_default().to_owned();
        let mut ids = Vec::with_capacity(count);
        let main_members =
            [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 6, 6, 7][rng.random_range(0..17)];
        ids.push(out_households.len());
        out_households.push(HouseholdPlan {
            village,
            dwelling: first_dwelling + d,
            head,
            members: main_members,
            water: water[d],
            water_date,
            contributions: Contributions::default(),
        });
        for _ in 1..count {
            let r: f64 = rng.random();
            let (head, members) = if r < 0.6 {
                // A married son and his family.
                (full_name(rng, Some(&family), true), rng.random_range(2..=4))
            } else if r < 0.85 {
                // The grandparents, with their own household book.
                let male = rng.random_bool(0.5);
                (full_name(rng, Some(&family), male), rng.random_range(1..=2))
            } else {
                let male = rng.random_bool(0.6);
                (full_name(rng, None, male), rng.random_range(1..=4))
            };
            ids.push(out_households.len());
            out_households.push(HouseholdPlan {
                village,
                dwelling: first_dwelling + d,
                head,
                members,
                water: water[d],
                water_date,
                contributions: Contributions::default(),
            });
        }
        out_dwellings.push(DwellingPlan {
            households: ids,
            water: water[d],
            at: (0, 0),
        });
    }
}

/// Dates the connections of one village's dwellings so that exactly `by_2022` of its
/// connected dwellings were connected by the end of 2022 (the year-earlier water figure,
/// [`super::spec::WATER_REGISTERED_END_2022`] over the commune) and the others in 2023.
///
/// `rng` is a stream of its own: every other draw of the generator stays as it was, and the
/// households layer changes only in these dates. Registered-only dwellings keep their 2023
/// dates. Every household of a dwelling gets its dwelling's date.
pub(crate) fn date_connections(
    rng: &mut impl rand::Rng,
    dwellings: &[DwellingPlan],
    households: &mut [HouseholdPlan],
    by_2022: usize,
) {
    let mut connected: Vec<&DwellingPlan> = dwellings
        .iter()
        .filter(|d| d.water == WaterStatus::Connected)
        .collect();
    connected.shuffle(rng);
    for (n, d) in connected.into_iter().enumerate() {
        let date = if n < by_2022 {
            Date::between(rng, Date::ymd(2022, 5, 3), Date::ymd(2022, 12, 28))
        } else {
            Date::between(rng, Date::ymd(2023, 1, 3), Date::ymd(2023, 12, 15))
        };
        for &h in &d.households {
            households[h].water_date = Some(date);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn counts_are_exact_and_dwellings_share_water_status() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let (mut d, mut h) = (Vec::new(), Vec::new());
        village_people(&mut rng, 0, 100, 117, 40, 15, &mut d, &mut h);
        assert_eq!(d.len(), 100);
        assert_eq!(h.len(), 117);
        let reg = d
            .iter()
            .filter(|d| d.water != WaterStatus::NotRegistered)
            .count();
        assert_eq!(reg, 40);
        let con = d
            .iter()
            .filter(|d| d.water == WaterStatus::Connected)
            .count();
        assert_eq!(con, 15);
        for (i, dw) in d.iter().enumerate() {
            assert!((1..=3).contains(&dw.households.len()));
            for &hh in &dw.households {
                assert_eq!(h[hh].dwelling, i);
                assert_eq!(h[hh].water, dw.water);
                assert_eq!(
                    h[hh].water_date.is_some(),
                    dw.water != WaterStatus::NotRegistered
                );
            }
        }
    }

    #[test]
    fn connections_by_2022_are_exact() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let (mut d, mut h) = (Vec::new(), Vec::new());
        village_people(&mut rng, 0, 100, 117, 40, 15, &mut d, &mut h);
        date_connections(&mut ChaCha8Rng::seed_from_u64(8), &d, &mut h, 9);
        let end_2022 = Date::ymd(2022, 12, 31);
        let by_2022 = d
            .iter()
            .filter(|dw| {
                h[dw.households[0]]
                    .water_date
                    .is_some_and(|x| x <= end_2022)
            })
            .count();
        assert_eq!(by_2022, 9);
        for dw in &d {
            let date = h[dw.households[0]].water_date;
            assert!(dw.households.iter().all(|&i| h[i].water_date == date));
            assert_eq!(date.is_some(), dw.water != WaterStatus::NotRegistered);
            if date.is_some_and(|x| x <= end_2022) {
                assert_eq!(dw.water, WaterStatus::Connected);
            }
        }
    }

    #[test]
    fn names_have_three_parts_with_diacritics() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let names: Vec<String> = (0..200)
            .map(|i| full_name(&mut rng, None, i % 2 == 0))
            .collect();
        assert!(names.iter().all(|n| n.split(' ').count() == 3));
        assert!(names.iter().any(|n| !n.is_ascii()));
    }
}
