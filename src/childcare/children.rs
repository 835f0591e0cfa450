//! Children and the adults allowed to collect them: a guardian registers and edits their
//! children and hands out pick-up codes.

use super::errors::ChildcareError;
use super::http::view_of;
use super::store::{self, AuthorisedRow, ChildFields, ChildRow};
use super::{Child, View, rules};
use crate::AppState;
use crate::auth::{Principal, password};
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Json, Path, Validator};
use crate::ids::{AuthorisedPersonId, ChildId, PersonId};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use rand::Rng;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_children, create_child))
        .routes(routes!(get_child, update_child))
        .routes(routes!(list_authorised, add_authorised))
        .routes(routes!(update_authorised))
        .routes(routes!(new_pickup_code))
}

/// The 404 of a child the caller may not see.
pub fn child_not_found() -> ApiError {
    ApiError::not_found("お子さま", "Child")
}

/// A child of the guardian's, or 404.
pub async fn of_guardian(db: &Db, guardian: PersonId, id: ChildId) -> ApiResult<ChildRow> {
    let c = store::child(db, id).await?.ok_or_else(child_not_found)?;
    if c.guardian_ids.contains(&guardian) {
        Ok(c)
    } else {
        Err(child_not_found())
    }
}

/// A child's record as a guardian writes it: omitted fields keep their value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildInput {
    name: Option<String>,
    name_kana: Option<String>,
    /// YYYY-MM-DD
    birth_date: Option<String>,
    allergies: Option<String>,
    medical_notes: Option<String>,
    active: Option<bool>,
}

/// The input over the record it changes (none for a new child), checked: trimmed texts
/// within their lengths, a birth date of a child up to 12 on `today`.
fn merge(old: Option<&ChildFields>, input: ChildInput, today: NaiveDate) -> ApiResult<ChildFields> {
    let text = |new: Option<String>, old: Option<&String>| {
        new.or_else(|| old.cloned())
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let name = text(input.name, old.map(|c| &c.name));
    let name_kana = text(input.name_kana, old.map(|c| &c.name_kana));
    let allergies = text(input.allergies, old.map(|c| &c.allergies));
    let medical_notes = text(input.medical_notes, old.map(|c| &c.medical_notes));
    let birth = match input.birth_date {
        Some(raw) => NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok(),
        None => old.map(|c| c.birth_date),
    };
    let mut v = Validator::new();
    v.text("name", &name, 1, 100);
    v.text("name_kana", &name_kana, 0, 100);
    v.text("allergies", &allergies, 0, 1000);
    v.text("medical_notes", &medical_notes, 0, 2000);
    let birth = birth.filter(|&b| b <= today && rules::completed_years(b, today) < 13);
    if birth.is_none() {
        v.reject("birth_date", ChildcareError::BadBirthDate);
    }
    v.finish()?;
    Ok(ChildFields {
        name,
        name_kana,
        birth_date: birth.unwrap_or(today),
        allergies,
        medical_notes,
        active: input.active.or(old.map(|c| c.active)).unwrap_or(true),
    })
}

/// My children.
#[utoipa::path(get, path = "/api/v1/children", tag = "childcare", responses((status = 200, body = [Child])))]
async fn my_children(State(st): State<AppState>, who: Principal) -> ApiResult<Json<Vec<Child>>> {
    let rows = store::children_of(&st.db, who.id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|c| Child::from_row(c, View::Full))
            .collect(),
    ))
}

/// The child as saved, in full.
async fn saved(db: &Db, id: ChildId) -> ApiResult<Child> {
    let c = store::child(db, id).await?.ok_or_else(child_not_found)?;
    Ok(Child::from_row(c, View::Full))
}

/// Registers a child of mine.
#[utoipa::path(post, path = "/api/v1/children", tag = "childcare", request_body = ChildInput,
    responses((status = 201, body = Child), (status = 422)))]
async fn create_child(
    State(st): State<AppState>,
    who: Principal,
    Json(input): Json<ChildInput>,
) -> ApiResult<(StatusCode, Json<Child>)> {
    let fields = merge(None, input, st.clock.now().date_naive())?;
    let id = store::insert_child(&st.db, &fields, who.id, st.clock.epoch()).await?;
    Ok((StatusCode::CREATED, Json(saved(&st.db, id).await?)))
}

/// A child: everything for guardians and the caregivers of a site where the child has a
/// place; the name for that site's other staff (directors and administrators included).
#[utoipa::path(get, path = "/api/v1/children/{id}", tag = "childcare", params(("id" = i64, Path)),
    responses((status = 200, body = Child), (status = 404)))]
async fn get_child(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<ChildId>,
) -> ApiResult<Json<Child>> {
    let c = store::child(&st.db, id)
        .await?
        .ok_or_else(child_not_found)?;
    let view = view_of(&st.db, &who, &c).await?;
    Ok(Json(Child::from_row(c, view)))
}

/// Changes my child's record.
#[utoipa::path(patch, path = "/api/v1/children/{id}", tag = "childcare", params(("id" = i64, Path)), request_body = ChildInput,
    responses((status = 200, body = Child), (status = 404)))]
async fn update_child(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<ChildId>,
    Json(input): Json<ChildInput>,
) -> ApiResult<Json<Child>> {
    let c = of_guardian(&st.db, who.id, id).await?;
    let fields = merge(Some(&c.fields), input, st.clock.now().date_naive())?;
    store::update_child(&st.db, id, &fields).await?;
    Ok(Json(saved(&st.db, id).await?))
}

/// An adult allowed to collect a child.
#[derive(Serialize, ToSchema)]
pub struct Authorised {
    id: AuthorisedPersonId,
    child_id: ChildId,
    name: String,
    relation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
    active: bool,
    /// The pick-up code was used: it works once, and the guardian issues a new one.
    pickup_code_used: bool,
}

impl From<AuthorisedRow> for Authorised {
    fn from(a: AuthorisedRow) -> Self {
        Authorised {
            id: a.id,
            child_id: a.child_id,
            name: a.name,
            relation: a.relation,
            phone: Some(a.phone),
            active: a.active,
            pickup_code_used: a.pickup_code_used_at.is_some(),
        }
    }
}

/// Who may collect the child (guardians and the site's caregivers).
#[utoipa::path(get, path = "/api/v1/children/{id}/authorised", tag = "childcare", params(("id" = i64, Path)),
    responses((status = 200, body = [Authorised]), (status = 404)))]
async fn list_authorised(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<ChildId>,
) -> ApiResult<Json<Vec<Authorised>>> {
    let c = store::child(&st.db, id)
        .await?
        .ok_or_else(child_not_found)?;
    if view_of(&st.db, &who, &c).await? != View::Full {
        return Err(child_not_found());
    }
    let list = store::authorised_of(&st.db, id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// An adult a guardian allows to collect their child.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorisedInput {
    name: String,
    #[serde(default)]
    relation: String,
    #[serde(default)]
    phone: String,
}

/// The new authorised person and their pick-up code, shown only this once.
#[derive(Serialize, ToSchema)]
pub struct AuthorisedCreated {
    authorised: Authorised,
    pickup_code: String,
}

/// The stored form of a child's pick-up code.
pub fn pickup_code_hash(child: ChildId, code: &str) -> String {
    password::token_hash(&format!("{child}:{code}"))
}

/// Allows an adult to collect my child; answers their pick-up code (shown once).
#[utoipa::path(post, path = "/api/v1/children/{id}/authorised", tag = "childcare", params(("id" = i64, Path)), request_body = AuthorisedInput,
    responses((status = 201, body = AuthorisedCreated), (status = 404)))]
async fn add_authorised(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<ChildId>,
    Json(input): Json<AuthorisedInput>,
) -> ApiResult<(StatusCode, Json<AuthorisedCreated>)> {
    of_guardian(&st.db, who.id, id).await?;
    let mut v = Validator::new();
    v.text("name", &input.name, 1, 100);
    v.text("relation", &input.relation, 0, 50);
    v.text("phone", &input.phone, 0, 20);
    v.finish()?;
    let code = new_code();
    let mut a = AuthorisedRow {
        id: AuthorisedPersonId(0),
        child_id: id,
        name: input.name.trim().into(),
        relation: input.relation.trim().into(),
        phone: input.phone.trim().into(),
        pickup_code_hash: pickup_code_hash(id, &code),
        active: true,
        pickup_code_used_at: None,
    };
    a.id = store::insert_authorised(&st.db, &a, st.clock.epoch()).await?;
    Ok((
        StatusCode::CREATED,
        Json(AuthorisedCreated {
            authorised: a.into(),
            pickup_code: code,
        }),
    ))
}

/// Whether an authorised person may collect the child.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveInput {
    active: bool,
}

/// Withdraws (or restores) an adult's permission to collect my child.
#[utoipa::path(patch, path = "/api/v1/authorised-persons/{id}", tag = "childcare", params(("id" = i64, Path)), request_body = ActiveInput,
    responses((status = 200, body = Authorised), (status = 404)))]
async fn update_authorised(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<AuthorisedPersonId>,
    Json(input): Json<ActiveInput>,
) -> ApiResult<Json<Authorised>> {
    let a = store::authorised(&st.db, id)
        .await?
        .ok_or_else(child_not_found)?;
    of_guardian(&st.db, who.id, a.child_id).await?;
    store::set_authorised_active(&st.db, id, input.active).await?;
    let a = store::authorised(&st.db, id)
        .await?
        .ok_or_else(child_not_found)?;
    Ok(Json(a.into()))
}

/// A fresh six-digit pick-up code.
fn new_code() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000u32))
}

/// A new pick-up code for an authorised person.
#[derive(Serialize, ToSchema)]
pub struct PickupCode {
    pickup_code: String,
}

/// Issues a new one-time pick-up code for an adult allowed to collect my child (the old one
/// stops working); answers it, shown only this once.
#[utoipa::path(post, path = "/api/v1/authorised-persons/{id}/pickup-code", tag = "childcare", params(("id" = i64, Path)),
    responses((status = 200, body = PickupCode), (status = 404)))]
async fn new_pickup_code(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<AuthorisedPersonId>,
) -> ApiResult<Json<PickupCode>> {
    let a = store::authorised(&st.db, id)
        .await?
        .ok_or_else(child_not_found)?;
    of_guardian(&st.db, who.id, a.child_id).await?;
    let code = new_code();
    store::set_pickup_code(&st.db, id, &pickup_code_hash(a.child_id, &code)).await?;
    Ok(Json(PickupCode { pickup_code: code }))
}
