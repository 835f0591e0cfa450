//! The KPI table of a fiscal year: per municipality and in total, each KPI's actual figure
//! with its baseline, target and achievement rate, and the figures month by month.
//!
//! Every record counts in the municipality of its own site (a presence session, a remote
//! entry or a paid month where it happened; a registration where the worker is registered),
//! in that site's time zone, so a worker who moved mid-year counts in each city for its
//! months and once in the total. A worker earns when the amounts paid for their months
//! worked in the year (at any site) reach 10,000 yen; they count in each city that paid them
//! that year, and once in the total.

use super::rules::{self, EARNER_YEN};
use super::scope::Scope;
use super::store::{self, SiteRow};
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Lang};
use crate::ids::{MunicipalityId, PersonId, SiteId};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use utoipa::ToSchema;

/// The KPIs, in the table's order.
pub const KPIS: [&str; 11] = [
    "registered",
    "active",
    "earners",
    "center_hours",
    "remote_hours",
    "paid_yen",
    "orders_yen",
    "costs_yen",
    "net_yen",
    "municipalities",
    "new_municipalities",
];

/// The committee's names of the KPIs (ja, en).
pub fn kpi_name(key: &str) -> (&'static str, &'static str) {
    match key {
        "registered" => ("登録ワーカー数", "Registered workers"),
        "active" => (
            "就労ワーカー数(承認済みの時間あり)",
            "Active workers (approved hours)",
        ),
        "earners" => (
            "自営型テレワークで収入を得た人数(年間1万円以上)",
            "Workers who earned at least 10,000 yen",
        ),
        "center_hours" => ("センターでの就労時間", "Hours at a center"),
        "remote_hours" => ("在宅での就労時間", "Remote hours"),
        "paid_yen" => ("ワーカーへの支払額(円)", "Paid to workers (yen)"),
        "orders_yen" => ("クライアントからの年間受注金額(円)", "Client orders (yen)"),
        "costs_yen" => ("運用経費(円)", "Operating costs (yen)"),
        "net_yen" => (
            "年間当期純利益(受注額-ワーカーへの支払額-運用経費)(円)",
            "Net result (orders - payments - costs, yen)",
        ),
        "municipalities" => ("拠点のある自治体数", "Municipalities with a site"),
        "new_municipalities" => ("新たに採用した自治体数", "Municipalities new this year"),
        _ => ("", ""),
    }
}

/// One KPI of a municipality (or of the total).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Kpi {
    /// registered, active, earners, center_hours, remote_hours, paid_yen, orders_yen,
    /// costs_yen, net_yen, municipalities, new_municipalities.
    pub key: String,
    pub name: String,
    /// None when suppressed (fewer than 3 people behind it, for a municipality viewer).
    pub actual: Option<i64>,
    /// Whether the actual figure is withheld ("<3").
    pub suppressed: bool,
    pub baseline: Option<i64>,
    pub target: Option<i64>,
    /// Actual over target in percent, to a tenth (None without a positive target).
    pub achievement: Option<f64>,
    /// The cumulative increase aimed at by the programme's final year (the latest year's
    /// cumulative target).
    pub final_target: Option<i64>,
    /// The increase aimed at in this year alone.
    pub year_target: Option<i64>,
    /// This year's actual minus the year before's (with `increases` only).
    pub year_increase: Option<i64>,
    pub year_achievement: Option<f64>,
    /// The increase over the baseline aimed at by this year's end.
    pub cumulative_target: Option<i64>,
    /// This year's actual minus the baseline.
    pub cumulative_increase: Option<i64>,
    pub cumulative_achievement: Option<f64>,
    /// Whether an increase is withheld ("<3"), as a figure it would give back is.
    pub increase_suppressed: bool,
}

/// A month's figures.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct MonthFigures {
    /// YYYY-MM.
    pub month: String,
    /// Workers with approved hours that month (None: suppressed, as each person-derived
    /// figure below).
    pub active: Option<i64>,
    pub center_minutes: Option<i64>,
    pub remote_minutes: Option<i64>,
    pub paid_yen: Option<i64>,
    pub orders_yen: i64,
    /// The figures withheld ("<3"): active, center_minutes, remote_minutes, paid_yen.
    pub suppressed: Vec<String>,
}

/// A municipality's (or the total's) KPIs and trend.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ScopeReport {
    /// None for the programme's total.
    #[schema(value_type = Option<i64>)]
    pub municipality_id: Option<MunicipalityId>,
    pub code: Option<String>,
    pub name: String,
    /// Whether the municipality has a site by the year's end.
    pub has_site: bool,
    /// Whether its first site opened this year.
    pub new_site: bool,
    pub kpis: Vec<Kpi>,
    pub months: Vec<MonthFigures>,
}

/// The KPI table of a fiscal year.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Report {
    pub fiscal_year: i32,
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    /// The municipalities the reader may see, then the total (administrators only).
    pub scopes: Vec<ScopeReport>,
}

/// A site with its zone.
#[derive(Clone, Debug)]
pub struct Place {
    pub municipality: MunicipalityId,
    pub tz: Tz,
    pub created_at: i64,
}

/// Every site's municipality and zone.
pub fn places(rows: Vec<SiteRow>) -> anyhow::Result<HashMap<SiteId, Place>> {
    rows.into_iter()
        .map(|s| {
            Ok((
                s.id,
                Place {
                    municipality: s.municipality_id,
                    tz: crate::sites::stored_time_zone(&s.time_zone, s.id)?,
                    created_at: s.created_at,
                },
            ))
        })
        .collect()
}

/// The local day of an instant in a zone.
pub fn local_day(tz: Tz, at: i64) -> Option<NaiveDate> {
    DateTime::<Utc>::from_timestamp(at, 0).map(|t| t.with_timezone(&tz).date_naive())
}

/// The instant a local day begins at a place.
pub fn day_start(tz: Tz, day: NaiveDate) -> Option<i64> {
    crate::sites::rules::local_midnight(tz, day).map(|t| t.timestamp())
}

/// A window of instants sure to hold the fiscal year in every zone (a day either side).
pub fn window(year: i32) -> ApiResult<(i64, i64)> {
    let (first, last) = rules::bounds(year).ok_or_else(bad_year)?;
    let start = first.and_hms_opt(0, 0, 0).ok_or_else(bad_year)?;
    let end = last.and_hms_opt(0, 0, 0).ok_or_else(bad_year)?;
    Ok((
        start.and_utc().timestamp() - 86_400,
        end.and_utc().timestamp() + 2 * 86_400,
    ))
}

fn bad_year() -> ApiError {
    super::errors::refuse("year", super::errors::KpiError::BadYear)
}

#[derive(Default)]
struct Acc {
    registered: BTreeSet<PersonId>,
    active: BTreeSet<PersonId>,
    earners: BTreeSet<PersonId>,
    center: i64,
    remote: i64,
    paid: i64,
    /// Who is behind the hours and the amounts (for suppression).
    center_people: BTreeSet<PersonId>,
    remote_people: BTreeSet<PersonId>,
    paid_people: BTreeSet<PersonId>,
    orders: i64,
    costs: i64,
    months: [MonthAcc; 12],
}

#[derive(Default)]
struct MonthAcc {
    active: BTreeSet<PersonId>,
    center: i64,
    remote: i64,
    paid: i64,
    orders: i64,
    center_people: BTreeSet<PersonId>,
    remote_people: BTreeSet<PersonId>,
    paid_people: BTreeSet<PersonId>,
}

/// The accumulators of each municipality (Some) and of the total (None).
struct Accs(BTreeMap<Option<MunicipalityId>, Acc>);

impl Accs {
    fn each(&mut self, m: MunicipalityId, f: impl Fn(&mut Acc)) {
        f(self.0.entry(Some(m)).or_default());
        f(self.0.entry(None).or_default());
    }
}

/// Each zone's minutes at a center and remote, per worker, site and month.
type ZoneMinutes = Vec<(Tz, Vec<store::MinutesRow>, Vec<store::MinutesRow>)>;

/// The records a year's figures count.
struct Records {
    minutes: ZoneMinutes,
    workers: Vec<store::WorkerRow>,
    approved: Vec<store::MonthRow>,
    paid: Vec<store::PaidRow>,
    orders: Vec<store::OrderRow>,
    costs: Vec<store::CostRow>,
}

/// A fiscal year being counted: its days, months and the sites' places.
struct Year {
    year: i32,
    first: NaiveDate,
    last: NaiveDate,
    months: Vec<String>,
    window: (i64, i64),
    places: HashMap<SiteId, Place>,
}

impl Year {
    async fn new(db: &Db, year: i32) -> ApiResult<Year> {
        let (first, last) = rules::bounds(year).ok_or_else(bad_year)?;
        Ok(Year {
            year,
            first,
            last,
            months: rules::months(year),
            window: window(year)?,
            places: places(store::sites(db).await?)?,
        })
    }

    /// The year's records, read at once: each statement on a connection of its own (the
    /// database runs them side by side, at most [`KPI_READS`] of them), the minutes summed per
    /// worker and month by it.
    async fn records(&self, db: &Db) -> ApiResult<Records> {
        let mut zones: Vec<Tz> = self.places.values().map(|p| p.tz).collect();
        zones.sort_by_key(|z| z.name());
        zones.dedup();
        let per_zone = futures_util::future::try_join_all(zones.into_iter().map(|tz| async move {
            let bounds = self
                .month_starts(tz)
                .ok_or_else(|| anyhow::anyhow!("no month starts in {tz}"))?;
            let (center, remote) = tokio::try_join!(
                gated(store::presence_minutes(db, &bounds)),
                gated(store::remote_minutes(db, &bounds))
            )?;
            Ok::<_, ApiError>((tz, center, remote))
        }));
        let (first, last) = (self.first.to_string(), self.last.to_string());
        let (minutes, workers, approved, paid, orders, costs) = tokio::try_join!(
            per_zone,
            async { Ok(gated(store::workers(db, self.window.1)).await?) },
            async { Ok(gated(store::approved(db, &self.months[0], &self.months[11])).await?) },
            async { Ok(gated(store::paid_amounts(db, &self.months[0], &self.months[11])).await?) },
            async { Ok(gated(store::orders(db, &first, &last)).await?) },
            async { Ok(gated(store::costs(db, self.year)).await?) },
        )
        .map_err(|e: ApiError| e)?;
        Ok(Records {
            minutes,
            workers,
            approved,
            paid,
            orders,
            costs,
        })
    }

    /// Workers registered at a site of the municipality by the year's end.
    fn registered(&self, workers: Vec<store::WorkerRow>, accs: &mut Accs) {
        for w in workers {
            let Some(p) = self.places.get(&w.site_id) else {
                continue;
            };
            let end = self.last.succ_opt().and_then(|d| day_start(p.tz, d));
            if end.is_some_and(|end| w.created_at < end) {
                accs.each(p.municipality, |a| {
                    a.registered.insert(w.person_id);
                });
            }
        }
    }

    /// The instants the year's months begin in a zone, then the year's end.
    fn month_starts(&self, tz: Tz) -> Option<[i64; 13]> {
        let mut out = [0i64; 13];
        for (k, slot) in out.iter_mut().enumerate() {
            let first = self
                .first
                .checked_add_months(chrono::Months::new(k as u32))?;
            *slot = day_start(tz, first)?;
        }
        Some(out)
    }

    /// Hours at a center and remote; a worker is active in a month approved with hours.
    fn hours(&self, r: ZoneMinutes, approved: Vec<store::MonthRow>, accs: &mut Accs) {
        let mut minutes: HashMap<(PersonId, SiteId, usize), i64> = HashMap::new();
        // One pass a zone (one in practice): the database summed each worker's month.
        for (tz, center, remote) in r {
            for (rows, remote) in [(center, false), (remote, true)] {
                for r in rows {
                    let Some(p) = self.places.get(&r.site_id).filter(|p| p.tz == tz) else {
                        continue;
                    };
                    let (m, i, mins) = (p.municipality, r.bucket.clamp(0, 11) as usize, r.minutes);
                    *minutes.entry((r.person_id, r.site_id, i)).or_default() += mins;
                    let who = r.person_id;
                    accs.each(m, |a| {
                        if remote {
                            a.remote += mins;
                            a.months[i].remote += mins;
                            if mins > 0 {
                                a.remote_people.insert(who);
                                a.months[i].remote_people.insert(who);
                            }
                        } else {
                            a.center += mins;
                            a.months[i].center += mins;
                            if mins > 0 {
                                a.center_people.insert(who);
                                a.months[i].center_people.insert(who);
                            }
                        }
                    });
                }
            }
        }
        for r in approved {
            let (Some(i), Some(p)) = (
                rules::month_index(self.year, &r.month),
                self.places.get(&r.site_id),
            ) else {
                continue;
            };
            if minutes
                .get(&(r.person_id, r.site_id, i))
                .is_some_and(|m| *m > 0)
            {
                accs.each(p.municipality, |a| {
                    a.active.insert(r.person_id);
                    a.months[i].active.insert(r.person_id);
                });
            }
        }
    }

    /// Amounts paid for the year's months, and the workers they brought to 10,000 yen.
    fn paid(&self, paid: Vec<store::PaidRow>, accs: &mut Accs) {
        let mut earned: HashMap<PersonId, i64> = HashMap::new();
        for r in &paid {
            *earned.entry(r.person_id).or_default() += r.amount;
        }
        for r in &paid {
            let (Some(i), Some(p)) = (
                rules::month_index(self.year, &r.month),
                self.places.get(&r.site_id),
            ) else {
                continue;
            };
            let earner = earned.get(&r.person_id).is_some_and(|y| *y >= EARNER_YEN);
            accs.each(p.municipality, |a| {
                a.paid += r.amount;
                a.months[i].paid += r.amount;
                a.paid_people.insert(r.person_id);
                a.months[i].paid_people.insert(r.person_id);
                if earner {
                    a.earners.insert(r.person_id);
                }
            });
        }
    }

    /// The year's orders and operating costs.
    fn money(
        &self,
        (orders, costs): (Vec<store::OrderRow>, Vec<store::CostRow>),
        accs: &mut Accs,
    ) -> ApiResult<()> {
        for o in orders {
            let Ok(day) = NaiveDate::parse_from_str(&o.ordered_on, "%Y-%m-%d") else {
                return Err(anyhow::anyhow!("kpi_orders row {} has a bad date", o.id).into());
            };
            let i = rules::day_month_index(day);
            accs.each(o.municipality_id, |a| {
                a.orders += o.amount;
                a.months[i].orders += o.amount;
            });
        }
        for c in costs {
            if c.municipality_id == 0 {
                accs.0.entry(None).or_default().costs += c.amount;
            } else {
                accs.each(MunicipalityId(c.municipality_id), |a| a.costs += c.amount);
            }
        }
        Ok(())
    }

    /// Each municipality's first site's local day.
    fn first_sites(&self) -> BTreeMap<MunicipalityId, NaiveDate> {
        let mut out: BTreeMap<MunicipalityId, NaiveDate> = BTreeMap::new();
        for p in self.places.values() {
            if let Some(day) = local_day(p.tz, p.created_at) {
                let e = out.entry(p.municipality).or_insert(day);
                *e = (*e).min(day);
            }
        }
        out
    }

    /// The months' figures; with `exact` false, those fewer than 3 people are behind are
    /// withheld, and more months with them until at least 3 people stand behind the withheld
    /// months together (their sum is read back from the year's figure); `hidden` then names
    /// the year's figures to withhold when no month is left to add.
    fn trend(
        &self,
        a: &Acc,
        exact: bool,
        hidden: &mut BTreeSet<&'static str>,
    ) -> Vec<MonthFigures> {
        let mut out: Vec<MonthFigures> = self
            .months
            .iter()
            .zip(a.months.iter())
            .map(|(label, m)| MonthFigures {
                month: label.clone(),
                active: Some(m.active.len() as i64),
                center_minutes: Some(m.center),
                remote_minutes: Some(m.remote),
                paid_yen: Some(m.paid),
                orders_yen: m.orders,
                suppressed: Vec::new(),
            })
            .collect();
        if exact {
            return out;
        }
        for (i, m) in a.months.iter().enumerate() {
            let f = &mut out[i];
            for (key, n) in [
                ("active", m.active.len()),
                ("center_minutes", m.center_people.len()),
                ("remote_minutes", m.remote_people.len()),
                ("paid_yen", m.paid_people.len()),
            ] {
                if rules::too_few(n) {
                    f.withhold(key);
                }
            }
        }
        // A year's hours and amounts are the sums of its months.
        for (key, year_keys) in [
            ("center_minutes", &["center_hours"][..]),
            ("remote_minutes", &["remote_hours"][..]),
            ("paid_yen", &["paid_yen", "net_yen"][..]),
        ] {
            if hidden.contains(year_keys[0]) {
                continue;
            }
            let people = |i: usize| match key {
                "center_minutes" => &a.months[i].center_people,
                "remote_minutes" => &a.months[i].remote_people,
                _ => &a.months[i].paid_people,
            };
            // The withheld months' sum is the year's figure minus the shown ones: as long as
            // fewer than 3 people stand behind it (the same worker in April and May, say),
            // withhold the smallest shown month too, or else the year's figure.
            loop {
                let withheld: Vec<usize> = (0..out.len())
                    .filter(|&i| out[i].suppressed.iter().any(|k| k == key))
                    .collect();
                let behind: BTreeSet<PersonId> = withheld
                    .iter()
                    .flat_map(|&i| people(i).iter().copied())
                    .collect();
                if !rules::too_few(behind.len()) {
                    break;
                }
                let next = (0..out.len())
                    .filter(|&i| !out[i].suppressed.iter().any(|k| k == key) && out[i].get(key) > 0)
                    .min_by_key(|&i| out[i].get(key));
                match next {
                    Some(i) => out[i].withhold(key),
                    None => {
                        hidden.extend(year_keys.iter().copied());
                        break;
                    }
                }
            }
        }
        out
    }
}

impl MonthFigures {
    fn get(&self, key: &str) -> i64 {
        match key {
            "active" => self.active,
            "center_minutes" => self.center_minutes,
            "remote_minutes" => self.remote_minutes,
            _ => self.paid_yen,
        }
        .unwrap_or(0)
    }

    fn withhold(&mut self, key: &str) {
        match key {
            "active" => self.active = None,
            "center_minutes" => self.center_minutes = None,
            "remote_minutes" => self.remote_minutes = None,
            _ => self.paid_yen = None,
        }
        self.suppressed.push(key.to_string());
    }
}

/// The year's figures withheld for a municipality viewer: those fewer than 3 people are
/// behind (the net result with the amounts paid it would give back).
fn withheld(a: &Acc) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    for (key, n) in [
        ("registered", a.registered.len()),
        ("active", a.active.len()),
        ("earners", a.earners.len()),
        ("center_hours", a.center_people.len()),
        ("remote_hours", a.remote_people.len()),
        ("paid_yen", a.paid_people.len()),
        ("net_yen", a.paid_people.len()),
    ] {
        if rules::too_few(n) {
            out.insert(key);
        }
    }
    out
}

/// A KPI's baseline and targets for a municipality (0: the programme) and year.
#[derive(Clone, Copy, Debug, Default)]
struct Goal {
    baseline: Option<i64>,
    target: Option<i64>,
    year_target: Option<i64>,
    cumulative_target: Option<i64>,
    final_target: Option<i64>,
}

type Targets = HashMap<(i64, String), Goal>;

/// A KPI's actual figure in an accumulator.
fn value(a: &Acc, key: &str, sites: (i64, i64)) -> i64 {
    match key {
        "registered" => a.registered.len() as i64,
        "active" => a.active.len() as i64,
        "earners" => a.earners.len() as i64,
        "center_hours" => rules::hours(a.center),
        "remote_hours" => rules::hours(a.remote),
        "paid_yen" => a.paid,
        "orders_yen" => a.orders,
        "costs_yen" => a.costs,
        "net_yen" => a.orders - a.paid - a.costs,
        "municipalities" => sites.0,
        _ => sites.1,
    }
}

/// One year's figures of a scope: its accumulator, site counts and withheld KPIs.
struct Side<'a> {
    a: &'a Acc,
    sites: (i64, i64),
    hidden: BTreeSet<&'static str>,
}

/// The KPI rows of a scope, with their baselines, targets and (with the year before)
/// increases.
fn table(
    m: Option<MunicipalityId>,
    now: &Side,
    before: Option<&Side>,
    targets: &Targets,
    lang: Lang,
) -> Vec<Kpi> {
    KPIS.iter()
        .map(|key| {
            let g = targets
                .get(&(m.map_or(0, |m| m.0), key.to_string()))
                .copied()
                .unwrap_or_default();
            let (ja, en) = kpi_name(key);
            let suppressed = now.hidden.contains(key);
            let actual = (!suppressed).then(|| value(now.a, key, now.sites));
            // An increase would give a withheld figure of either year back.
            let before_hidden = before.is_some_and(|b| b.hidden.contains(key));
            let year_increase = match (actual, before) {
                (Some(a), Some(b)) if !before_hidden => {
                    Some(a.saturating_sub(value(b.a, key, b.sites)))
                }
                _ => None,
            };
            // Saturating: a baseline stored before targets were bounded may be anything.
            let cumulative_increase = actual.zip(g.baseline).map(|(a, b)| a.saturating_sub(b));
            Kpi {
                key: key.to_string(),
                name: lang.pick(ja, en).to_string(),
                actual,
                suppressed,
                baseline: g.baseline,
                target: g.target,
                achievement: actual.and_then(|a| rules::achievement(a, g.target)),
                final_target: g.final_target,
                year_target: g.year_target,
                year_increase,
                year_achievement: year_increase.and_then(|a| rules::achievement(a, g.year_target)),
                cumulative_target: g.cumulative_target,
                cumulative_increase,
                cumulative_achievement: cumulative_increase
                    .and_then(|a| rules::achievement(a, g.cumulative_target)),
                increase_suppressed: suppressed || (before.is_some() && before_hidden),
            }
        })
        .collect()
}

/// A year's figures, counted.
struct Counted {
    y: Year,
    accs: Accs,
    first_site: BTreeMap<MunicipalityId, NaiveDate>,
}

impl Counted {
    async fn of(db: &Db, year: i32) -> ApiResult<Counted> {
        let y = Year::new(db, year).await?;
        let r = y.records(db).await?;
        let mut accs = Accs(BTreeMap::new());
        y.registered(r.workers, &mut accs);
        y.hours(r.minutes, r.approved, &mut accs);
        y.paid(r.paid, &mut accs);
        y.money((r.orders, r.costs), &mut accs)?;
        let first_site = y.first_sites();
        Ok(Counted {
            y,
            accs,
            first_site,
        })
    }

    /// Whether the municipality has a site by the year's end.
    fn with_site(&self, m: MunicipalityId) -> bool {
        self.first_site.get(&m).is_some_and(|d| *d <= self.y.last)
    }

    /// Whether the municipality's first site opened in the year.
    fn new_site(&self, m: MunicipalityId) -> bool {
        self.first_site
            .get(&m)
            .is_some_and(|d| self.y.first <= *d && *d <= self.y.last)
    }

    /// A municipality's (Some) or the total's (None) site counts.
    fn sites(&self, m: Option<MunicipalityId>, towns: &[store::MunicipalityRow]) -> (i64, i64) {
        match m {
            Some(m) => (i64::from(self.with_site(m)), i64::from(self.new_site(m))),
            None => (
                towns.iter().filter(|t| self.with_site(t.id)).count() as i64,
                towns.iter().filter(|t| self.new_site(t.id)).count() as i64,
            ),
        }
    }

    /// A scope's side of the table: withheld figures for a reader who sees no exact ones.
    fn side<'a>(
        &'a self,
        m: Option<MunicipalityId>,
        towns: &[store::MunicipalityRow],
        exact: bool,
        empty: &'a Acc,
    ) -> (Side<'a>, Vec<MonthFigures>) {
        let a = self.accs.0.get(&m).unwrap_or(empty);
        let mut hidden = if exact { BTreeSet::new() } else { withheld(a) };
        let months = self.y.trend(a, exact, &mut hidden);
        let sites = self.sites(m, towns);
        (Side { a, sites, hidden }, months)
    }
}

/// The stored baselines and targets of a year, with each KPI's final cumulative target.
async fn goals(db: &Db, year: i32) -> ApiResult<Targets> {
    let (rows, finals) = tokio::try_join!(store::targets(db, year), store::final_targets(db))?;
    let mut out: Targets = HashMap::new();
    for t in rows {
        let g = out.entry((t.municipality_id, t.kpi)).or_default();
        g.baseline = t.baseline;
        g.target = t.target;
        g.year_target = t.year_target;
        g.cumulative_target = t.cumulative_target;
    }
    for f in finals {
        out.entry((f.municipality_id, f.kpi))
            .or_default()
            .final_target = Some(f.cumulative_target);
    }
    Ok(out)
}

/// The KPI table of a fiscal year, as the reader's scope allows; with `increases`, each
/// KPI's increase over the year before (counted too) and over its baseline.
pub async fn of_year(
    db: &Db,
    year: i32,
    scope: &Scope,
    lang: Lang,
    increases: bool,
) -> ApiResult<Report> {
    let before = async {
        if increases {
            Ok(Some(Counted::of(db, year - 1).await?))
        } else {
            Ok(None)
        }
    };
    let (now, before, targets, towns) =
        tokio::try_join!(Counted::of(db, year), before, goals(db, year), async {
            Ok(store::municipalities(db).await?)
        },)
        .map_err(|e: ApiError| e)?;
    let empty = Acc::default();
    let mut scopes = Vec::new();
    let mut ids: Vec<Option<MunicipalityId>> = towns
        .iter()
        .filter(|t| scope.sees(t.id))
        .map(|t| Some(t.id))
        .collect();
    if scope.all {
        ids.push(None);
    }
    for m in ids {
        let exact = m.is_none_or(|m| scope.exact(m));
        let (side, months) = now.side(m, &towns, exact, &empty);
        let prior = before.as_ref().map(|b| b.side(m, &towns, exact, &empty).0);
        let town = m.and_then(|m| towns.iter().find(|t| t.id == m));
        scopes.push(ScopeReport {
            municipality_id: m,
            code: town.map(|t| t.code.clone()),
            name: match town {
                Some(t) => lang.pick(&t.name_ja, &t.name_en).to_string(),
                None => lang.pick("合計", "Total").to_string(),
            },
            has_site: side.sites.0 > 0,
            new_site: side.sites.1 > 0,
            kpis: table(m, &side, prior.as_ref(), &targets, lang),
            months,
        });
    }
    Ok(Report {
        fiscal_year: year,
        from: now.y.first,
        to: now.y.last,
        scopes,
    })
}

/// KPI statements in flight at once in this process, whatever the number of KPI requests: a
/// year's table reads side by side, but the kiosk and the booking pages keep the rest of the
/// pool (8 connections by default).
const KPI_READS: usize = 3;

static READS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(KPI_READS);

/// Runs a KPI statement once one of the [`KPI_READS`] places is free.
async fn gated<T>(statement: impl Future<Output = T>) -> T {
    // The semaphore is never closed: a permit always comes.
    let _permit = READS.acquire().await.ok();
    statement.await
}
