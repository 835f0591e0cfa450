//! The records the KPI owns: client orders (the project's site's directors and the
//! administrators enter them), operating costs and the baselines and targets (the
//! administrators: they are the corporation's and the committee's figures), and the
//! municipality viewers (granted by administrators).

use super::errors::KpiError;
use super::report::KPIS;
use super::rules;
use super::store::{self, NewOrder, TargetRow};
use crate::db::{Db, Tx};
use crate::error::{ApiResult, parse_date};
use crate::ids::{MunicipalityId, OrderId, PersonId, ProjectId};

/// An order as entered.
pub struct OrderInput<'a> {
    pub project: ProjectId,
    pub ordered_on: &'a str,
    pub amount: i64,
    pub municipality: Option<MunicipalityId>,
    pub note: &'a str,
}

/// Checks a fiscal year.
pub fn year(y: i64) -> ApiResult<i32> {
    i32::try_from(y)
        .ok()
        .filter(|y| rules::YEARS.contains(y))
        .ok_or_else(|| super::errors::refuse("year", KpiError::BadYear))
}

/// The largest amount accepted (a trillion yen): sums of a year's records stay far inside i64.
pub const MAX_YEN: i64 = 1_000_000_000_000;

fn amount(field: &str, yen: i64) -> ApiResult<i64> {
    if yen < 0 {
        return Err(super::errors::refuse(field, KpiError::NegativeAmount));
    }
    if yen > MAX_YEN {
        return Err(
            crate::error::invalid_code(field, crate::error::CommonError::OutOfRange)
                .with("min", 0)
                .with("max", MAX_YEN),
        );
    }
    Ok(yen)
}

async fn known_municipality(db: &Db, field: &str, m: MunicipalityId) -> ApiResult<()> {
    let towns = store::municipalities(db).await?;
    if towns.iter().any(|t| t.id == m) {
        Ok(())
    } else {
        Err(super::errors::refuse(field, KpiError::UnknownMunicipality))
    }
}

/// Validates an order (the caller has checked who may enter it).
pub async fn check_order(db: &Db, o: &OrderInput<'_>) -> ApiResult<()> {
    parse_date("ordered_on", o.ordered_on)?;
    amount("amount", o.amount)?;
    let mut v = crate::error::Validator::new();
    v.text("note", o.note, 0, 500);
    v.finish()?;
    if let Some(m) = o.municipality {
        known_municipality(db, "municipality_id", m).await?;
    }
    Ok(())
}

/// Records an order.
pub async fn add_order(
    tx: &mut Tx,
    o: &OrderInput<'_>,
    by: PersonId,
    now: i64,
) -> ApiResult<OrderId> {
    let day = parse_date("ordered_on", o.ordered_on)?.to_string();
    Ok(store::insert_order(
        tx,
        &NewOrder {
            project: o.project,
            ordered_on: &day,
            amount: o.amount,
            given_to: o.municipality,
            note: o.note.trim(),
        },
        by,
        now,
    )
    .await?)
}

/// Changes an order's date, amount, municipality and note (checked as a new one).
pub async fn edit_order(tx: &mut Tx, id: OrderId, o: &OrderInput<'_>) -> ApiResult<bool> {
    let day = parse_date("ordered_on", o.ordered_on)?.to_string();
    Ok(store::update_order(
        tx,
        id,
        &NewOrder {
            project: o.project,
            ordered_on: &day,
            amount: o.amount,
            given_to: o.municipality,
            note: o.note.trim(),
        },
    )
    .await?)
}

/// Whether the person may count an order in `municipality` (None: the project's site's
/// city): administrators anywhere, a director only where they direct a site.
pub async fn may_attribute(
    db: &Db,
    who: &crate::auth::Principal,
    municipality: Option<MunicipalityId>,
) -> ApiResult<()> {
    let Some(m) = municipality else {
        return Ok(());
    };
    if who.is_admin {
        return Ok(());
    }
    let directed = who.sites_with(&[crate::auth::Role::Director]);
    let mine = store::sites(db)
        .await?
        .iter()
        .any(|s| s.municipality_id == m && directed.contains(&s.id));
    if mine {
        Ok(())
    } else {
        Err(super::errors::refuse(
            "municipality_id",
            KpiError::ForeignMunicipality,
        ))
    }
}

/// Sets a year's operating costs of a municipality (None: the corporation's own).
pub async fn set_cost(
    tx: &mut Tx,
    db: &Db,
    (y, municipality): (i64, Option<MunicipalityId>),
    yen: i64,
    by: PersonId,
    now: i64,
) -> ApiResult<()> {
    let y = year(y)?;
    let yen = amount("amount", yen)?;
    if let Some(m) = municipality {
        known_municipality(db, "municipality_id", m).await?;
    }
    store::set_cost(tx, (y, municipality.map_or(0, |m| m.0)), yen, by, now).await?;
    Ok(())
}

/// A baseline and target as entered.
pub struct TargetInput<'a> {
    pub year: i64,
    pub municipality: Option<MunicipalityId>,
    pub kpi: &'a str,
    pub baseline: Option<i64>,
    pub target: Option<i64>,
    pub year_target: Option<i64>,
    pub cumulative_target: Option<i64>,
}

/// The largest baseline or target, in absolute value.
const LIMIT: i64 = 1_000_000_000_000;

/// Sets a KPI's baseline and target (any year from 2000 to 2099, a far future one too).
pub async fn set_target(
    tx: &mut Tx,
    db: &Db,
    t: &TargetInput<'_>,
    by: PersonId,
    now: i64,
) -> ApiResult<()> {
    let y = year(t.year)?;
    if !KPIS.contains(&t.kpi) {
        return Err(super::errors::refuse("kpi", KpiError::BadKpi));
    }
    // Counts, hours and yen are never negative, but the net amount (orders less costs) may
    // be, and an increase aimed at may be a decrease (lower costs); a trillion bounds every
    // figure far above any programme's and keeps sums in range.
    let low = if t.kpi == "net_yen" { -LIMIT } else { 0 };
    for (field, value, low) in [
        ("baseline", t.baseline, low),
        ("target", t.target, low),
        ("year_target", t.year_target, -LIMIT),
        ("cumulative_target", t.cumulative_target, -LIMIT),
    ] {
        if value.is_some_and(|v| !(low..=LIMIT).contains(&v)) {
            return Err(super::errors::refuse(field, KpiError::BadTarget));
        }
    }
    if let Some(m) = t.municipality {
        known_municipality(db, "municipality_id", m).await?;
    }
    let row = TargetRow {
        municipality_id: t.municipality.map_or(0, |m| m.0),
        kpi: t.kpi.to_string(),
        baseline: t.baseline,
        target: t.target,
    };
    store::set_target(tx, y, &row, by, now).await?;
    store::set_increases(
        tx,
        (y, row.municipality_id, &row.kpi),
        (t.year_target, t.cumulative_target),
    )
    .await?;
    Ok(())
}
