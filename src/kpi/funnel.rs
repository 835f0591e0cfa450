//! The onboarding funnel of a fiscal year's registered workers, per municipality: registered
//! -> onboarding complete (every course of their site's programme completed) -> first
//! booking or hours -> first paid month -> 10,000 yen earned in all, with the median days
//! between steps and the people stuck at each step, as of the year's end (or today, within
//! the year). Names are shown to those who may see the city's workers only.

use super::report::{self, Place, local_day};
use super::rules::{self, EARNER_YEN, STEPS};
use super::scope::Scope;
use super::store;
use crate::db::Db;
use crate::error::{ApiResult, Lang};
use crate::ids::{MunicipalityId, PersonId, SiteId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

/// A worker stuck at a step.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Stuck {
    #[schema(value_type = i64)]
    pub person_id: PersonId,
    pub name: String,
    pub member_number: Option<String>,
    #[schema(value_type = i64)]
    pub site_id: SiteId,
    /// The day they reached the step.
    #[schema(value_type = String, format = Date)]
    pub since: NaiveDate,
    /// Days since then, as of the funnel's day.
    pub days: i64,
}

/// One step of the funnel.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Step {
    /// registered, onboarded, first_work, first_paid, earned.
    pub step: String,
    /// Workers who reached it (None: withheld from a municipality viewer, as below).
    pub reached: Option<i64>,
    /// Median days from the step before (None for the first, or when nobody reached it).
    pub median_days: Option<f64>,
    /// Workers who reached it and not the next one.
    pub stuck: Option<i64>,
    /// Whether a figure of the step is withheld ("<3": fewer than 3 people behind it).
    pub suppressed: bool,
    /// Those workers, by name (None for a reader who may not see names).
    pub people: Option<Vec<Stuck>>,
}

/// A municipality's (or the total's) funnel.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FunnelScope {
    #[schema(value_type = Option<i64>)]
    pub municipality_id: Option<MunicipalityId>,
    pub name: String,
    /// The day its steps are counted to, in its sites' zone (the latest of them).
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    pub steps: Vec<Step>,
}

/// The funnel of a fiscal year.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Funnel {
    pub fiscal_year: i32,
    /// The day the steps are counted to: the year's last, or today within the year (the
    /// latest of the sites' days; each site counts to its own day in its own zone).
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    pub scopes: Vec<FunnelScope>,
}

struct Person {
    id: PersonId,
    name: String,
    member_number: Option<String>,
    days: Vec<NaiveDate>,
    /// The day their site counts to.
    as_of: NaiveDate,
}

/// The funnel of a fiscal year as the reader's scope allows.
pub async fn of_year(
    db: &Db,
    year: i32,
    scope: &Scope,
    lang: Lang,
    now: DateTime<Utc>,
) -> ApiResult<Funnel> {
    let (_, last) = rules::bounds(year)
        .ok_or_else(|| super::errors::refuse("year", super::errors::KpiError::BadYear))?;
    let (_, window_end) = report::window(year)?;
    let until = window_end.min(now.timestamp() + 1);
    let places = report::places(store::sites(db).await?)?;
    let tz_of = |s: SiteId| places.get(&s).map(|p: &Place| p.tz);
    // Each site counts to its own day: today (or the year's last) in its own zone.
    let day_at = |tz| local_day(tz, until - 1).unwrap_or(last).min(last);
    let (town_as_of, as_of) = days_counted(&places, day_at);

    let firsts = first_work(db, until).await?;
    let completed: HashMap<(PersonId, i64), i64> = store::completions(db, until)
        .await?
        .into_iter()
        .map(|c| ((c.person_id, c.course_id), c.at))
        .collect();
    let programme = store::programme(db).await?;
    let paid = paid_days(db, as_of).await?;

    let mut by_town: BTreeMap<MunicipalityId, Vec<(SiteId, Person)>> = BTreeMap::new();
    let mut everyone: BTreeMap<PersonId, (Vec<NaiveDate>, NaiveDate)> = BTreeMap::new();
    for w in store::workers(db, until).await? {
        let (Some(tz), Some(place)) = (tz_of(w.site_id), places.get(&w.site_id)) else {
            continue;
        };
        let day = |at: i64| local_day(tz, at);
        let site_as_of = day_at(tz);
        let required: Vec<i64> = programme
            .iter()
            .filter(|p| p.site_id.is_none_or(|s| s == w.site_id))
            .map(|p| p.course_id)
            .collect();
        let onboarded = required
            .iter()
            .map(|c| completed.get(&(w.person_id, *c)).copied())
            .try_fold(w.created_at, |acc, at| at.map(|at| acc.max(at)));
        let money = paid.get(&w.person_id);
        let mut days = rules::reached([
            day(w.created_at),
            onboarded.and_then(day),
            firsts.get(&w.person_id).copied().and_then(day),
            money.map(|m| m.0),
            money.and_then(|m| m.2),
        ]);
        // The window reads a day past the year in every zone: steps after its end wait.
        days.retain(|d| *d <= site_as_of);
        if days.is_empty() {
            continue;
        }
        everyone
            .entry(w.person_id)
            .or_insert_with(|| (days.clone(), site_as_of));
        by_town.entry(place.municipality).or_default().push((
            w.site_id,
            Person {
                id: w.person_id,
                name: w.name,
                member_number: w.member_number,
                days,
                as_of: site_as_of,
            },
        ));
    }
    let towns = store::municipalities(db).await?;
    let mut scopes = Vec::new();
    for t in &towns {
        if !scope.sees(t.id) {
            continue;
        }
        let people: Vec<(SiteId, &Person)> = by_town
            .get(&t.id)
            .map(|v| v.iter().map(|(s, p)| (*s, p)).collect())
            .unwrap_or_default();
        scopes.push(FunnelScope {
            municipality_id: Some(t.id),
            name: lang.pick(&t.name_ja, &t.name_en).to_string(),
            as_of: town_as_of.get(&t.id).copied().unwrap_or(as_of),
            steps: steps(&people, |site| scope.names(site), scope.exact(t.id)),
        });
    }
    if scope.all {
        scopes.push(total(&everyone, lang, as_of));
    }
    Ok(Funnel {
        fiscal_year: year,
        as_of,
        scopes,
    })
}

/// The programme's funnel: each worker once, with their first registration's days.
fn total(
    everyone: &BTreeMap<PersonId, (Vec<NaiveDate>, NaiveDate)>,
    lang: Lang,
    as_of: NaiveDate,
) -> FunnelScope {
    let once: Vec<Person> = everyone
        .iter()
        .map(|(id, (days, day))| Person {
            id: *id,
            name: String::new(),
            member_number: None,
            days: days.clone(),
            as_of: *day,
        })
        .collect();
    let people: Vec<(SiteId, &Person)> = once.iter().map(|p| (SiteId(0), p)).collect();
    FunnelScope {
        municipality_id: None,
        name: lang.pick("合計", "Total").to_string(),
        as_of,
        steps: steps(&people, |_| false, true),
    }
}

/// Each municipality's day (the latest of its sites'), and the latest of all.
fn days_counted(
    places: &HashMap<SiteId, Place>,
    day_at: impl Fn(chrono_tz::Tz) -> NaiveDate,
) -> (BTreeMap<MunicipalityId, NaiveDate>, NaiveDate) {
    let mut towns: BTreeMap<MunicipalityId, NaiveDate> = BTreeMap::new();
    for p in places.values() {
        let d = towns.entry(p.municipality).or_insert(day_at(p.tz));
        *d = (*d).max(day_at(p.tz));
    }
    let all = towns
        .values()
        .copied()
        .max()
        .unwrap_or_else(|| day_at(chrono_tz::Asia::Tokyo));
    (towns, all)
}

/// The steps of a group of workers.
/// The funnel's steps; the people stuck at each are listed only from the sites `named`
/// allows (the counts hold everyone).
fn steps(people: &[(SiteId, &Person)], named: impl Fn(SiteId) -> bool, exact: bool) -> Vec<Step> {
    let mut out = counted_steps(people, named);
    if !exact {
        withhold(&mut out);
    }
    out
}

/// Withholds the figures of 1 or 2 people, and every step's count that a later withheld
/// one could be read back from (a step's count is its stuck ones plus the next step's).
fn withhold(steps: &mut [Step]) {
    let last = steps.len().saturating_sub(1);
    let mut later_hidden = steps
        .get(last)
        .is_some_and(|s| rules::too_few(s.reached.unwrap_or(0) as usize));
    for s in steps.iter_mut().rev() {
        // A step's median is of the days of those who reached it.
        if s.reached.is_some_and(|n| rules::too_few(n as usize)) && s.median_days.is_some() {
            s.median_days = None;
            s.suppressed = true;
        }
        if s.stuck.is_some_and(|n| rules::too_few(n as usize)) {
            s.stuck = None;
            later_hidden = true;
        }
        if later_hidden || s.reached.is_some_and(|n| rules::too_few(n as usize)) {
            s.reached = None;
        }
        s.suppressed = s.stuck.is_none() || s.reached.is_none() || s.suppressed;
    }
    // The first step's count is the KPI table's registered workers, shown to the same viewer:
    // with it, any withheld count of the chain could be read back. So the whole funnel goes.
    if later_hidden {
        for s in steps.iter_mut() {
            s.reached = None;
            s.stuck = None;
            s.suppressed = true;
        }
    }
}

fn counted_steps(people: &[(SiteId, &Person)], named: impl Fn(SiteId) -> bool) -> Vec<Step> {
    (0..STEPS.len())
        .map(|k| {
            let mut gaps: Vec<i64> = people
                .iter()
                .filter(|(_, p)| p.days.len() > k && k > 0)
                .map(|(_, p)| (p.days[k] - p.days[k - 1]).num_days())
                .collect();
            let stuck: Vec<Stuck> = people
                .iter()
                .filter(|(_, p)| p.days.len() == k + 1 && k + 1 < STEPS.len())
                .map(|(site, p)| Stuck {
                    person_id: p.id,
                    name: p.name.clone(),
                    member_number: p.member_number.clone(),
                    site_id: *site,
                    since: p.days[k],
                    days: (p.as_of - p.days[k]).num_days(),
                })
                .collect();
            let count = stuck.len() as i64;
            let shown: Vec<Stuck> = stuck.into_iter().filter(|p| named(p.site_id)).collect();
            let any_named = people.iter().any(|(site, _)| named(*site));
            Step {
                step: STEPS[k].to_string(),
                reached: Some(people.iter().filter(|(_, p)| p.days.len() > k).count() as i64),
                median_days: rules::median(&mut gaps),
                stuck: Some(count),
                suppressed: false,
                people: any_named.then_some(shown),
            }
        })
        .collect()
}

/// Each person's first booking made or hours, before `until`.
async fn first_work(db: &Db, until: i64) -> ApiResult<HashMap<PersonId, i64>> {
    let mut firsts: HashMap<PersonId, i64> = HashMap::new();
    for f in store::first_work(db, until).await? {
        let e = firsts.entry(f.person_id).or_insert(f.at);
        *e = (*e).min(f.at);
    }
    Ok(firsts)
}

/// Each person's first paid day, running total, and the day it reached 10,000 yen, to
/// `as_of`.
async fn paid_days(
    db: &Db,
    as_of: NaiveDate,
) -> ApiResult<HashMap<PersonId, (NaiveDate, i64, Option<NaiveDate>)>> {
    let mut paid: HashMap<PersonId, (NaiveDate, i64, Option<NaiveDate>)> = HashMap::new();
    for r in store::paid_amounts(db, "2000-01", "2100-12").await? {
        let Ok(day) = NaiveDate::parse_from_str(&r.paid_on, "%Y-%m-%d") else {
            continue;
        };
        if day > as_of {
            continue;
        }
        let e = paid.entry(r.person_id).or_insert((day, 0, None));
        e.1 += r.amount;
        if e.2.is_none() && e.1 >= EARNER_YEN {
            e.2 = Some(day);
        }
    }
    Ok(paid)
}
