//! Notes on a child's day (meal, toilet, mood, a line of text) by the room's caregivers; the
//! guardian reads them on their phone when they collect the child.

use super::day_record::NoteView;
use super::day_store::{self as ds, NewNote};
use super::errors::ChildcareError;
use super::naps::cared_place;
use super::rules::PlaceStatus;
use super::{hhmm, schedule_of};
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiResult, Json, Path, Validator};
use crate::ids::PlaceId;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(add_note))
}

/// The longest note, in characters.
pub const NOTE_MAX: usize = 2000;

/// The kinds of note.
pub const KINDS: [&str; 4] = ["meal", "toilet", "mood", "note"];

/// A note on the child's day.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    /// meal, toilet, mood or note.
    kind: String,
    /// Up to 2,000 characters.
    body: String,
}

/// Adds a note on a child's day (the site's caregivers): for a child who came today (in the
/// room or collected).
#[utoipa::path(post, path = "/api/v1/childcare/bookings/{id}/notes", tag = "childcare", params(("id" = i64, Path)), request_body = NoteInput,
    responses((status = 201, body = NoteView), (status = 403), (status = 404), (status = 409, description = "childcare.not_in_room"), (status = 422, description = "validation.too_long on body")))]
async fn add_note(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<PlaceId>,
    Json(input): Json<NoteInput>,
) -> ApiResult<(StatusCode, Json<NoteView>)> {
    let mut v = Validator::new();
    if !KINDS.contains(&input.kind.as_str()) {
        v.reject("kind", ChildcareError::BadNoteKind);
    }
    v.text("body", &input.body, 1, NOTE_MAX);
    v.finish()?;
    let p = cared_place(&st, &who, id).await?;
    if !matches!(p.status, PlaceStatus::DroppedOff | PlaceStatus::PickedUp) {
        return Err(ChildcareError::NotInRoom.into());
    }
    let now = st.clock.epoch();
    let body = input.body.trim();
    let note = NewNote {
        site: p.site_id,
        place: p.id,
        kind: &input.kind,
        body,
        by: who.id,
        at: now,
    };
    let mut tx = st.db.begin().await?;
    let note_id = ds::insert_note(&mut tx, &note).await?;
    tx.commit().await?;
    let tz = schedule_of(&st.db, p.site_id).await?.tz;
    let caregiver = ds::person_name(&st.db, who.id).await?.unwrap_or_default();
    Ok((
        StatusCode::CREATED,
        Json(NoteView {
            id: note_id,
            kind: input.kind,
            body: body.to_string(),
            at: hhmm(now, tz),
            caregiver,
        }),
    ))
}
