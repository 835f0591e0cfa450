//! The booking use cases publish what happened inside their transactions: a move, a
//! series' cancellation and a no-show release reach the subscribers after commit.

use crate::harness::*;
use crate::on_both_backends;
use chrono::{Duration, TimeZone, Utc};
use kado::events::Event;
use kado::ids::{BookingId, PersonId, SiteId};
use serde_json::json;
use tokio::sync::broadcast::Receiver;

on_both_backends!(moves_series_cancellations_and_releases_are_published);

async fn next(events: &mut Receiver<Event>) -> Event {
    tokio::time::timeout(std::time::Duration::from_secs(20), events.recv())
        .await
        .expect("an event was delivered")
        .expect("the subscriber kept up")
}

async fn moves_series_cancellations_and_releases_are_published(b: Backend) {
    let app = TestApp::spawn(b).await;
    // Friday 2026-11-20, 09:00 in Tokyo.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap());
    let worker = app.login(WORKER).await;
    let me = PersonId(app.person_id(WORKER).await);
    let site = SiteId(SHIOJIRI);
    let mut events = app.db.subscribe();
    let today = worker
        .post(app.url("/api/v1/bookings"))
        .json(&json!({"site_id": SHIOJIRI, "date": "2026-11-20", "start": "09:15", "end": "11:00"}))
        .send_json()
        .await;
    let today = BookingId(today["booking"]["id"].as_i64().unwrap());
    assert!(
        matches!(next(&mut events).await, Event::BookingMade { booking_id, .. } if booking_id == today)
    );
    let series = worker
        .post(app.url("/api/v1/booking-series"))
        .json(
            &json!({"site_id": SHIOJIRI, "weekdays": ["tue"], "start": "09:00", "end": "12:00",
            "from": "2026-11-24", "count": 2, "mode": "all_or_nothing"}),
        )
        .send_json()
        .await;
    let ids: Vec<BookingId> = series["booked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| BookingId(b["id"].as_i64().unwrap()))
        .collect();
    assert_eq!(ids.len(), 2);
    for id in &ids {
        let made = Event::BookingMade {
            site_id: site,
            booking_id: *id,
            person_id: me,
        };
        assert_eq!(next(&mut events).await, made);
    }
    worker
        .patch(app.url(&format!("/api/v1/bookings/{}", ids[0].0)))
        .json(&json!({"start": "10:00"}))
        .send_json()
        .await;
    let moved = Event::BookingMoved {
        site_id: site,
        booking_id: ids[0],
        person_id: me,
    };
    assert_eq!(next(&mut events).await, moved);
    let series_id = series["series_id"].as_i64().unwrap();
    worker
        .post(app.url(&format!("/api/v1/booking-series/{series_id}/cancel")))
        .json(&json!({}))
        .send_json()
        .await;
    for id in &ids {
        let cancelled = Event::BookingCancelled {
            site_id: site,
            booking_id: *id,
            person_id: me,
        };
        assert_eq!(next(&mut events).await, cancelled);
    }
    // Nobody checks into today's booking: after the grace period it is released.
    app.clock.advance(Duration::minutes(60));
    let released = kado::booking::release_no_shows(&app.state).await.unwrap();
    assert_eq!(released, [today]);
    let event = Event::BookingReleased {
        site_id: site,
        booking_id: today,
        person_id: me,
    };
    assert_eq!(next(&mut events).await, event);
}
