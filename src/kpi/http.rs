//! The KPI API: a fiscal year's KPI table (JSON, CSV, XLSX) and funnel for administrators,
//! directors (their sites' municipalities) and municipality viewers (their city, no names);
//! client orders (directors of the project's site, administrators); operating costs,
//! baselines and targets, and the viewers (administrators).

use super::errors::KpiError;
use super::funnel::{self, Funnel};
use super::ledger::{self, OrderInput, TargetInput};
use super::report::{self, Report};
use super::{export, scope, store};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult, Json, Lang, Path, Query};
use crate::ids::{MunicipalityId, OrderId, PersonId, ProjectId, SiteId};
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of the KPI area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(kpi_year))
        .routes(routes!(kpi_csv))
        .routes(routes!(kpi_xlsx))
        .routes(routes!(kpi_funnel))
        .routes(routes!(list_orders))
        .routes(routes!(add_order))
        .routes(routes!(edit_order, delete_order))
        .routes(routes!(list_costs))
        .routes(routes!(put_cost))
        .routes(routes!(list_targets))
        .routes(routes!(put_target))
        .routes(routes!(list_viewers))
        .routes(routes!(grant_viewer, withdraw_viewer))
}

async fn year_report(
    st: &AppState,
    who: &Principal,
    year: i64,
    increases: bool,
) -> ApiResult<Report> {
    let year = ledger::year(year)?;
    let scope = scope::of(&st.db, who).await?;
    report::of_year(&st.db, year, &scope, Lang::current(), increases).await
}

/// Whether the table counts the year before too.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct YearQuery {
    /// With each KPI's single-year increase (this year's actual minus the year before's,
    /// which is counted too: about twice the work) besides the cumulative one.
    #[serde(default)]
    increases: bool,
}

/// A fiscal year's KPI table: per municipality the reader may see (administrators: every
/// one, then the total), each KPI with its baseline, target and achievement, and the months.
#[utoipa::path(get, path = "/api/v1/kpi/years/{year}", tag = "kpi",
    params(("year" = i64, Path, description = "the fiscal year, named by its April's year"), YearQuery),
    responses((status = 200, body = Report), (status = 403),
              (status = 422, description = "kpi.bad_year")))]
async fn kpi_year(
    State(st): State<AppState>,
    who: Principal,
    Path(year): Path<i64>,
    Query(q): Query<YearQuery>,
) -> ApiResult<Json<Report>> {
    Ok(Json(year_report(&st, &who, year, q.increases).await?))
}

/// The KPI table as CSV (UTF-8 with a BOM, CRLF).
#[utoipa::path(get, path = "/api/v1/kpi/years/{year}/export.csv", tag = "kpi",
    params(("year" = i64, Path)),
    responses((status = 200, body = String, content_type = "text/csv"), (status = 403),
              (status = 422, description = "kpi.bad_year")))]
async fn kpi_csv(
    State(st): State<AppState>,
    who: Principal,
    Path(year): Path<i64>,
) -> ApiResult<Response> {
    let r = year_report(&st, &who, year, true).await?;
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"kpi-{}.csv\"", r.fiscal_year),
            ),
        ],
        export::csv(&r),
    )
        .into_response())
}

/// The KPI table as an XLSX workbook in the committee's layout.
#[utoipa::path(get, path = "/api/v1/kpi/years/{year}/export.xlsx", tag = "kpi",
    params(("year" = i64, Path)),
    responses((status = 200, body = String,
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 403), (status = 422, description = "kpi.bad_year")))]
async fn kpi_xlsx(
    State(st): State<AppState>,
    who: Principal,
    Path(year): Path<i64>,
) -> ApiResult<Response> {
    let r = year_report(&st, &who, year, true).await?;
    let bytes = export::xlsx(&r, Lang::current()).map_err(|e| anyhow::anyhow!("xlsx: {e}"))?;
    Ok((
        [
            (
                CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"kpi-{}.xlsx\"", r.fiscal_year),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The onboarding funnel of a fiscal year's registered workers, per municipality: how many
/// reached each step, the median days from the step before, and who is stuck (by name for
/// directors and administrators only).
#[utoipa::path(get, path = "/api/v1/kpi/years/{year}/funnel", tag = "kpi",
    params(("year" = i64, Path)),
    responses((status = 200, body = Funnel), (status = 403),
              (status = 422, description = "kpi.bad_year")))]
async fn kpi_funnel(
    State(st): State<AppState>,
    who: Principal,
    Path(year): Path<i64>,
) -> ApiResult<Json<Funnel>> {
    let year = ledger::year(year)?;
    let scope = scope::of(&st.db, &who).await?;
    Ok(Json(
        funnel::of_year(&st.db, year, &scope, Lang::current(), st.clock.now()).await?,
    ))
}

/// A client order.
#[derive(Serialize, ToSchema)]
pub struct OrderView {
    #[schema(value_type = i64)]
    id: OrderId,
    #[schema(value_type = i64)]
    project_id: ProjectId,
    project: String,
    client: String,
    #[schema(value_type = i64)]
    site_id: SiteId,
    #[schema(value_type = String, format = Date)]
    ordered_on: String,
    amount: i64,
    /// The municipality the work was given to, when entered.
    #[schema(value_type = Option<i64>)]
    given_to: Option<MunicipalityId>,
    /// The municipality it counts in.
    #[schema(value_type = i64)]
    municipality_id: MunicipalityId,
    note: String,
}

impl From<store::OrderRow> for OrderView {
    fn from(o: store::OrderRow) -> OrderView {
        OrderView {
            id: o.id,
            project_id: o.project_id,
            project: o.project,
            client: o.client,
            site_id: o.site_id,
            ordered_on: o.ordered_on,
            amount: o.amount,
            given_to: o.given_to,
            municipality_id: o.municipality_id,
            note: o.note,
        }
    }
}

/// The orders of a fiscal year in the municipalities the reader sees.
#[utoipa::path(get, path = "/api/v1/kpi/years/{year}/orders", tag = "kpi",
    params(("year" = i64, Path)),
    responses((status = 200, body = Vec<OrderView>), (status = 403),
              (status = 422, description = "kpi.bad_year")))]
async fn list_orders(
    State(st): State<AppState>,
    who: Principal,
    Path(year): Path<i64>,
) -> ApiResult<Json<Vec<OrderView>>> {
    let year = ledger::year(year)?;
    let scope = scope::of(&st.db, &who).await?;
    let (first, last) = super::rules::bounds(year)
        .ok_or_else(|| super::errors::refuse("year", KpiError::BadYear))?;
    let rows = store::orders(&st.db, &first.to_string(), &last.to_string()).await?;
    Ok(Json(
        rows.into_iter()
            .filter(|o| scope.sees(o.municipality_id))
            .map(OrderView::from)
            .collect(),
    ))
}

/// An order to enter.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderInputBody {
    #[schema(value_type = i64)]
    project_id: ProjectId,
    /// YYYY-MM-DD.
    ordered_on: String,
    /// Whole yen, 0 or more.
    amount: i64,
    /// The municipality the work was given to (the project's site's when absent).
    #[schema(value_type = Option<i64>)]
    municipality_id: Option<MunicipalityId>,
    #[serde(default)]
    note: String,
}

/// Enters a client order (directors of the project's site, administrators); a negative
/// amount is a 422.
#[utoipa::path(post, path = "/api/v1/kpi/orders", tag = "kpi", request_body = OrderInputBody,
    responses((status = 201, body = OrderView), (status = 403),
              (status = 422, description = "kpi.negative_amount, kpi.unknown_project, kpi.unknown_municipality, validation.bad_date")))]
async fn add_order(
    State(st): State<AppState>,
    who: Principal,
    Json(input): Json<OrderInputBody>,
) -> ApiResult<(StatusCode, Json<OrderView>)> {
    let site = store::project_site(&st.db, input.project_id).await?;
    match site {
        Some(s) if who.has(s, &[Role::Director]) => {}
        // An unknown project is named only to those who could enter one at all.
        None if who.is_admin || !who.sites_with(&[Role::Director]).is_empty() => {
            return Err(super::errors::refuse(
                "project_id",
                KpiError::UnknownProject,
            ));
        }
        _ => return Err(ApiError::forbidden()),
    }
    let o = OrderInput {
        project: input.project_id,
        ordered_on: &input.ordered_on,
        amount: input.amount,
        municipality: input.municipality_id,
        note: &input.note,
    };
    ledger::check_order(&st.db, &o).await?;
    ledger::may_attribute(&st.db, &who, o.municipality).await?;
    let mut tx = st.db.begin().await?;
    let id = ledger::add_order(&mut tx, &o, who.id, st.clock.epoch()).await?;
    tx.commit().await?;
    let row = store::order(&st.db, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("order {id} just stored is gone"))?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Absent: unchanged; present (null too): the new value.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// An order's changes: the fields given are replaced, the others kept.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderPatchBody {
    /// YYYY-MM-DD.
    #[serde(default)]
    ordered_on: Option<String>,
    /// Whole yen, 0 or more.
    #[serde(default)]
    amount: Option<i64>,
    /// The municipality the work was given to; null: the project's site's.
    #[schema(value_type = Option<i64>)]
    #[serde(default, deserialize_with = "present")]
    municipality_id: Option<Option<MunicipalityId>>,
    #[serde(default)]
    note: Option<String>,
}

/// Changes an order's date, amount, municipality or note, checked as a new order is
/// (directors of its project's site, who count it only in a city where they direct a site;
/// administrators).
#[utoipa::path(patch, path = "/api/v1/kpi/orders/{id}", tag = "kpi", request_body = OrderPatchBody,
    params(("id" = i64, Path)),
    responses((status = 200, body = OrderView),
              (status = 403, description = "kpi.foreign_municipality, or not a director of the project's site"),
              (status = 404),
              (status = 422, description = "kpi.negative_amount, kpi.unknown_municipality, validation.bad_date")))]
async fn edit_order(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<OrderId>,
    Json(input): Json<OrderPatchBody>,
) -> ApiResult<Json<OrderView>> {
    let Some(old) = store::order(&st.db, id).await? else {
        return Err(ApiError::not_found("受注", "Order"));
    };
    who.require_director(old.site_id)?;
    let o = OrderInput {
        project: old.project_id,
        ordered_on: input.ordered_on.as_deref().unwrap_or(&old.ordered_on),
        amount: input.amount.unwrap_or(old.amount),
        municipality: input.municipality_id.unwrap_or(old.given_to),
        note: input.note.as_deref().unwrap_or(&old.note),
    };
    ledger::check_order(&st.db, &o).await?;
    // Both the city it counts in and the city it counted in: a director changes no other
    // city's order volume, not even by its amount or date.
    ledger::may_attribute(&st.db, &who, old.given_to).await?;
    ledger::may_attribute(&st.db, &who, o.municipality).await?;
    let mut tx = st.db.begin().await?;
    if !ledger::edit_order(&mut tx, id, &o).await? {
        return Err(ApiError::not_found("受注", "Order"));
    }
    tx.commit().await?;
    let row = store::order(&st.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("受注", "Order"))?;
    Ok(Json(row.into()))
}

/// Removes an order entered by mistake (directors of its project's site, administrators).
#[utoipa::path(delete, path = "/api/v1/kpi/orders/{id}", tag = "kpi",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, description = "kpi.foreign_municipality, or not a director of the project's site"), (status = 404)))]
async fn delete_order(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<OrderId>,
) -> ApiResult<StatusCode> {
    let Some(o) = store::order(&st.db, id).await? else {
        return Err(ApiError::not_found("受注", "Order"));
    };
    who.require_director(o.site_id)?;
    ledger::may_attribute(&st.db, &who, o.given_to).await?;
    let mut tx = st.db.begin().await?;
    store::delete_order(&mut tx, id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A year's operating costs.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CostBody {
    year: i64,
    /// The municipality; absent or null for the corporation's own costs.
    #[schema(value_type = Option<i64>)]
    #[serde(default)]
    municipality_id: Option<MunicipalityId>,
    /// Whole yen, 0 or more.
    amount: i64,
}

/// The operating costs entered for a fiscal year (administrators).
#[utoipa::path(get, path = "/api/v1/kpi/years/{year}/costs", tag = "kpi",
    params(("year" = i64, Path)),
    responses((status = 200, body = Vec<CostBody>), (status = 403),
              (status = 422, description = "kpi.bad_year")))]
async fn list_costs(
    State(st): State<AppState>,
    who: Principal,
    Path(year): Path<i64>,
) -> ApiResult<Json<Vec<CostBody>>> {
    who.require_admin()?;
    let y = ledger::year(year)?;
    Ok(Json(
        store::costs(&st.db, y)
            .await?
            .into_iter()
            .map(|c| CostBody {
                year,
                municipality_id: (c.municipality_id != 0)
                    .then_some(MunicipalityId(c.municipality_id)),
                amount: c.amount,
            })
            .collect(),
    ))
}

/// Sets a year's operating costs of a municipality or of the corporation (administrators).
#[utoipa::path(put, path = "/api/v1/kpi/costs", tag = "kpi", request_body = CostBody,
    responses((status = 204), (status = 403),
              (status = 422, description = "kpi.bad_year, kpi.negative_amount, kpi.unknown_municipality")))]
async fn put_cost(
    State(st): State<AppState>,
    who: Principal,
    Json(input): Json<CostBody>,
) -> ApiResult<StatusCode> {
    who.require_admin()?;
    let mut tx = st.db.begin().await?;
    ledger::set_cost(
        &mut tx,
        &st.db,
        (input.year, input.municipality_id),
        input.amount,
        who.id,
        st.clock.epoch(),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A KPI's baseline and target.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetBody {
    /// Any fiscal year from 2000 to 2099 (a far future one too).
    year: i64,
    /// The municipality; absent or null for the whole programme.
    #[schema(value_type = Option<i64>)]
    #[serde(default)]
    municipality_id: Option<MunicipalityId>,
    /// One of the KPI table's keys.
    kpi: String,
    /// Before the programme.
    #[serde(default)]
    baseline: Option<i64>,
    /// The year's figure aimed at.
    #[serde(default)]
    target: Option<i64>,
    /// The increase aimed at in this year alone.
    #[serde(default)]
    year_target: Option<i64>,
    /// The increase over the baseline aimed at by this year's end.
    #[serde(default)]
    cumulative_target: Option<i64>,
}

/// The baselines and targets of a fiscal year (administrators).
#[utoipa::path(get, path = "/api/v1/kpi/years/{year}/targets", tag = "kpi",
    params(("year" = i64, Path)),
    responses((status = 200, body = Vec<TargetBody>), (status = 403),
              (status = 422, description = "kpi.bad_year")))]
async fn list_targets(
    State(st): State<AppState>,
    who: Principal,
    Path(year): Path<i64>,
) -> ApiResult<Json<Vec<TargetBody>>> {
    who.require_admin()?;
    let y = ledger::year(year)?;
    Ok(Json(
        store::targets(&st.db, y)
            .await?
            .into_iter()
            .map(|t| TargetBody {
                year,
                municipality_id: (t.municipality_id != 0)
                    .then_some(MunicipalityId(t.municipality_id)),
                kpi: t.kpi,
                baseline: t.baseline,
                target: t.target,
                year_target: t.year_target,
                cumulative_target: t.cumulative_target,
            })
            .collect(),
    ))
}

/// Sets a KPI's baseline and target for a municipality or the programme (administrators).
#[utoipa::path(put, path = "/api/v1/kpi/targets", tag = "kpi", request_body = TargetBody,
    responses((status = 204), (status = 403),
              (status = 422, description = "kpi.bad_year, kpi.bad_kpi, kpi.bad_target, kpi.unknown_municipality")))]
async fn put_target(
    State(st): State<AppState>,
    who: Principal,
    Json(input): Json<TargetBody>,
) -> ApiResult<StatusCode> {
    who.require_admin()?;
    let mut tx = st.db.begin().await?;
    ledger::set_target(
        &mut tx,
        &st.db,
        &TargetInput {
            year: input.year,
            municipality: input.municipality_id,
            kpi: &input.kpi,
            baseline: input.baseline,
            target: input.target,
            year_target: input.year_target,
            cumulative_target: input.cumulative_target,
        },
        who.id,
        st.clock.epoch(),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A municipality viewer.
#[derive(Serialize, ToSchema)]
pub struct ViewerView {
    #[schema(value_type = i64)]
    person_id: PersonId,
    #[schema(value_type = i64)]
    municipality_id: MunicipalityId,
    name: String,
    email: String,
}

/// The municipality viewers (administrators).
#[utoipa::path(get, path = "/api/v1/kpi/viewers", tag = "kpi",
    responses((status = 200, body = Vec<ViewerView>), (status = 403)))]
async fn list_viewers(
    State(st): State<AppState>,
    who: Principal,
) -> ApiResult<Json<Vec<ViewerView>>> {
    who.require_admin()?;
    Ok(Json(
        store::viewers(&st.db)
            .await?
            .into_iter()
            .map(|v| ViewerView {
                person_id: v.person_id,
                municipality_id: v.municipality_id,
                name: v.name,
                email: v.email,
            })
            .collect(),
    ))
}

async fn set_viewer(
    st: &AppState,
    who: &Principal,
    (municipality, person): (MunicipalityId, PersonId),
    on: bool,
) -> ApiResult<StatusCode> {
    who.require_admin()?;
    if store::person_and_municipality(&st.db, person, municipality).await? != (true, true) {
        return Err(ApiError::not_found(
            "人または自治体",
            "Person or municipality",
        ));
    }
    let mut tx = st.db.begin().await?;
    store::set_viewer(
        &mut tx,
        (person, municipality),
        on,
        who.id,
        st.clock.epoch(),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Makes a person a viewer of a municipality's figures (administrators): read-only, their
/// city only, no names.
#[utoipa::path(put, path = "/api/v1/kpi/viewers/{municipality_id}/{person_id}", tag = "kpi",
    params(("municipality_id" = i64, Path), ("person_id" = i64, Path)),
    responses((status = 204), (status = 403), (status = 404)))]
async fn grant_viewer(
    State(st): State<AppState>,
    who: Principal,
    Path(at): Path<(MunicipalityId, PersonId)>,
) -> ApiResult<StatusCode> {
    set_viewer(&st, &who, at, true).await
}

/// Withdraws a municipality viewer (administrators).
#[utoipa::path(delete, path = "/api/v1/kpi/viewers/{municipality_id}/{person_id}", tag = "kpi",
    params(("municipality_id" = i64, Path), ("person_id" = i64, Path)),
    responses((status = 204), (status = 403), (status = 404)))]
async fn withdraw_viewer(
    State(st): State<AppState>,
    who: Principal,
    Path(at): Path<(MunicipalityId, PersonId)>,
) -> ApiResult<StatusCode> {
    set_viewer(&st, &who, at, false).await
}
