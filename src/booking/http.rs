//! The booking API.

use super::rules::{self, Refusal};
use super::{Booking, SiteContext, Target, authorise_for, book, overlap_error, store};
use crate::AppState;
use crate::auth::{Principal, Role, password};
use crate::error::{
    ApiError, ApiResult, FieldError, Json, Path, Query, Text, Validator, invalid, parse_date,
    parse_time,
};
use crate::mail::notify;
use crate::sites::{self, DayView, SpaceKind};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate, NaiveTime, Utc, Weekday};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(availability))
        .routes(routes!(create, list_mine))
        .routes(routes!(create_series))
        .routes(routes!(list_site))
        .routes(routes!(get_booking, change))
        .routes(routes!(cancel))
        .routes(routes!(cancel_series))
        .routes(routes!(check_in))
        .routes(routes!(new_feed, revoke_feed))
        .routes(routes!(feed))
}

fn not_found() -> ApiError {
    ApiError::not_found("予約", "Booking")
}

// ---- availability

#[derive(Deserialize, IntoParams)]
pub struct AvailabilityQuery {
    /// Local date, YYYY-MM-DD.
    date: String,
    /// Only spaces of this kind (desk, room, meeting_room).
    kind: Option<SpaceKind>,
    /// Comma-separated attributes every space shown must have, e.g. `monitor,quiet_zone`.
    attributes: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SpaceAvailability {
    id: i64,
    name: String,
    kind: SpaceKind,
    capacity: i64,
    attributes: Vec<String>,
    /// Free seats in each slot of `slots`.
    free: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Availability {
    day: DayView,
    /// Start of each 15-minute slot, local HH:MM (empty on a closed day).
    slots: Vec<String>,
    spaces: Vec<SpaceAvailability>,
}

/// Free seats per space and 15-minute slot for one site-day (two queries, however many
/// bookings the site has).
#[utoipa::path(get, path = "/api/v1/sites/{id}/availability", tag = "bookings",
    params(("id" = i64, Path), AvailabilityQuery), responses((status = 200, body = Availability)))]
async fn availability(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<i64>,
    Query(q): Query<AvailabilityQuery>,
) -> ApiResult<Json<Availability>> {
    who.require(site_id, &Role::ALL)?;
    let date = parse_date("date", &q.date)?;
    let ctx = SiteContext::load(&st, site_id).await?;
    let wanted: Vec<String> = q
        .attributes
        .unwrap_or_default()
        .split(',')
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();
    let day = ctx.schedule.day(date);
    let mut slots = Vec::new();
    if let Some(h) = day.hours {
        let mut t = h.open;
        while t < h.close {
            if let Ok(at) = rules::instant(ctx.schedule.tz, date, t) {
                slots.push((t.format("%H:%M").to_string(), at.timestamp()));
            }
            t += Duration::minutes(rules::GRID_MINUTES as i64);
        }
    }
    let (from, to) = ctx.schedule.day_bounds(date);
    let held = store::held(&st.db, site_id, from, to).await?;
    let spaces = sites::store::spaces(&st.db, site_id)
        .await?
        .into_iter()
        .filter(|s| {
            s.active
                && matches!(
                    s.kind,
                    SpaceKind::Desk | SpaceKind::Room | SpaceKind::MeetingRoom
                )
        })
        .filter(|s| q.kind.is_none_or(|k| k == s.kind))
        .filter(|s| wanted.iter().all(|a| s.attributes.contains(a)))
        .map(|s| {
            let free = slots
                .iter()
                .map(|(_, at)| {
                    let end = at + 60 * rules::GRID_MINUTES as i64;
                    let busy = held
                        .iter()
                        .filter(|(sp, _, a, b)| *sp == s.id.0 && *a < end && *b > *at)
                        .count();
                    (s.capacity - busy as i64).max(0)
                })
                .collect();
            SpaceAvailability {
                id: s.id.0,
                name: s.name,
                kind: s.kind,
                capacity: s.capacity,
                attributes: s.attributes,
                free,
            }
        })
        .collect();
    Ok(Json(Availability {
        day: day.into(),
        slots: slots.into_iter().map(|(s, _)| s).collect(),
        spaces,
    }))
}

// ---- create

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBookingRequest {
    site_id: i64,
    /// Local date, YYYY-MM-DD.
    date: String,
    /// Local HH:MM on the quarter hour.
    start: String,
    end: String,
    /// A given desk or room; without it, any free desk with `attributes` (the worker's usual
    /// desk first).
    space_id: Option<i64>,
    #[serde(default)]
    attributes: Vec<String>,
    /// Staff booking on a worker's behalf.
    person_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    booking: Booking,
    /// Whether the worker's usual desk was given (when no desk was named).
    usual_desk: bool,
}

fn target(space_id: Option<i64>, attributes: Vec<String>) -> Target {
    match space_id {
        Some(id) => Target::Space(id),
        None => Target::AnyDesk(attributes),
    }
}

/// Books a desk or a room seat for a time range on one day.
#[utoipa::path(post, path = "/api/v1/bookings", tag = "bookings", request_body = NewBookingRequest,
    responses((status = 201, body = Created), (status = 409, description = "booking.overlap and other refusals"),
              (status = 422, description = "invalid times")))]
async fn create(
    State(st): State<AppState>,
    who: Principal,
    Json(req): Json<NewBookingRequest>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let person = authorise_for(&st, &who, req.site_id, req.person_id).await?;
    let date = parse_date("date", &req.date)?;
    let (start, end) = (
        parse_time("start", &req.start)?,
        parse_time("end", &req.end)?,
    );
    let ctx = SiteContext::load(&st, req.site_id).await?;
    let now = st.clock.now();
    let range = rules::check(&ctx.schedule, &ctx.policy, now, date, start, end)
        .map_err(|r| ctx.refuse(r, date, start))?;
    let spaces = sites::store::spaces(&st.db, req.site_id).await?;
    // The confirmation's reads happen before the site's lock is taken.
    let addressee = notify::addressee(&st, person).await?;
    let mut tx = st.db.begin().await?;
    store::lock_for_booking(&mut tx, req.site_id, person).await?;
    let made = book(
        &mut tx,
        &ctx,
        &target(req.space_id, req.attributes),
        person,
        who.id.0,
        None,
        range,
        now,
        &spaces,
    )
    .await?;
    let list = [made.booking];
    notify::booking_confirmed_as(&st, &mut tx, addressee, &ctx.site, &list, &[]).await?;
    tx.commit().await?;
    let [booking] = list;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            booking,
            usual_desk: made.usual_desk,
        }),
    ))
}

// ---- recurring

/// What to do when some dates of a series are taken.
#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SeriesMode {
    /// Nothing is booked if any date conflicts; every conflict is listed.
    AllOrNothing,
    /// The free dates are booked; the conflicts are listed.
    SkipConflicts,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSeriesRequest {
    site_id: i64,
    /// mon..sun
    weekdays: Vec<String>,
    start: String,
    end: String,
    /// First date considered (local), YYYY-MM-DD.
    from: String,
    /// Last date (inclusive); or give `count`.
    until: Option<String>,
    /// How many dates of the pattern to consider.
    count: Option<usize>,
    space_id: Option<i64>,
    #[serde(default)]
    attributes: Vec<String>,
    mode: SeriesMode,
    person_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DateNote {
    date: String,
    code: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct SeriesResult {
    series_id: Option<i64>,
    booked: Vec<Booking>,
    /// Dates the site is closed (holidays, closures): not booked.
    skipped: Vec<DateNote>,
    /// Dates that could not be booked (taken, limits, window).
    conflicts: Vec<DateNote>,
}

fn note(date: NaiveDate, err: &ApiError) -> DateNote {
    let lang = crate::error::Lang::current();
    match err {
        ApiError::Client { code, detail, .. } => DateNote {
            date: date.to_string(),
            code: code.to_string(),
            message: lang.pick(&detail.ja, &detail.en).to_string(),
        },
        ApiError::Internal(_) => DateNote {
            date: date.to_string(),
            code: "internal".into(),
            message: String::new(),
        },
    }
}

/// Books a weekly pattern ("every Mon, Wed, Fri 9:00-13:00 until ..."). Closed dates are
/// skipped and reported.
#[utoipa::path(post, path = "/api/v1/booking-series", tag = "bookings", request_body = NewSeriesRequest,
    responses((status = 201, body = SeriesResult), (status = 409, description = "booking.series_conflict (all_or_nothing): `errors` lists each date")))]
async fn create_series(
    State(st): State<AppState>,
    who: Principal,
    Json(req): Json<NewSeriesRequest>,
) -> ApiResult<(StatusCode, Json<SeriesResult>)> {
    let person = authorise_for(&st, &who, req.site_id, req.person_id).await?;
    let mut v = Validator::new();
    let weekdays: Vec<Weekday> = req
        .weekdays
        .iter()
        .filter_map(|w| {
            sites::rules::weekday_index(w).and_then(|i| Weekday::try_from(i as u8).ok())
        })
        .collect();
    v.check(
        !weekdays.is_empty() && weekdays.len() == req.weekdays.len(),
        "weekdays",
        "booking.bad_weekdays",
        Text::new(
            "曜日を mon〜sun で一つ以上選んでください。",
            "Choose one or more weekdays, mon to sun.",
        ),
    );
    v.check(
        req.until.is_some() || req.count.is_some(),
        "until",
        "booking.series_end_required",
        Text::new(
            "終了日か回数を指定してください。",
            "Give an end date or a count.",
        ),
    );
    v.finish()?;
    let from = parse_date("from", &req.from)?;
    let until = req
        .until
        .as_deref()
        .map(|u| parse_date("until", u))
        .transpose()?;
    let (start, end) = (
        parse_time("start", &req.start)?,
        parse_time("end", &req.end)?,
    );
    let ctx = SiteContext::load(&st, req.site_id).await?;
    // Times that no date could take are one mistake, not a conflict on every date.
    rules::check_times(start, end).map_err(|r| ctx.refuse(r, from, start))?;
    let now = st.clock.now();
    let spaces = sites::store::spaces(&st.db, req.site_id).await?;
    let target = target(req.space_id, req.attributes);
    let dates = rules::series_dates(from, &weekdays, until, req.count);
    if dates.is_empty() {
        return Err(series_empty());
    }
    let addressee = notify::addressee(&st, person).await?;
    let mut tx = st.db.begin().await?;
    store::lock_for_booking(&mut tx, req.site_id, person).await?;
    let series_id = store::insert_series(
        &mut tx,
        person,
        req.site_id,
        &req.weekdays.join(","),
        &req.start,
        &req.end,
        now.timestamp(),
    )
    .await?;
    let (mut made, mut skipped, mut conflicts) = (Vec::new(), Vec::new(), Vec::new());
    for date in dates {
        match rules::check(&ctx.schedule, &ctx.policy, now, date, start, end) {
            Err(Refusal::ClosedDay) => {
                skipped.push(note(date, &ctx.refuse(Refusal::ClosedDay, date, start)))
            }
            Err(r) => conflicts.push((date, ctx.refuse(r, date, start))),
            Ok(range) => match book(
                &mut tx,
                &ctx,
                &target,
                person,
                who.id.0,
                Some(series_id),
                range,
                now,
                &spaces,
            )
            .await
            {
                Ok(m) => made.push(m.booking),
                // A busy database is no conflict of that date: the whole request may retry.
                Err(e) if e.status() == StatusCode::SERVICE_UNAVAILABLE => return Err(e),
                Err(e @ ApiError::Client { .. }) => conflicts.push((date, e)),
                Err(e) => return Err(e),
            },
        }
    }
    if made.is_empty() && conflicts.is_empty() {
        return Err(series_empty());
    }
    // Nothing is written when all-or-nothing meets a conflict, or when nothing could be booked.
    if !conflicts.is_empty() && (req.mode == SeriesMode::AllOrNothing || made.is_empty()) {
        drop(tx);
        let errors: Vec<FieldError> = conflicts
            .into_iter()
            .map(|(d, e)| match e {
                ApiError::Client { code, detail, .. } => FieldError {
                    field: d.to_string(),
                    code,
                    message: detail,
                },
                ApiError::Internal(_) => FieldError {
                    field: d.to_string(),
                    code: "internal",
                    message: Text::new("", ""),
                },
            })
            .collect();
        return Err(ApiError::Client {
            status: StatusCode::CONFLICT,
            code: "booking.series_conflict",
            detail: Text::new(
                format!(
                    "{}日分が予約できないため、何も予約していません。",
                    errors.len()
                ),
                format!(
                    "{} of the dates cannot be booked, so nothing was booked.",
                    errors.len()
                ),
            ),
            errors,
            retry_after: None,
        });
    }
    let skipped_dates: Vec<(String, String)> = skipped
        .iter()
        .map(|n| (n.date.clone(), n.message.clone()))
        .collect();
    notify::booking_confirmed_as(&st, &mut tx, addressee, &ctx.site, &made, &skipped_dates).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(SeriesResult {
            series_id: Some(series_id),
            booked: made,
            skipped,
            conflicts: conflicts.iter().map(|(d, e)| note(*d, e)).collect(),
        }),
    ))
}

fn series_empty() -> ApiError {
    ApiError::client(
        StatusCode::UNPROCESSABLE_ENTITY,
        "booking.series_empty",
        Text::new(
            "その曜日と期間には予約できる日がありません。",
            "No open date matches those weekdays and dates.",
        ),
    )
}

// ---- reading

#[derive(Deserialize, IntoParams)]
pub struct RangeQuery {
    /// From this local date (default: today).
    from: Option<String>,
    /// To this local date, inclusive (default: 60 days after `from`).
    to: Option<String>,
}

/// The local dates asked for (default: today in Japan and the 60 days after).
fn date_range(q: &RangeQuery, now: chrono::DateTime<Utc>) -> ApiResult<(NaiveDate, NaiveDate)> {
    let from = match &q.from {
        Some(f) => parse_date("from", f)?,
        None => now.with_timezone(&chrono_tz::Asia::Tokyo).date_naive(),
    };
    let to = match &q.to {
        Some(t) => parse_date("to", t)?,
        None => from + Duration::days(60),
    };
    if to < from || (to - from).num_days() > 400 {
        return Err(invalid(
            "to",
            "validation.bad_range",
            Text::new(
                "期間は400日以内にしてください。",
                "Ask for at most 400 days.",
            ),
        ));
    }
    Ok((from, to))
}

/// My bookings whose local date lies in the range.
#[utoipa::path(get, path = "/api/v1/bookings", tag = "bookings", params(RangeQuery), responses((status = 200, body = [Booking])))]
async fn list_mine(
    State(st): State<AppState>,
    who: Principal,
    Query(q): Query<RangeQuery>,
) -> ApiResult<Json<Vec<Booking>>> {
    let (from, to) = date_range(&q, st.clock.now())?;
    // Sites' zones lie within a day of UTC: fetch with a day's margin, then keep the bookings
    // whose local date (in their own site's zone) is in range.
    let utc = |d: NaiveDate| d.and_time(NaiveTime::MIN).and_utc().timestamp();
    let rows = store::of_person(&st.db, who.id.0, utc(from) - 86400, utc(to) + 2 * 86400).await?;
    let list = rows
        .into_iter()
        .filter(|b| {
            b.date
                .parse::<NaiveDate>()
                .is_ok_and(|d| from <= d && d <= to)
        })
        .collect();
    Ok(Json(list))
}

#[derive(Deserialize, IntoParams)]
pub struct DayQuery {
    /// Local date, YYYY-MM-DD.
    date: String,
}

/// A site's bookings on a day (reception, caregivers, trainers, directors).
#[utoipa::path(get, path = "/api/v1/sites/{id}/bookings", tag = "bookings", params(("id" = i64, Path), DayQuery),
    responses((status = 200, body = [Booking])))]
async fn list_site(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<i64>,
    Query(q): Query<DayQuery>,
) -> ApiResult<Json<Vec<Booking>>> {
    who.require(
        site_id,
        &[
            Role::Reception,
            Role::Caregiver,
            Role::Trainer,
            Role::Director,
        ],
    )?;
    let date = parse_date("date", &q.date)?;
    let ctx = SiteContext::load(&st, site_id).await?;
    let (from, to) = ctx.schedule.day_bounds(date);
    Ok(Json(store::of_site(&st.db, site_id, from, to).await?))
}

/// A booking the caller may see and act on: their own, or any of a site they staff.
async fn visible(st: &AppState, who: &Principal, id: i64) -> ApiResult<(Booking, bool)> {
    let b = store::get(&st.db, id).await?.ok_or_else(not_found)?;
    let staff = who.has(b.site_id, &[Role::Reception, Role::Director]);
    if b.person_id == who.id.0 || staff {
        Ok((b, staff))
    } else {
        Err(not_found())
    }
}

/// One booking.
#[utoipa::path(get, path = "/api/v1/bookings/{id}", tag = "bookings", params(("id" = i64, Path)),
    responses((status = 200, body = Booking), (status = 404)))]
async fn get_booking(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Booking>> {
    Ok(Json(visible(&st, &who, id).await?.0))
}

fn started(b: &Booking, now: chrono::DateTime<Utc>) -> bool {
    chrono::DateTime::parse_from_rfc3339(&b.starts_at).is_ok_and(|s| s <= now)
}

fn not_changeable() -> ApiError {
    ApiError::conflict(
        "booking.not_changeable",
        Text::new(
            "開始済み、またはキャンセル済みの予約は変更できません。",
            "This booking has started or is no longer active, so it cannot be changed.",
        ),
    )
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequest {
    date: Option<String>,
    start: Option<String>,
    end: Option<String>,
    space_id: Option<i64>,
}

/// Moves a booking to another time or space (before it starts). Childcare places tied to it
/// move with it (kept within it, the ratio checked), or the move is refused.
#[utoipa::path(patch, path = "/api/v1/bookings/{id}", tag = "bookings", params(("id" = i64, Path)), request_body = ChangeRequest,
    responses((status = 200, body = Booking), (status = 409, description = "booking.overlap, booking.not_changeable, booking.childcare_does_not_fit, booking.childcare_in_room, childcare.child_overlap")))]
async fn change(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(req): Json<ChangeRequest>,
) -> ApiResult<Json<Booking>> {
    let (b, _) = visible(&st, &who, id).await?;
    let now = st.clock.now();
    if b.status != "active" || started(&b, now) {
        return Err(not_changeable());
    }
    let date = parse_date("date", req.date.as_deref().unwrap_or(&b.date))?;
    let start = parse_time("start", req.start.as_deref().unwrap_or(&b.start))?;
    let end = parse_time("end", req.end.as_deref().unwrap_or(&b.end))?;
    let ctx = SiteContext::load(&st, b.site_id).await?;
    let (from, to) = rules::check(&ctx.schedule, &ctx.policy, now, date, start, end)
        .map_err(|r| ctx.refuse(r, date, start))?;
    let space = sites::store::space_by_id(&st.db, req.space_id.unwrap_or(b.space_id)).await?;
    super::bookable(&space, b.site_id)?;
    let (f, t) = (from.timestamp(), to.timestamp());
    let epoch = |s: &str| chrono::DateTime::parse_from_rfc3339(s).map(|t| t.timestamp());
    let old = (
        epoch(&b.starts_at).map_err(anyhow::Error::from)?,
        epoch(&b.ends_at).map_err(anyhow::Error::from)?,
    );
    // Read before the transaction: a pool read while holding one could wait for itself.
    let cc = crate::childcare::store::settings(&st.db, b.site_id).await?;
    let mut tx = st.db.begin().await?;
    store::lock_for_booking(&mut tx, b.site_id, b.person_id).await?;
    if space.kind == SpaceKind::Desk {
        super::check_daily_limit(&mut tx, &ctx, b.person_id, from, t - f, b.id).await?;
    }
    let taken = store::taken_seats(&mut tx, b.site_id, f, t, b.id).await?;
    let free = |seat: i64| !taken.contains(&(space.id.0, seat));
    let seat = if space.id.0 == b.space_id && free(b.seat) {
        Some(b.seat)
    } else {
        (1..=space.capacity).find(|&s| free(s))
    };
    let Some(seat) = seat else {
        return Err(super::taken());
    };
    let moved = store::update(&mut tx, id, space.id.0, space.kind.as_str(), seat, f, t)
        .await
        .map_err(overlap_error)?;
    if !moved {
        return Err(not_changeable());
    }
    // Its childcare places go along, under the same site lock, or nothing moves.
    crate::childcare::move_places_of_booking(
        &st,
        &mut tx,
        id,
        cc.as_ref(),
        ctx.schedule.tz,
        old,
        (f, t),
    )
    .await?;
    tx.publish(crate::events::Event::BookingMoved {
        site_id: crate::ids::SiteId(b.site_id),
        booking_id: crate::ids::BookingId(id),
        person_id: crate::ids::PersonId(b.person_id),
    });
    notify::booking_changed(&st, &mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(store::get(&st.db, id).await?.ok_or_else(not_found)?))
}

#[derive(Deserialize, IntoParams)]
pub struct CancelQuery {
    /// When childcare places are tied to the booking: `cancel` them too, or `keep` them
    /// (where the site allows).
    childcare: Option<String>,
}

/// Cancels a booking: its worker until it starts, the site's staff at any time. The space is
/// free again at once. Childcare places tied to it are cancelled or kept as asked.
#[utoipa::path(post, path = "/api/v1/bookings/{id}/cancel", tag = "bookings", params(("id" = i64, Path), CancelQuery),
    responses((status = 200, body = Booking), (status = 409, description = "booking.not_changeable, booking.childcare_linked")))]
async fn cancel(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Query(q): Query<CancelQuery>,
) -> ApiResult<Json<Booking>> {
    let (b, staff) = visible(&st, &who, id).await?;
    let now = st.clock.now();
    if !matches!(b.status.as_str(), "active" | "checked_in") || (!staff && started(&b, now)) {
        return Err(not_changeable());
    }
    let linked = !crate::childcare::store::places_of_booking(&st.db.pool, id)
        .await?
        .is_empty();
    match (linked, q.childcare.as_deref()) {
        (false, _) => {}
        (true, Some("cancel")) => {}
        (true, Some("keep")) => {
            let keep = crate::childcare::store::settings(&st.db, b.site_id)
                .await?
                .is_some_and(|s| s.keep_on_desk_cancel);
            if !keep {
                return Err(ApiError::conflict(
                    "childcare.keep_not_allowed",
                    Text::new(
                        "この拠点では、席の予約を取り消すと託児の予約も取り消されます。",
                        "At this site a childcare place cannot stay without its desk booking.",
                    ),
                ));
            }
        }
        (true, _) => {
            return Err(ApiError::conflict(
                "booking.childcare_linked",
                Text::new(
                    "この予約には託児の予約があります。託児も取り消すか(childcare=cancel)、残すか(childcare=keep)を選んでください。",
                    "Childcare places are tied to this booking: choose childcare=cancel or childcare=keep.",
                ),
            ));
        }
    }
    // The desk and its places in one transaction: a failure leaves both as they were.
    let cancel_places = linked && q.childcare.as_deref() == Some("cancel");
    let cc = match cancel_places {
        true => crate::childcare::store::settings(&st.db, b.site_id).await?,
        false => None,
    };
    let mut tx = st.db.begin().await?;
    sites::store::lock(&mut tx, b.site_id).await?;
    for done in store::cancel(&mut tx, &[id], who.id.0, now.timestamp()).await? {
        tx.publish(crate::events::Event::BookingCancelled {
            site_id: crate::ids::SiteId(b.site_id),
            booking_id: crate::ids::BookingId(done),
            person_id: crate::ids::PersonId(b.person_id),
        });
        notify::booking_cancelled(&st, &mut tx, done, false).await?;
    }
    if cancel_places {
        crate::childcare::cancel_places_of_bookings(&st, &mut tx, &[id], b.site_id, cc.as_ref())
            .await?;
    }
    tx.commit().await?;
    Ok(Json(store::get(&st.db, id).await?.ok_or_else(not_found)?))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SeriesCancel {
    /// Cancel the occurrences on and after this local date (default: all that have not started).
    from: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Cancelled {
    cancelled: Vec<i64>,
}

/// Cancels a whole series, or its occurrences from a date on.
#[utoipa::path(post, path = "/api/v1/booking-series/{id}/cancel", tag = "bookings", params(("id" = i64, Path)), request_body = SeriesCancel,
    responses((status = 200, body = Cancelled), (status = 404)))]
async fn cancel_series(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(req): Json<SeriesCancel>,
) -> ApiResult<Json<Cancelled>> {
    let (person, site) = store::series_owner(&st.db, id)
        .await?
        .ok_or_else(not_found)?;
    let staff = who.has(site, &[Role::Reception, Role::Director]);
    if person != who.id.0 && !staff {
        return Err(not_found());
    }
    let from = req
        .from
        .as_deref()
        .map(|f| parse_date("from", f))
        .transpose()?;
    let now = st.clock.now();
    let ids: Vec<i64> = store::of_series(&st.db, id)
        .await?
        .into_iter()
        .filter(|b| b.status == "active" && !started(b, now))
        .filter(|b| from.is_none_or(|f| b.date >= f.to_string()))
        .map(|b| b.id)
        .collect();
    let cc = crate::childcare::store::settings(&st.db, site).await?;
    let mut tx = st.db.begin().await?;
    sites::store::lock(&mut tx, site).await?;
    let cancelled = store::cancel(&mut tx, &ids, who.id.0, now.timestamp()).await?;
    for done in &cancelled {
        tx.publish(crate::events::Event::BookingCancelled {
            site_id: crate::ids::SiteId(site),
            booking_id: crate::ids::BookingId(*done),
            person_id: crate::ids::PersonId(person),
        });
        notify::booking_cancelled(&st, &mut tx, *done, false).await?;
    }
    // A series' childcare places go with it.
    crate::childcare::cancel_places_of_bookings(&st, &mut tx, &cancelled, site, cc.as_ref())
        .await?;
    tx.commit().await?;
    Ok(Json(Cancelled { cancelled }))
}

/// Checks a booking in (the site's reception and directors; the entrance kiosk does it on a
/// scan). Workers cannot check themselves in from elsewhere.
#[utoipa::path(post, path = "/api/v1/bookings/{id}/check-in", tag = "bookings", params(("id" = i64, Path)),
    responses((status = 200, body = Booking), (status = 409, description = "booking.released, booking.too_early, ...")))]
async fn check_in(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Booking>> {
    let (b, staff) = visible(&st, &who, id).await?;
    if !staff {
        return Err(ApiError::forbidden());
    }
    let now = st.clock.now();
    let starts = chrono::DateTime::parse_from_rfc3339(&b.starts_at).map_err(anyhow::Error::from)?;
    let ends = chrono::DateTime::parse_from_rfc3339(&b.ends_at).map_err(anyhow::Error::from)?;
    match b.status.as_str() {
        "no_show" => {
            return Err(ApiError::conflict(
                "booking.released",
                Text::new(
                    "チェックインがなかったため、この予約は解放されました。",
                    "This booking was released because nobody checked in.",
                ),
            ));
        }
        "active" => {}
        _ => return Err(not_changeable()),
    }
    let early = sites::store::get(&st.db, b.site_id)
        .await?
        .check_in_early_minutes;
    if !rules::check_in_open(
        now.timestamp(),
        starts.timestamp(),
        ends.timestamp(),
        early * 60,
    ) {
        return Err(ApiError::conflict(
            "booking.not_now",
            Text::new(
                format!("チェックインは開始{early}分前から終了までです。"),
                format!("Check-in opens {early} minutes before the start and closes at the end."),
            ),
        ));
    }
    store::check_in(&st.db.pool, id, now.timestamp()).await?;
    Ok(Json(store::get(&st.db, id).await?.ok_or_else(not_found)?))
}

// ---- calendar feed

#[derive(Serialize, ToSchema)]
pub struct FeedUrl {
    /// The private address to subscribe to; anyone with it can read the calendar.
    url: String,
}

/// Makes my private calendar-feed address (a new one replaces the old, which stops working).
#[utoipa::path(post, path = "/api/v1/me/calendar-feed", tag = "bookings", responses((status = 201, body = FeedUrl)))]
async fn new_feed(
    State(st): State<AppState>,
    who: Principal,
) -> ApiResult<(StatusCode, Json<FeedUrl>)> {
    let token = password::new_token();
    store::set_feed(
        &st.db,
        who.id.0,
        &password::token_hash(&token),
        st.clock.epoch(),
    )
    .await?;
    let url = format!("{}/api/v1/calendar/{token}.ics", st.config.base_url());
    Ok((StatusCode::CREATED, Json(FeedUrl { url })))
}

/// Revokes my calendar feed.
#[utoipa::path(delete, path = "/api/v1/me/calendar-feed", tag = "bookings", responses((status = 204), (status = 404)))]
async fn revoke_feed(State(st): State<AppState>, who: Principal) -> ApiResult<StatusCode> {
    if store::delete_feed(&st.db, who.id.0).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("カレンダー", "Calendar feed"))
    }
}

/// A worker's bookings as an iCalendar feed (the token in the address is the credential).
#[utoipa::path(get, path = "/api/v1/calendar/{file}", tag = "bookings", security(()), params(("file" = String, Path, description = "TOKEN.ics")),
    responses((status = 200, description = "text/calendar"), (status = 404)))]
async fn feed(State(st): State<AppState>, Path(file): Path<String>) -> ApiResult<Response> {
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    let person = store::feed_owner(&st.db, &password::token_hash(token))
        .await?
        .ok_or_else(|| ApiError::not_found("カレンダー", "Calendar feed"))?;
    let now = st.clock.epoch();
    let mut bookings =
        store::of_person(&st.db, person, now - 30 * 86400, now + 400 * 86400).await?;
    // Several calendar apps keep showing STATUS:CANCELLED events of a subscribed feed: a
    // cancelled or released booking leaves the feed (its e-mail carries METHOD:CANCEL).
    bookings.retain(|b| matches!(b.status.as_str(), "active" | "checked_in"));
    let body = super::ics::calendar(&bookings, &st.config.base_url(), None, None);
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        body,
    )
        .into_response())
}
