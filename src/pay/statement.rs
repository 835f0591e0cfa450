//! An approved month as paid: per project its minutes by rate, amount, withholding and
//! total; the month's due date under the site's rule; built by one pure function from the
//! worker's month (attendance) and the site's rates, rule and withholding switches.

use super::errors::PayError;
use super::rules::{self, Part, PayRule, Rate};
use super::store;
use crate::attendance::month::MonthView;
use crate::attendance::rules::Month;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::ids::{PersonId, ProjectId, SiteId};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;

/// Minutes paid at one hourly rate.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RateMinutes {
    pub yen_per_hour: i64,
    pub minutes: i64,
}

/// A project's line of a statement.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProjectPay {
    #[schema(value_type = i64)]
    pub project_id: ProjectId,
    pub name: String,
    pub minutes: i64,
    /// The rates that applied, in the order they first did.
    pub rates: Vec<RateMinutes>,
    /// ⌊Σ minutes × rate / 60⌋ yen.
    pub amount: i64,
    pub withholding_on: bool,
    pub withholding: i64,
    /// amount − withholding.
    pub total: i64,
}

/// A worker's statement (支払明細) of an approved month at a site.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Statement {
    #[schema(value_type = i64)]
    pub site_id: SiteId,
    #[schema(value_type = i64)]
    pub person_id: PersonId,
    /// "2026-11".
    pub month: String,
    pub projects: Vec<ProjectPay>,
    pub minutes: i64,
    pub amount: i64,
    pub withholding: i64,
    pub total: i64,
    /// The due date under the site's payment rule.
    #[schema(value_type = String, format = Date)]
    pub due_on: NaiveDate,
    /// When it was marked paid (YYYY-MM-DD).
    pub paid_on: Option<String>,
    /// The worker's qualified-invoice registration number (T + 13 digits), when they have one.
    pub invoice_number: Option<String>,
}

/// What a site's statements are computed with.
pub struct Context {
    pub rule: PayRule,
    pub rates: BTreeMap<(PersonId, ProjectId), Vec<Rate>>,
    pub withheld: BTreeSet<ProjectId>,
}

/// The site's payment rule, or the default one.
pub async fn rule_of(db: &Db, site: SiteId) -> ApiResult<(PayRule, bool)> {
    Ok(match store::rule(db, site).await? {
        Some(r) => (
            PayRule {
                day: u32::try_from(r.pay_day)
                    .map_err(|_| anyhow::anyhow!("pay_rules {site}: bad day"))?,
                months_after: u32::try_from(r.months_after)
                    .map_err(|_| anyhow::anyhow!("pay_rules {site}: bad months"))?,
            },
            false,
        ),
        None => (PayRule::DEFAULT, true),
    })
}

/// Loads the rates of every assignment at the site, its rule and the withholding switches.
pub async fn context(db: &Db, site: SiteId) -> ApiResult<Context> {
    let mut rates: BTreeMap<(PersonId, ProjectId), Vec<Rate>> = BTreeMap::new();
    for (person, project, starts_on, yen_per_hour) in
        crate::attendance::store::site_rates(db, site).await?
    {
        let starts_on = starts_on.parse().map_err(|_| {
            anyhow::anyhow!("assignment_rates of {person} on {project}: bad day {starts_on}")
        })?;
        rates.entry((person, project)).or_default().push(Rate {
            starts_on,
            yen_per_hour,
        });
    }
    Ok(Context {
        rule: rule_of(db, site).await?.0,
        rates,
        withheld: store::withheld(db).await?.into_iter().collect(),
    })
}

/// The statement of a worker's month, from its view.
pub fn build(
    view: &MonthView,
    ctx: &Context,
    paid_on: Option<String>,
    invoice_number: Option<String>,
) -> ApiResult<Statement> {
    let month = Month::parse(&view.month)
        .ok_or_else(|| anyhow::anyhow!("month view with a bad month {}", view.month))?;
    let mut days: BTreeMap<ProjectId, Vec<(NaiveDate, i64)>> = BTreeMap::new();
    for e in &view.entries {
        if let Some(p) = e.project_id {
            days.entry(p).or_default().push((e.date, e.minutes));
        }
    }
    let mut projects = Vec::new();
    for p in &view.projects {
        let rates = ctx
            .rates
            .get(&(view.person_id, p.project_id))
            .map_or(&[][..], Vec::as_slice);
        let a = rules::amount(
            days.get(&p.project_id).map_or(&[][..], Vec::as_slice),
            rates,
        )
        .map_err(|day| ApiError::from(PayError::NoRate).with("day", day))?;
        projects.push(ProjectPay {
            project_id: p.project_id,
            name: p.name.clone(),
            minutes: a.minutes,
            rates: a
                .parts
                .iter()
                .map(
                    |&Part {
                         yen_per_hour,
                         minutes,
                     }| RateMinutes {
                        yen_per_hour,
                        minutes,
                    },
                )
                .collect(),
            amount: a.yen,
            withholding_on: ctx.withheld.contains(&p.project_id),
            withholding: 0,
            total: a.yen,
        });
    }
    // The band is the person's, per payment: over the liable total of the month, then
    // shared out to the liable projects.
    let liable: Vec<i64> = projects
        .iter()
        .map(|p| if p.withholding_on { p.amount } else { 0 })
        .collect();
    let shares = rules::allocate(rules::withholding(liable.iter().sum()), &liable);
    for (p, w) in projects.iter_mut().zip(shares) {
        p.withholding = w;
        p.total = p.amount - w;
    }
    let due_on = rules::due_date(ctx.rule, month)
        .ok_or_else(|| anyhow::anyhow!("no due date for {month:?}"))?;
    Ok(Statement {
        site_id: view.site_id,
        person_id: view.person_id,
        month: view.month.clone(),
        minutes: projects.iter().map(|p| p.minutes).sum(),
        amount: projects.iter().map(|p| p.amount).sum(),
        withholding: projects.iter().map(|p| p.withholding).sum(),
        total: projects.iter().map(|p| p.total).sum(),
        projects,
        due_on,
        paid_on,
        invoice_number,
    })
}

/// A paid month's statement as its run stored it.
pub fn stored(
    row: &store::ApprovedRow,
    month: &str,
    lines: &[store::LineRow],
    invoice_number: Option<String>,
) -> ApiResult<Statement> {
    let due_on = row
        .due_on
        .as_deref()
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("pay_payments {}: no due date", row.id))?;
    let projects: Vec<ProjectPay> = lines
        .iter()
        .filter(|l| l.timesheet_id == row.id)
        .map(|l| ProjectPay {
            project_id: l.project_id,
            name: l.project_name.clone(),
            minutes: l.minutes,
            rates: parse_rates(&l.rates),
            amount: l.amount,
            withholding_on: l.withholding_on != 0,
            withholding: l.withholding,
            total: l.amount - l.withholding,
        })
        .collect();
    let amount = row.amount.unwrap_or_default();
    let withholding = row.withholding.unwrap_or_default();
    Ok(Statement {
        site_id: row.site_id,
        person_id: row.person_id,
        month: month.to_string(),
        minutes: projects.iter().map(|p| p.minutes).sum(),
        amount,
        withholding,
        total: amount - withholding,
        projects,
        due_on,
        paid_on: row.paid_on.clone(),
        invoice_number,
    })
}

/// The stored form of a line's rates: "yen:minutes" pairs separated by spaces.
pub fn rates_text(rates: &[RateMinutes]) -> String {
    rates
        .iter()
        .map(|r| format!("{}:{}", r.yen_per_hour, r.minutes))
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse_rates(s: &str) -> Vec<RateMinutes> {
    s.split_whitespace()
        .filter_map(|p| {
            let (y, m) = p.split_once(':')?;
            Some(RateMinutes {
                yen_per_hour: y.parse().ok()?,
                minutes: m.parse().ok()?,
            })
        })
        .collect()
}
