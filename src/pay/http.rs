//! The pay API: a site's payment rule and a project's withholding (directors), my
//! statements and my invoice registration number (the worker), a site's payments of a month
//! with its warnings, and marking them paid (directors).

use super::payments::{self, Payments};
use super::statement::{self, Statement};
use crate::AppState;
use crate::attendance::errors::AttendanceError;
use crate::attendance::rules::Month;
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult, Json, Path, Query, invalid_code, parse_date};
use crate::ids::{PersonId, ProjectId, RunId, SiteId, TermsId};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of the pay area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_rule, put_rule))
        .routes(routes!(put_withholding))
        .routes(routes!(put_invoice_number))
        .routes(routes!(my_statements))
        .routes(routes!(my_fiscal_year))
        .routes(routes!(my_pay_sites))
        .routes(routes!(site_payments))
        .routes(routes!(mark_paid))
        .routes(routes!(export_csv))
        .routes(routes!(export_xlsx))
        .routes(routes!(export_range_csv))
        .routes(routes!(export_range_xlsx))
        .routes(routes!(export_zengin))
        .routes(routes!(put_payer))
        .routes(routes!(my_terms))
        .routes(routes!(acknowledge))
        .routes(routes!(get_bank_account, put_bank_account))
        .routes(routes!(bank_account_changes))
        .routes(routes!(grant_accountant, withdraw_accountant))
}

/// A director or an accountant of the site.
async fn may_pay(st: &AppState, who: &Principal, site: SiteId) -> ApiResult<()> {
    if who.has(site, &[Role::Director]) || super::store::is_accountant(&st.db, who.id, site).await?
    {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

fn parse_month(s: &str) -> ApiResult<Month> {
    Month::parse(s).ok_or_else(|| invalid_code("month", AttendanceError::BadMonth))
}

/// A site's payment rule: months close at their end, paid on `day` of the month
/// `months_after` the close.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    /// 1 to 31 (past the month's end: its last day).
    day: i64,
    /// 1 (the next month) or 2.
    months_after: i64,
}

/// The rule in force.
#[derive(Serialize, ToSchema)]
pub struct RuleView {
    day: u32,
    months_after: u32,
    /// True when the site has set none: the end of the next month.
    is_default: bool,
}

/// The site's payment rule (its directors).
#[utoipa::path(get, path = "/api/v1/sites/{id}/pay-rule", tag = "pay",
    params(("id" = i64, Path)),
    responses((status = 200, body = RuleView), (status = 403)))]
async fn get_rule(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
) -> ApiResult<Json<RuleView>> {
    who.require_director(site)?;
    let (r, is_default) = statement::rule_of(&st.db, site).await?;
    Ok(Json(RuleView {
        day: r.day,
        months_after: r.months_after,
        is_default,
    }))
}

/// Sets the site's payment rule (its directors); a rule that would pay any month later than
/// the freelance act's 60 days after its close is a 422 naming that month.
#[utoipa::path(put, path = "/api/v1/sites/{id}/pay-rule", tag = "pay",
    params(("id" = i64, Path)), request_body = RuleInput,
    responses((status = 200, body = RuleView), (status = 403), (status = 404),
              (status = 422, description = "pay.too_late, pay.bad_pay_day, pay.bad_months_after")))]
async fn put_rule(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Json(input): Json<RuleInput>,
) -> ApiResult<Json<RuleView>> {
    who.require_director(site)?;
    // An unknown site is a 404, not a failed insert.
    crate::attendance::schedule_of(&st.db, site).await?;
    let mut tx = st.db.begin().await?;
    let r = payments::set_rule(
        &mut tx,
        site,
        (input.day, input.months_after),
        who.id,
        st.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(RuleView {
        day: r.day,
        months_after: r.months_after,
        is_default: false,
    }))
}

/// Whether a project's pay is withheld.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithholdingInput {
    on: bool,
}

/// Switches income-tax withholding on or off for a project (directors of its site).
#[utoipa::path(put, path = "/api/v1/projects/{id}/withholding", tag = "pay",
    params(("id" = i64, Path)), request_body = WithholdingInput,
    responses((status = 204), (status = 403), (status = 404)))]
async fn put_withholding(
    State(st): State<AppState>,
    who: Principal,
    Path(project): Path<ProjectId>,
    Json(input): Json<WithholdingInput>,
) -> ApiResult<StatusCode> {
    let mut tx = st.db.begin().await?;
    payments::set_withholding(
        &mut tx,
        project,
        input.on,
        |site| who.has(site, &[Role::Director]),
        who.id,
        st.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// My qualified-invoice registration number, or null to remove it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceNumberInput {
    /// "T" and 13 digits.
    invoice_number: Option<String>,
}

/// Sets my qualified-invoice registration number (shown on my statements).
#[utoipa::path(put, path = "/api/v1/me/invoice-number", tag = "pay",
    request_body = InvoiceNumberInput,
    responses((status = 204), (status = 401), (status = 422, description = "pay.bad_invoice_number")))]
async fn put_invoice_number(
    State(st): State<AppState>,
    who: Principal,
    Json(input): Json<InvoiceNumberInput>,
) -> ApiResult<StatusCode> {
    let n = input.invoice_number.as_deref().map(str::trim);
    let mut tx = st.db.begin().await?;
    payments::set_invoice_number(&mut tx, who.id, n, st.clock.now()).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
pub struct StatementsQuery {
    /// YYYY-MM.
    month: String,
}

/// My statements (支払明細) of a month: one per site where the month is approved; none for
/// a month not approved.
#[utoipa::path(get, path = "/api/v1/me/statements", tag = "pay",
    params(StatementsQuery),
    responses((status = 200, body = Vec<Statement>), (status = 401), (status = 422)))]
async fn my_statements(
    State(st): State<AppState>,
    who: Principal,
    Query(q): Query<StatementsQuery>,
) -> ApiResult<Json<Vec<Statement>>> {
    let month = parse_month(&q.month)?;
    Ok(Json(
        payments::statements(&st.db, who.id, month, st.clock.now()).await?,
    ))
}

/// A site whose payments I handle.
#[derive(Serialize, ToSchema)]
pub struct PaySite {
    #[schema(value_type = i64)]
    site_id: SiteId,
    director: bool,
    /// An accountant also gets the bank transfer file.
    accountant: bool,
}

/// The sites whose payments I see: as a director or an accountant (the pay page's list).
#[utoipa::path(get, path = "/api/v1/me/pay-sites", tag = "pay",
    responses((status = 200, body = Vec<PaySite>), (status = 401)))]
async fn my_pay_sites(State(st): State<AppState>, who: Principal) -> ApiResult<Json<Vec<PaySite>>> {
    let accountant = super::store::accountant_sites(&st.db, who.id).await?;
    let mut out = Vec::new();
    for site in super::store::sites(&st.db).await? {
        let director = who.has(site, &[Role::Director]);
        let accountant = accountant.contains(&site);
        if director || accountant {
            out.push(PaySite {
                site_id: site,
                director,
                accountant,
            });
        }
    }
    Ok(Json(out))
}

#[derive(Deserialize, IntoParams)]
pub struct YearQuery {
    /// The fiscal year by the year it starts in (2026: April 2026 to March 2027); absent:
    /// the current one in my site's zone.
    year: Option<i32>,
}

/// What I was paid in a fiscal year (April to March, by the day paid).
#[utoipa::path(get, path = "/api/v1/me/fiscal-year", tag = "pay",
    params(YearQuery),
    responses((status = 200, body = payments::FiscalYear), (status = 401), (status = 422)))]
async fn my_fiscal_year(
    State(st): State<AppState>,
    who: Principal,
    Query(q): Query<YearQuery>,
) -> ApiResult<Json<payments::FiscalYear>> {
    Ok(Json(
        payments::fiscal_year(&st.db, who.id, q.year, st.clock.now()).await?,
    ))
}

/// The site's payments of a month, with the warnings as of today (its directors and
/// accountants).
#[utoipa::path(get, path = "/api/v1/sites/{id}/payments/{month}", tag = "pay",
    params(("id" = i64, Path), ("month" = String, Path, description = "YYYY-MM")),
    responses((status = 200, body = Payments), (status = 403), (status = 404), (status = 409, description = "pay.no_rate"), (status = 422)))]
async fn site_payments(
    State(st): State<AppState>,
    who: Principal,
    Path((site, month)): Path<(SiteId, String)>,
) -> ApiResult<Json<Payments>> {
    may_pay(&st, &who, site).await?;
    let month = parse_month(&month)?;
    Ok(Json(
        payments::of_month(&st.db, site, month, st.clock.now()).await?,
    ))
}

/// The day a payment run was made.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaidInput {
    /// YYYY-MM-DD.
    paid_on: String,
}

/// Pays the approved and unpaid months of a site's month in one payment run on `paid_on`
/// (its directors and accountants), storing their amounts as paid; a month paid already
/// keeps its run and date: marking twice changes nothing. `paid_on` is neither after today
/// nor before the month's close.
#[utoipa::path(post, path = "/api/v1/sites/{id}/payments/{month}/paid", tag = "pay",
    params(("id" = i64, Path), ("month" = String, Path, description = "YYYY-MM")),
    request_body = PaidInput,
    responses((status = 200, body = Payments), (status = 403), (status = 404), (status = 409, description = "pay.no_rate, pay.paid_twice"),
              (status = 422, description = "pay.paid_on_future, pay.paid_on_early")))]
async fn mark_paid(
    State(st): State<AppState>,
    who: Principal,
    Path((site, month)): Path<(SiteId, String)>,
    Json(input): Json<PaidInput>,
) -> ApiResult<Json<Payments>> {
    may_pay(&st, &who, site).await?;
    let month = parse_month(&month)?;
    let paid_on = parse_date("paid_on", &input.paid_on)?;
    let now = st.clock.now();
    payments::mark_paid(&st.db, (site, month), paid_on, who.id, now).await?;
    Ok(Json(payments::of_month(&st.db, site, month, now).await?))
}

/// A terms notice as it was sent, in both languages.
#[derive(Serialize, ToSchema)]
pub struct TermsView {
    #[schema(value_type = i64)]
    id: TermsId,
    #[schema(value_type = i64)]
    assignment_id: crate::ids::AssignmentId,
    #[schema(value_type = i64)]
    site_id: SiteId,
    body_ja: String,
    body_en: String,
    #[schema(value_type = String, format = DateTime)]
    sent_at: DateTime<Utc>,
    #[schema(value_type = Option<String>, format = DateTime)]
    acknowledged_at: Option<DateTime<Utc>>,
}

/// The terms notices of my assignments, newest first, with my acknowledgment.
#[utoipa::path(get, path = "/api/v1/me/terms", tag = "pay",
    responses((status = 200, body = Vec<TermsView>), (status = 401)))]
async fn my_terms(State(st): State<AppState>, who: Principal) -> ApiResult<Json<Vec<TermsView>>> {
    let rows = super::store::terms_of(&st.db, who.id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|t| TermsView {
                id: t.id,
                assignment_id: t.assignment_id,
                site_id: t.site_id,
                body_ja: t.body_ja,
                body_en: t.body_en,
                sent_at: DateTime::from_timestamp(t.sent_at, 0).unwrap_or_default(),
                acknowledged_at: t
                    .acknowledged_at
                    .and_then(|a| DateTime::from_timestamp(a, 0)),
            })
            .collect(),
    ))
}

/// Acknowledges one of my terms notices (again: nothing changes).
#[utoipa::path(post, path = "/api/v1/me/terms/{id}/acknowledge", tag = "pay",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 401), (status = 404, description = "not_found: not one of my notices")))]
async fn acknowledge(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<TermsId>,
) -> ApiResult<StatusCode> {
    let mut tx = st.db.begin().await?;
    if !super::store::acknowledge(&mut tx, id, who.id, st.clock.epoch()).await? {
        return Err(ApiError::not_found("条件通知", "Terms notice"));
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A bank account for transfers.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankAccount {
    /// 4 digits.
    bank_code: String,
    /// 3 digits.
    branch_code: String,
    /// ordinary, current or savings.
    account_type: String,
    /// 7 digits.
    number: String,
    /// The holder's name as the bank has it; answered in half-width kana.
    holder_kana: String,
}

/// A person's bank account: the person and the accountants of their sites only.
#[utoipa::path(get, path = "/api/v1/people/{id}/bank-account", tag = "pay",
    params(("id" = i64, Path)),
    responses((status = 200, body = BankAccount), (status = 403), (status = 404, description = "not_found: none entered")))]
async fn get_bank_account(
    State(st): State<AppState>,
    who: Principal,
    Path(person): Path<PersonId>,
) -> ApiResult<Json<BankAccount>> {
    if who.id != person && !super::store::accountant_of(&st.db, who.id, person).await? {
        return Err(ApiError::forbidden());
    }
    let b = super::store::bank_account(&st.db, person)
        .await?
        .ok_or_else(|| ApiError::not_found("口座", "Bank account"))?;
    Ok(Json(BankAccount {
        bank_code: b.bank_code,
        branch_code: b.branch_code,
        account_type: b.account_type,
        number: b.number,
        holder_kana: b.holder_kana,
    }))
}

/// Sets a person's bank account: the person, or an accountant of a site where they work
/// (each change kept: who, when). Anyone else, a director included, gets the same 403
/// whether or not the person has an account.
#[utoipa::path(put, path = "/api/v1/people/{id}/bank-account", tag = "pay",
    params(("id" = i64, Path)), request_body = BankAccount,
    responses((status = 204), (status = 403), (status = 422, description = "pay.bad_bank_code, pay.bad_branch_code, pay.bad_account_type, pay.bad_account_number, pay.bad_holder")))]
async fn put_bank_account(
    State(st): State<AppState>,
    who: Principal,
    Path(person): Path<PersonId>,
    Json(input): Json<BankAccount>,
) -> ApiResult<StatusCode> {
    if who.id != person && !super::store::accountant_of(&st.db, who.id, person).await? {
        return Err(ApiError::forbidden());
    }
    let b = super::bank::BankInput {
        bank_code: &input.bank_code,
        branch_code: &input.branch_code,
        account_type: &input.account_type,
        number: &input.number,
        holder: &input.holder_kana,
    };
    let mut tx = st.db.begin().await?;
    super::bank::set(&mut tx, person, &b, who.id, st.clock.now()).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A change of a bank account: who made it and when (never the account itself).
#[derive(Serialize, ToSchema)]
pub struct BankChange {
    #[schema(value_type = i64)]
    changed_by: PersonId,
    changed_by_name: String,
    #[schema(value_type = String, format = DateTime)]
    changed_at: DateTime<Utc>,
    /// entered (the first account) or changed.
    action: String,
}

/// Who entered or changed a person's bank account, and when: the person and the accountants
/// of their sites only.
#[utoipa::path(get, path = "/api/v1/people/{id}/bank-account/changes", tag = "pay",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<BankChange>), (status = 403)))]
async fn bank_account_changes(
    State(st): State<AppState>,
    who: Principal,
    Path(person): Path<PersonId>,
) -> ApiResult<Json<Vec<BankChange>>> {
    if who.id != person && !super::store::accountant_of(&st.db, who.id, person).await? {
        return Err(ApiError::forbidden());
    }
    let rows = super::store::bank_changes(&st.db, person).await?;
    Ok(Json(
        rows.into_iter()
            .map(|c| BankChange {
                changed_by: c.changed_by,
                changed_by_name: c.changed_by_name,
                changed_at: DateTime::from_timestamp(c.changed_at, 0).unwrap_or_default(),
                action: c.action,
            })
            .collect(),
    ))
}

async fn set_accountant(
    st: &AppState,
    who: &Principal,
    at: (SiteId, PersonId),
    on: bool,
) -> ApiResult<StatusCode> {
    if !who.is_admin {
        return Err(ApiError::forbidden());
    }
    let mut tx = st.db.begin().await?;
    if !super::store::person_and_site(&mut tx, at.1, at.0).await? {
        return Err(ApiError::not_found("人または拠点", "Person or site"));
    }
    super::store::set_accountant(&mut tx, (at.1, at.0), on, who.id, st.clock.epoch()).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Makes a person an accountant of the site (administrators): they see its payments and
/// its workers' bank accounts.
#[utoipa::path(put, path = "/api/v1/sites/{id}/accountants/{person_id}", tag = "pay",
    params(("id" = i64, Path), ("person_id" = i64, Path)),
    responses((status = 204), (status = 403), (status = 404)))]
async fn grant_accountant(
    State(st): State<AppState>,
    who: Principal,
    Path(at): Path<(SiteId, PersonId)>,
) -> ApiResult<StatusCode> {
    set_accountant(&st, &who, at, true).await
}

/// Withdraws the accountant role at the site (administrators).
#[utoipa::path(delete, path = "/api/v1/sites/{id}/accountants/{person_id}", tag = "pay",
    params(("id" = i64, Path), ("person_id" = i64, Path)),
    responses((status = 204), (status = 403), (status = 404)))]
async fn withdraw_accountant(
    State(st): State<AppState>,
    who: Principal,
    Path(at): Path<(SiteId, PersonId)>,
) -> ApiResult<StatusCode> {
    set_accountant(&st, &who, at, false).await
}

#[derive(Deserialize, IntoParams)]
pub struct ExportQuery {
    /// utf-8 (with a BOM, the default) or cp932 (Shift_JIS).
    encoding: Option<String>,
    /// true: refuse (409) while a worker with time has no approved month.
    approved_only: Option<bool>,
}

/// The month's approved payments as CSV, one row per worker and project, Japanese headers
/// (directors and accountants). `X-Unapproved` lists the ids of workers with time whose
/// month is not approved (not in the file).
#[utoipa::path(get, path = "/api/v1/sites/{id}/payments/{month}/export.csv", tag = "pay",
    params(("id" = i64, Path), ("month" = String, Path, description = "YYYY-MM"), ExportQuery),
    responses((status = 200, body = String, content_type = "text/csv"), (status = 403), (status = 404),
              (status = 409, description = "pay.unapproved, pay.not_shift_jis, pay.no_rate"), (status = 422)))]
async fn export_csv(
    State(st): State<AppState>,
    who: Principal,
    Path((site, month)): Path<(SiteId, String)>,
    Query(q): Query<ExportQuery>,
) -> ApiResult<axum::response::Response> {
    may_pay(&st, &who, site).await?;
    let month = parse_month(&month)?;
    let encoding = parse_encoding(q.encoding.as_deref())?;
    let (bytes, missing) = super::export::csv(
        &st.db,
        (&[site], &[month]),
        encoding,
        q.approved_only.unwrap_or(false),
        st.clock.now(),
    )
    .await?;
    Ok(attachment(
        encoding.content_type(),
        &format!("payments-{site}-{month}.csv"),
        &missing,
        bytes,
    ))
}

/// A file to download, with `X-Unapproved` listing the people with time whose month is not
/// approved (not in the file).
fn attachment(
    content_type: &str,
    filename: &str,
    missing: &[PersonId],
    bytes: Vec<u8>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let unapproved: Vec<String> = missing.iter().map(|p| p.0.to_string()).collect();
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (
                axum::http::header::HeaderName::from_static("x-unapproved"),
                unapproved.join(","),
            ),
        ],
        bytes,
    )
        .into_response()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn parse_encoding(e: Option<&str>) -> ApiResult<super::export::Encoding> {
    match e {
        None | Some("utf-8") => Ok(super::export::Encoding::Utf8),
        Some("cp932") => Ok(super::export::Encoding::Cp932),
        Some(_) => Err(invalid_code(
            "encoding",
            crate::error::CommonError::Validation,
        )),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct XlsxQuery {
    /// true: refuse (409) while a worker with time has no approved month.
    approved_only: Option<bool>,
}

/// The month's approved payments as an XLSX workbook (directors and accountants): a summary
/// sheet (集計) and the site's sheet, one row per worker and project, Japanese headers,
/// numbers as numbers and dates as dates. `X-Unapproved` as for the CSV.
#[utoipa::path(get, path = "/api/v1/sites/{id}/payments/{month}/export.xlsx", tag = "pay",
    params(("id" = i64, Path), ("month" = String, Path, description = "YYYY-MM"), XlsxQuery),
    responses((status = 200, body = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 403), (status = 404),
              (status = 409, description = "pay.unapproved, pay.no_rate"), (status = 422)))]
async fn export_xlsx(
    State(st): State<AppState>,
    who: Principal,
    Path((site, month)): Path<(SiteId, String)>,
    Query(q): Query<XlsxQuery>,
) -> ApiResult<axum::response::Response> {
    may_pay(&st, &who, site).await?;
    let month = parse_month(&month)?;
    let (bytes, missing) = super::export::xlsx(
        &st.db,
        (&[site], &[month]),
        q.approved_only.unwrap_or(false),
        st.clock.now(),
    )
    .await?;
    Ok(attachment(
        XLSX,
        &format!("payments-{site}-{month}.xlsx"),
        &missing,
        bytes,
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct RangeQuery {
    /// The first month, YYYY-MM.
    from: String,
    /// The last month, YYYY-MM (at most 24 months from `from`).
    to: String,
    /// One site (absent: every site where I am a director or an accountant).
    site_id: Option<i64>,
    /// CSV only: utf-8 (with a BOM, the default) or cp932 (Shift_JIS).
    encoding: Option<String>,
    /// true: refuse (409) while a worker with time has no approved month.
    approved_only: Option<bool>,
}

/// The sites and months of a range export: the one asked for, or all mine; 403 if none.
async fn range_of(
    st: &AppState,
    who: &Principal,
    q: &RangeQuery,
) -> ApiResult<(Vec<SiteId>, Vec<Month>)> {
    let from =
        Month::parse(&q.from).ok_or_else(|| invalid_code("from", AttendanceError::BadMonth))?;
    let to = Month::parse(&q.to).ok_or_else(|| invalid_code("to", AttendanceError::BadMonth))?;
    let months = super::export::months(from, to)?;
    let sites = match q.site_id {
        Some(id) => {
            let site = SiteId(id);
            may_pay(st, who, site).await?;
            crate::attendance::schedule_of(&st.db, site).await?;
            vec![site]
        }
        None => {
            let mut sites = Vec::new();
            for site in super::store::sites(&st.db).await? {
                if who.has(site, &[Role::Director])
                    || super::store::is_accountant(&st.db, who.id, site).await?
                {
                    sites.push(site);
                }
            }
            sites
        }
    };
    if sites.is_empty() {
        return Err(ApiError::forbidden());
    }
    Ok((sites, months))
}

/// The approved payments of a range of months as one CSV file (directors and accountants of
/// the sites): the month's columns plus the site and the month. `X-Unapproved` as for a month.
#[utoipa::path(get, path = "/api/v1/payments/export.csv", tag = "pay",
    params(RangeQuery),
    responses((status = 200, body = String, content_type = "text/csv"), (status = 403), (status = 404),
              (status = 409, description = "pay.unapproved, pay.not_shift_jis, pay.no_rate"), (status = 422)))]
async fn export_range_csv(
    State(st): State<AppState>,
    who: Principal,
    Query(q): Query<RangeQuery>,
) -> ApiResult<axum::response::Response> {
    let encoding = parse_encoding(q.encoding.as_deref())?;
    let (sites, months) = range_of(&st, &who, &q).await?;
    let (bytes, missing) = super::export::csv(
        &st.db,
        (&sites, &months),
        encoding,
        q.approved_only.unwrap_or(false),
        st.clock.now(),
    )
    .await?;
    Ok(attachment(
        encoding.content_type(),
        &format!("payments-{}-{}.csv", q.from, q.to),
        &missing,
        bytes,
    ))
}

/// The approved payments of a range of months as an XLSX workbook (directors and accountants
/// of the sites): 集計 per site and month, then one sheet per site.
#[utoipa::path(get, path = "/api/v1/payments/export.xlsx", tag = "pay",
    params(RangeQuery),
    responses((status = 200, body = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 403), (status = 404),
              (status = 409, description = "pay.unapproved, pay.no_rate"), (status = 422)))]
async fn export_range_xlsx(
    State(st): State<AppState>,
    who: Principal,
    Query(q): Query<RangeQuery>,
) -> ApiResult<axum::response::Response> {
    parse_encoding(q.encoding.as_deref())?;
    let (sites, months) = range_of(&st, &who, &q).await?;
    let (bytes, missing) = super::export::xlsx(
        &st.db,
        (&sites, &months),
        q.approved_only.unwrap_or(false),
        st.clock.now(),
    )
    .await?;
    Ok(attachment(
        XLSX,
        &format!("payments-{}-{}.xlsx", q.from, q.to),
        &missing,
        bytes,
    ))
}

/// The account a site's transfers are paid from.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayerInput {
    /// 委託者コード: 10 digits, given by the bank.
    client_code: String,
    /// The payer's name as the bank has it (converted to half-width kana).
    holder_kana: String,
    bank_code: String,
    branch_code: String,
    /// ordinary, current or savings.
    account_type: String,
    number: String,
}

/// Sets the account the site's transfers are paid from (its directors and accountants).
#[utoipa::path(put, path = "/api/v1/sites/{id}/payer-account", tag = "pay",
    params(("id" = i64, Path)), request_body = PayerInput,
    responses((status = 204), (status = 403), (status = 404), (status = 422)))]
async fn put_payer(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Json(input): Json<PayerInput>,
) -> ApiResult<StatusCode> {
    may_pay(&st, &who, site).await?;
    crate::attendance::schedule_of(&st.db, site).await?;
    let p = super::bank::PayerInput {
        client_code: &input.client_code,
        name: &input.holder_kana,
        bank: super::bank::BankInput {
            bank_code: &input.bank_code,
            branch_code: &input.branch_code,
            account_type: &input.account_type,
            number: &input.number,
            holder: &input.holder_kana,
        },
    };
    let mut tx = st.db.begin().await?;
    super::bank::set_payer(&mut tx, site, &p, who.id, st.clock.now()).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
pub struct ZenginQuery {
    /// The transfer day, YYYY-MM-DD (the run's day, else the month's due date, when absent).
    transfer_date: Option<String>,
    /// A payment run: its months as paid (absent: the approved months not paid yet).
    run: Option<i64>,
}

/// The month's bank transfer file in the Zengin 総合振込 format (120-byte records,
/// Shift_JIS), one data record per worker paid (directors and accountants).
#[utoipa::path(get, path = "/api/v1/sites/{id}/payments/{month}/zengin", tag = "pay",
    params(("id" = i64, Path), ("month" = String, Path, description = "YYYY-MM"), ZenginQuery),
    responses((status = 200, body = String, content_type = "text/plain"), (status = 403),
              (status = 404, description = "not_found, pay.no_run"),
              (status = 409, description = "pay.no_payer, pay.no_bank_account, pay.no_rate"), (status = 422)))]
async fn export_zengin(
    State(st): State<AppState>,
    who: Principal,
    Path((site, month)): Path<(SiteId, String)>,
    Query(q): Query<ZenginQuery>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    // The transfer file holds the workers' bank accounts: the site's accountants only
    // (directors see the payments, never the accounts).
    if !super::store::is_accountant(&st.db, who.id, site).await? {
        return Err(ApiError::forbidden());
    }
    let month = parse_month(&month)?;
    let date = match &q.transfer_date {
        Some(d) => Some(parse_date("transfer_date", d)?),
        None => None,
    };
    let which = q
        .run
        .map_or(payments::Which::Unpaid, |r| payments::Which::Run(RunId(r)));
    let bytes =
        super::zengin::transfers(&st.db, (site, month), which, date, st.clock.now()).await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/plain; charset=Shift_JIS".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"zengin-{site}-{month}.txt\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
