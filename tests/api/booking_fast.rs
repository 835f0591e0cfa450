//! A booking's short write under the site lock (issue 13): the person's limits in one
//! statement, the answer and the confirmation composed from the values written, and no
//! savepoint around the insert.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::{TimeZone, Utc};
use kado::booking::store;
use kado::ids::{BookingId, PersonId, SiteId, SpaceId};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    person_load_in_one_statement,
    answers_are_what_a_read_answers,
    series_skips_a_desk_held_elsewhere,
    a_refused_insert_leaves_the_transaction_usable,
    a_space_changed_since_it_was_read_takes_no_seat
);

/// 2026-11-24 in Tokyo, as UTC seconds: [00:00, 24:00).
const DAY: (i64, i64) = (1_795_446_000, 1_795_532_400);

/// An hour of a Shiojiri desk's `seat` from `from`, booked by `me` for themself.
fn desk_hour(me: i64, desk: i64, seat: i64, from: i64) -> store::NewBooking {
    store::NewBooking {
        site_id: SiteId(SHIOJIRI),
        space_id: SpaceId(desk),
        space_kind: kado::sites::SpaceKind::Desk,
        seat,
        person_id: PersonId(me),
        series_id: None,
        starts_at: from,
        ends_at: from + 3600,
        created_by: PersonId(me),
        now: DAY.0,
    }
}

async fn post(c: &User, path: &str, body: Value) -> (StatusCode, Value) {
    let res = c.post(path).json(&body).sent().await;
    (res.status(), res.json().await.unwrap())
}

async fn person_load_in_one_statement(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    let me = app.person_id(WORKER).await;
    let [d01, room] = app.space_ids(SHIOJIRI, ["D-01", "R-04"]).await;
    let made = worker
        .booked(&desk(d01, "2026-11-24", "09:00", "11:00"))
        .await;
    let id = made["booking"]["id"].as_i64().unwrap();
    worker
        .booked(&desk(room, "2026-11-24", "10:00", "12:00"))
        .await;
    let now = Utc
        .with_ymd_and_hms(2026, 11, 20, 0, 0, 0)
        .unwrap()
        .timestamp();
    let ten = DAY.0 + 10 * 3600;
    // The load alone, and with the site's seats held over the range: the same load.
    let site = store::Seats::Site(SiteId(SHIOJIRI));
    let load = |except: i64, range: (i64, i64), scope: store::Seats| {
        let db = app.db.clone();
        async move {
            let mut tx = db.begin().await.unwrap();
            let of = store::Load {
                person_id: PersonId(me),
                day: DAY,
                now,
                range,
                except: BookingId(except),
            };
            let alone = store::person_load(&mut tx, of).await.unwrap();
            let (l, mut seats) = store::load_and_seats(&mut tx, of, scope).await.unwrap();
            let same = (l.desk_minutes, l.active, l.desk_overlaps);
            assert_eq!(
                same,
                (alone.desk_minutes, alone.active, alone.desk_overlaps)
            );
            seats.sort();
            (l, seats)
        }
    };
    // The room seat counts as a booking held, not as desk time nor as a desk overlap.
    let (l, seats) = load(0, (ten, ten + 3600), site).await;
    assert_eq!((l.desk_minutes, l.active, l.desk_overlaps), (120, 2, 1));
    assert_eq!(seats, [(SpaceId(d01), 1), (SpaceId(room), 1)]);
    // A booking that names its space reads that space's seats only.
    let (_, seats) = load(0, (ten, ten + 3600), store::Seats::Space(SpaceId(room))).await;
    assert_eq!(seats, [(SpaceId(room), 1)]);
    // 11:00-12:00 only touches the room: back to back is no overlap.
    let (l, seats) = load(0, (ten + 3600, ten + 7200), site).await;
    assert_eq!((l.desk_minutes, l.active, l.desk_overlaps), (120, 2, 0));
    assert_eq!(seats, [(SpaceId(room), 1)]);
    // The booking being moved is left out of the minutes, the overlaps and the seats.
    let (l, seats) = load(id, (ten, ten + 3600), site).await;
    assert_eq!((l.desk_minutes, l.active, l.desk_overlaps), (0, 2, 0));
    assert_eq!(seats, [(SpaceId(room), 1)]);
    // Once both have ended, nothing is held; another day's desk time does not count.
    let of = store::Load {
        person_id: PersonId(me),
        day: (DAY.1, DAY.1 + 86400),
        now: DAY.1,
        range: (DAY.1 + 3600, DAY.1 + 7200),
        except: BookingId(0),
    };
    let later = store::person_load(&mut app.db.begin().await.unwrap(), of)
        .await
        .unwrap();
    assert_eq!(
        (later.desk_minutes, later.active, later.desk_overlaps),
        (0, 0, 0)
    );
}

/// The 201 answers are composed from the values written, not read back: they must be what
/// a read answers, and the confirmation must name the booking.
async fn answers_are_what_a_read_answers(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    let d03 = app.space_id(SHIOJIRI, "D-03").await;
    let made = worker
        .booked(&desk(d03, "2026-11-24", "09:00", "13:00"))
        .await;
    let id = made["booking"]["id"].as_i64().unwrap();
    let read = worker
        .get(&format!("/api/v1/bookings/{id}"))
        .send_json()
        .await;
    assert_eq!(made["booking"], read);
    let (status, series) = post(
        &worker,
        "/api/v1/booking-series",
        json!({"site_id": SHIOJIRI, "weekdays": ["wed", "thu"], "start": "14:00", "end": "16:00",
               "from": "2026-11-25", "count": 3, "attributes": [], "mode": "all_or_nothing"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{series}");
    let booked = series["booked"].as_array().unwrap();
    assert_eq!(booked.len(), 3);
    for b in booked {
        let read = worker
            .get(&format!("/api/v1/bookings/{}", b["id"]))
            .send_json()
            .await;
        assert_eq!(*b, read);
    }
    let kinds: Vec<(String, String)> =
        sqlx::query_as("SELECT kind, to_email FROM outbox ORDER BY id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        kinds,
        vec![
            ("booking_confirmed".to_string(), WORKER.to_string()),
            ("booking_confirmed".to_string(), WORKER.to_string())
        ]
    );
    let text: String = sqlx::query_scalar("SELECT body_text FROM outbox ORDER BY id LIMIT 1")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(text.contains("D-03"), "{text}");
}

/// A series date on which the worker already has a desk is a conflict of that date; the
/// others are booked in the same transaction (on PostgreSQL no refused insert may abort it).
async fn series_skips_a_desk_held_elsewhere(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    let [d01, d02] = app.space_ids(SHIOJIRI, ["D-01", "D-02"]).await;
    worker
        .booked(&desk(d01, "2026-11-25", "10:00", "11:00"))
        .await;
    let (status, series) = post(
        &worker,
        "/api/v1/booking-series",
        json!({"site_id": SHIOJIRI, "weekdays": ["tue", "wed", "thu"], "start": "09:00", "end": "12:00",
               "from": "2026-11-24", "count": 3, "space_id": d02, "mode": "skip_conflicts"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{series}");
    let dates = strings(&series["booked"], "date");
    assert_eq!(dates, ["2026-11-24", "2026-11-26"]);
    assert_eq!(series["conflicts"][0]["date"], "2026-11-25");
    assert_eq!(series["conflicts"][0]["code"], "booking.person_overlap");
}

/// Without a savepoint, a double booking that reached the insert all the same is refused by
/// the database and the transaction goes on (PostgreSQL: no row; SQLite: the trigger's error
/// backs out the statement only).
async fn a_refused_insert_leaves_the_transaction_usable(b: Backend) {
    let app = TestApp::spawn(b).await;
    let me = app.person_id(WORKER).await;
    let d04 = app.space_id(SHIOJIRI, "D-04").await;
    let new = |seat_from: i64| desk_hour(me, d04, 1, seat_from);
    let mut tx = app.db.begin().await.unwrap();
    let first = store::insert_free(&mut tx, &new(DAY.0 + 36000))
        .await
        .unwrap();
    assert!(first.is_some());
    let again = store::insert_free(&mut tx, &new(DAY.0 + 37800)).await;
    match b {
        Backend::Postgres => assert_eq!(again.unwrap(), None),
        Backend::Sqlite => assert!(
            again
                .unwrap_err()
                .to_string()
                .contains("bookings_no_overlap"),
            "the trigger refuses it"
        ),
    }
    let later = store::insert_free(&mut tx, &new(DAY.0 + 39600))
        .await
        .unwrap();
    assert!(later.is_some(), "back to back, in the same transaction");
    tx.commit().await.unwrap();
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM bookings WHERE space_id = $1 AND starts_at >= $2 AND starts_at < $3",
    )
    .bind(d04)
    .bind(DAY.0)
    .bind(DAY.1)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(n, 2);
}

/// A booking of one named space holds no site lock, so a director may change the space
/// between the booking's read of it and its write: under the space's lock the write finds the
/// space as it is now and takes no seat that the space no longer has.
async fn a_space_changed_since_it_was_read_takes_no_seat(b: Backend) {
    let app = TestApp::spawn(b).await;
    let me = app.person_id(WORKER).await;
    let d06 = app.space_id(SHIOJIRI, "D-06").await;
    let desk_seat = |seat: i64| desk_hour(me, d06, seat, DAY.0 + 36000);
    let write = |change: &'static str, seat: i64| {
        let db = app.db.clone();
        async move {
            let mut tx = db.begin().await.unwrap();
            sqlx::query(change)
                .bind(d06)
                .execute(&mut *tx)
                .await
                .unwrap();
            let made = store::insert_free(&mut tx, &desk_seat(seat)).await.unwrap();
            tx.rollback().await.unwrap();
            made
        }
    };
    let unchanged = "UPDATE spaces SET name = name WHERE id = $1";
    assert_eq!(
        write("UPDATE spaces SET active = 0 WHERE id = $1", 1).await,
        None
    );
    assert_eq!(
        write("UPDATE spaces SET kind = 'room' WHERE id = $1", 1).await,
        None
    );
    assert_eq!(write(unchanged, 2).await, None, "a desk has one seat");
    assert!(write(unchanged, 1).await.is_some());
}
