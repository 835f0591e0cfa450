//! Booking childcare places, with a desk in the same transaction when asked: booking's use
//! case (a desk booking carries its children's places), calling childcare for the places.

use super::book::Request as BookRequest;
use super::{Booking, SiteContext, Target, book, rules as booking_rules, store};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::childcare::places::{self, Fit, NewPlaces};
use crate::childcare::{self, ChildcarePlace, store::Settings};
use crate::error::{ApiResult, CommonError, Json, Text, invalid, parse_date, parse_time};
use crate::ids::{ChildId, PersonId, PlaceId, SiteId, SpaceId};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The route of [`book_places`].
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(book_places))
}

/// The desk to book with the childcare place.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeskWish {
    space_id: Option<i64>,
    #[serde(default)]
    attributes: Vec<String>,
}

/// Places for my children at a site and time, and the desk to book with them.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacesRequest {
    site_id: SiteId,
    date: String,
    start: String,
    end: String,
    child_ids: Vec<ChildId>,
    /// Book a desk too, in the same transaction: both or neither.
    desk: Option<DeskWish>,
    /// When the room is full: join the waitlist instead of failing.
    #[serde(default)]
    waitlist: bool,
    /// When waitlisted: keep the desk booking anyway.
    #[serde(default)]
    keep_desk: bool,
}

/// What was booked: the desk (if any) and the places, booked or waitlisted.
#[derive(Serialize, ToSchema)]
pub struct PlacesResult {
    desk: Option<Booking>,
    /// Whether the desk booked with the places is the worker's usual one.
    usual_desk: bool,
    places: Vec<ChildcarePlace>,
    waitlisted: bool,
}

/// A request past the edge: the site's rules, the range checked against them, the children
/// with their age groups.
struct Request {
    guardian: PersonId,
    ctx: SiteContext,
    cc: Settings,
    range: (DateTime<Utc>, DateTime<Utc>),
    children: Vec<(ChildId, usize)>,
    desk: Option<Target>,
    waitlist: bool,
    keep_desk: bool,
    now: DateTime<Utc>,
}

/// What was written.
struct Written {
    desk: Option<super::Made>,
    places: Vec<PlaceId>,
    waitlisted: bool,
}

/// Parses and checks a request: the booking rules of the site, the guardian's children.
async fn checked(st: &AppState, who: &Principal, req: PlacesRequest) -> ApiResult<Request> {
    who.require(req.site_id, &Role::ALL)?;
    let date: NaiveDate = parse_date("date", &req.date)?;
    let (start, end) = (
        parse_time("start", &req.start)?,
        parse_time("end", &req.end)?,
    );
    if req.child_ids.is_empty() || req.child_ids.len() > 10 {
        return Err(invalid(
            "child_ids",
            CommonError::Required,
            Text::new("お子さまを選んでください。", "Choose at least one child."),
        ));
    }
    let ctx = SiteContext::load(st, req.site_id.0).await?;
    let cc = childcare::settings(&st.db, req.site_id).await?;
    let now = st.clock.now();
    let range = booking_rules::check(&ctx.schedule, &ctx.policy, now, date, start, end)
        .map_err(|r| ctx.refuse(r, date, start))?;
    let guardian = who.id;
    let children = places::children_for(&st.db, guardian, &req.child_ids, date, &cc).await?;
    let desk = req.desk.map(|wish| match wish.space_id {
        Some(id) => Target::Space(SpaceId(id)),
        None => Target::AnyDesk(wish.attributes),
    });
    Ok(Request {
        guardian,
        ctx,
        cc,
        range,
        children,
        desk,
        waitlist: req.waitlist,
        keep_desk: req.keep_desk,
        now,
    })
}

/// Books the places (waitlisted when the room is full and the request waits) and the desk
/// if asked, in one transaction under the site's and the person's locks.
async fn book_with_places(st: &AppState, r: &Request) -> ApiResult<Written> {
    let site = r.ctx.site.id;
    let span = (r.range.0.timestamp(), r.range.1.timestamp());
    let spaces = crate::sites::store::spaces(&st.db, site).await?;
    let mut tx = st.db.begin().await?;
    store::lock_for_booking(&mut tx, site, r.guardian).await?;
    let fit = places::fits(&mut tx, site, &r.children, span, &r.cc, r.ctx.schedule.tz).await?;
    let waitlisted = match fit {
        Fit::Fits => false,
        Fit::Full(refusal) if !r.waitlist => return Err(refusal),
        Fit::Full(_) => true,
    };
    let desk = match &r.desk {
        Some(target) if !waitlisted || r.keep_desk => {
            let one = BookRequest {
                target,
                person_id: r.guardian,
                by: r.guardian,
                series_id: None,
                range: r.range,
                spaces: &spaces,
            };
            Some(book(&mut tx, &r.ctx, &one, r.now).await?)
        }
        _ => None,
    };
    let link = match &desk {
        Some(made) => Some(made.id),
        // The desk was given up for the waitlist: the places wait without one.
        None if r.desk.is_some() => None,
        None => places::covering(&mut tx, r.guardian, site, span, &r.cc).await?,
    };
    let new = NewPlaces {
        site,
        guardian: r.guardian,
        children: &r.children,
        desk_booking_id: link,
        span,
        waitlisted,
        now: r.now.timestamp(),
        tell_guardian: desk.is_none(),
    };
    let ids = places::add(st, &mut tx, &new).await?;
    if let Some(made) = &desk {
        super::notify::confirmed_with_places(st, &mut tx, made.id, &ids, waitlisted).await?;
    }
    tx.commit().await?;
    Ok(Written {
        desk,
        places: ids,
        waitlisted,
    })
}

/// Books childcare places for my children, with a desk in the same request if asked: both
/// are booked or neither. A full room is refused (`childcare.full`) or, when asked, joins the
/// waitlist.
#[utoipa::path(post, path = "/api/v1/childcare/bookings", tag = "childcare", request_body = PlacesRequest,
    responses((status = 201, body = PlacesResult), (status = 409, description = "childcare.full, childcare.not_within_booking, booking.*")))]
pub async fn book_places(
    State(st): State<AppState>,
    who: Principal,
    Json(req): Json<PlacesRequest>,
) -> ApiResult<(StatusCode, Json<PlacesResult>)> {
    let r = checked(&st, &who, req).await?;
    let written = book_with_places(&st, &r).await?;
    let places = places::views(&st.db, &written.places, r.ctx.schedule.tz).await?;
    let desk = match &written.desk {
        Some(made) => store::get(&st.db, made.id).await?,
        None => None,
    };
    Ok((
        StatusCode::CREATED,
        Json(PlacesResult {
            desk,
            usual_desk: written.desk.as_ref().is_some_and(|m| m.usual_desk),
            places,
            waitlisted: written.waitlisted,
        }),
    ))
}
