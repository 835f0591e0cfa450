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
    pub actual: i64,
    pub baseline: Option<i64>,
    pub target: Option<i64>,
    /// Actual over target in percent, to a tenth (None without a positive target).
    pub achievement: Option<f64>,
}

/// A month's figures.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct MonthFigures {
    /// YYYY-MM.
    pub month: String,
    /// Workers with approved hours that month.
    pub active: i64,
    pub center_minutes: i64,
    pub remote_minutes: i64,
    pub paid_yen: i64,
    pub orders_yen: i64,
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
}

/// The accumulators of each municipality (Some) and of the total (None).
struct Accs(BTreeMap<Option<MunicipalityId>, Acc>);

impl Accs {
    fn each(&mut self, m: MunicipalityId, f: impl Fn(&mut Acc)) {
        f(self.0.entry(Some(m)).or_default());
        f(self.0.entry(None).or_default());
    }
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

    /// Workers registered at a site of the municipality by the year's end.
    async fn registered(&self, db: &Db, accs: &mut Accs) -> ApiResult<()> {
        for w in store::workers(db, self.window.1).await? {
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
        Ok(())
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
    async fn hours(&self, db: &Db, accs: &mut Accs) -> ApiResult<()> {
        let mut zones: Vec<Tz> = self.places.values().map(|p| p.tz).collect();
        zones.sort_by_key(|z| z.name());
        zones.dedup();
        let mut minutes: HashMap<(PersonId, SiteId, usize), i64> = HashMap::new();
        // One pass a zone (one in practice): the database sums each worker's month.
        for tz in zones {
            let bounds = self
                .month_starts(tz)
                .ok_or_else(|| anyhow::anyhow!("no month starts in {tz}"))?;
            for (rows, remote) in [
                (store::presence_minutes(db, &bounds).await?, false),
                (store::remote_minutes(db, &bounds).await?, true),
            ] {
                for r in rows {
                    let Some(p) = self.places.get(&r.site_id).filter(|p| p.tz == tz) else {
                        continue;
                    };
                    let (m, i, mins) = (p.municipality, r.bucket.clamp(0, 11) as usize, r.minutes);
                    *minutes.entry((r.person_id, r.site_id, i)).or_default() += mins;
                    accs.each(m, |a| {
                        if remote {
                            a.remote += mins;
                            a.months[i].remote += mins;
                        } else {
                            a.center += mins;
                            a.months[i].center += mins;
                        }
                    });
                }
            }
        }
        for r in store::approved(db, &self.months[0], &self.months[11]).await? {
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
        Ok(())
    }

    /// Amounts paid for the year's months, and the workers they brought to 10,000 yen.
    async fn paid(&self, db: &Db, accs: &mut Accs) -> ApiResult<()> {
        let paid = store::paid_amounts(db, &self.months[0], &self.months[11]).await?;
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
                if earner {
                    a.earners.insert(r.person_id);
                }
            });
        }
        Ok(())
    }

    /// The year's orders and operating costs.
    async fn money(&self, db: &Db, accs: &mut Accs) -> ApiResult<()> {
        for o in store::orders(db, &self.first.to_string(), &self.last.to_string()).await? {
            let Ok(day) = NaiveDate::parse_from_str(&o.ordered_on, "%Y-%m-%d") else {
                return Err(anyhow::anyhow!("kpi_orders row {} has a bad date", o.id).into());
            };
            let i = rules::day_month_index(day);
            accs.each(o.municipality_id, |a| {
                a.orders += o.amount;
                a.months[i].orders += o.amount;
            });
        }
        for c in store::costs(db, self.year).await? {
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

    fn trend(&self, a: &Acc) -> Vec<MonthFigures> {
        self.months
            .iter()
            .zip(a.months.iter())
            .map(|(label, m)| MonthFigures {
                month: label.clone(),
                active: m.active.len() as i64,
                center_minutes: m.center,
                remote_minutes: m.remote,
                paid_yen: m.paid,
                orders_yen: m.orders,
            })
            .collect()
    }
}

type Targets = HashMap<(i64, String), (Option<i64>, Option<i64>)>;

/// The KPI rows of an accumulator, with their baselines and targets.
fn table(
    m: Option<MunicipalityId>,
    a: &Acc,
    sites: (i64, i64),
    targets: &Targets,
    lang: Lang,
) -> Vec<Kpi> {
    let actual = |key: &str| match key {
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
    };
    KPIS.iter()
        .map(|key| {
            let (baseline, target) = targets
                .get(&(m.map_or(0, |m| m.0), key.to_string()))
                .copied()
                .unwrap_or((None, None));
            let (ja, en) = kpi_name(key);
            let actual = actual(key);
            Kpi {
                key: key.to_string(),
                name: lang.pick(ja, en).to_string(),
                actual,
                baseline,
                target,
                achievement: rules::achievement(actual, target),
            }
        })
        .collect()
}

/// The KPI table of a fiscal year, as the reader's scope allows.
pub async fn of_year(db: &Db, year: i32, scope: &Scope, lang: Lang) -> ApiResult<Report> {
    let y = Year::new(db, year).await?;
    let mut accs = Accs(BTreeMap::new());
    y.registered(db, &mut accs).await?;
    y.hours(db, &mut accs).await?;
    y.paid(db, &mut accs).await?;
    y.money(db, &mut accs).await?;
    // Municipalities with a site by the year's end, and those whose first site is this year's.
    let first_site = y.first_sites();
    let with_site = |m: MunicipalityId| first_site.get(&m).is_some_and(|d| *d <= y.last);
    let new_site = |m: MunicipalityId| {
        first_site
            .get(&m)
            .is_some_and(|d| y.first <= *d && *d <= y.last)
    };
    let targets: Targets = store::targets(db, year)
        .await?
        .into_iter()
        .map(|t| ((t.municipality_id, t.kpi), (t.baseline, t.target)))
        .collect();
    let towns = store::municipalities(db).await?;
    let empty = Acc::default();
    let mut scopes = Vec::new();
    for t in towns.iter().filter(|t| scope.sees(t.id)) {
        let a = accs.0.get(&Some(t.id)).unwrap_or(&empty);
        let flags = (i64::from(with_site(t.id)), i64::from(new_site(t.id)));
        scopes.push(ScopeReport {
            municipality_id: Some(t.id),
            code: Some(t.code.clone()),
            name: lang.pick(&t.name_ja, &t.name_en).to_string(),
            has_site: flags.0 == 1,
            new_site: flags.1 == 1,
            kpis: table(Some(t.id), a, flags, &targets, lang),
            months: y.trend(a),
        });
    }
    if scope.all {
        let a = accs.0.get(&None).unwrap_or(&empty);
        let counts = (
            towns.iter().filter(|t| with_site(t.id)).count() as i64,
            towns.iter().filter(|t| new_site(t.id)).count() as i64,
        );
        scopes.push(ScopeReport {
            municipality_id: None,
            code: None,
            name: lang.pick("合計", "Total").to_string(),
            has_site: counts.0 > 0,
            new_site: counts.1 > 0,
            kpis: table(None, a, counts, &targets, lang),
            months: y.trend(a),
        });
    }
    Ok(Report {
        fiscal_year: year,
        from: y.first,
        to: y.last,
        scopes,
    })
}
