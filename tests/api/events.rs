//! Domain events: delivered after commit only, to every instance on one PostgreSQL database,
//! and still after the listener's connection was killed.

use crate::harness::{Backend, SHIOJIRI, TestApp, WORKER};
use crate::on_both_backends;
use kado::events::Event;
use kado::ids::{BookingId, PersonId, SiteId, SpaceId};
use std::time::Duration;
use tokio::sync::broadcast::Receiver;

on_both_backends!(
    events_of_uncommitted_transactions_are_never_delivered,
    every_instance_receives_every_event_once,
    the_listener_comes_back_after_its_connection_is_killed,
    many_commits_at_once_arrive_all_in_commit_order,
    booking_and_cancelling_publish_what_happened,
);

fn space(n: i64) -> Event {
    Event::SpaceChanged {
        site_id: SiteId(SHIOJIRI),
        space_id: SpaceId(n),
    }
}

/// Publishes an event in a transaction of this instance, and commits.
async fn commit(app: &TestApp, event: Event) {
    let mut tx = app.db.begin().await.unwrap();
    tx.publish(event);
    tx.commit().await.unwrap();
}

/// The next event delivered (PostgreSQL brings it back through the listener).
async fn next(events: &mut Receiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(20), events.recv())
        .await
        .expect("an event was delivered")
        .expect("the subscriber kept up")
}

async fn events_of_uncommitted_transactions_are_never_delivered(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut events = app.db.subscribe();
    let mut rolled_back = app.db.begin().await.unwrap();
    rolled_back.publish(space(1));
    rolled_back.rollback().await.unwrap();
    let mut dropped = app.db.begin().await.unwrap();
    dropped.publish(space(2));
    drop(dropped);
    let mut committed = app.db.begin().await.unwrap();
    committed.publish(space(3));
    committed.publish(space(4));
    committed.commit().await.unwrap();
    // In commit order, so the rolled-back and dropped ones would have come first.
    assert_eq!(next(&mut events).await, space(3));
    assert_eq!(next(&mut events).await, space(4));
    commit(&app, space(5)).await;
    assert_eq!(
        next(&mut events).await,
        space(5),
        "nothing late, nothing twice"
    );
}

async fn every_instance_receives_every_event_once(backend: Backend) {
    let first = TestApp::spawn(backend).await;
    // SQLite serves one instance: its events stay in the process.
    let second = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(TestApp::spawn_on(&first.database_url).await),
    };
    let apps: Vec<&TestApp> = std::iter::once(&first).chain(second.as_ref()).collect();
    let mut subscribers: Vec<_> = apps.iter().map(|app| app.db.subscribe()).collect();
    for (n, app) in (1..).zip(&apps) {
        commit(app, space(n)).await;
        for events in &mut subscribers {
            assert_eq!(next(events).await, space(n));
        }
    }
    // The events went out once each: the next one each instance sees is a new one.
    commit(&first, space(100)).await;
    for events in &mut subscribers {
        assert_eq!(next(events).await, space(100));
    }
}

async fn the_listener_comes_back_after_its_connection_is_killed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut events = app.db.subscribe();
    commit(&app, space(1)).await;
    assert_eq!(next(&mut events).await, space(1));
    if backend == Backend::Postgres {
        let listener = listener_pid(&app, None).await;
        let killed: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
            .bind(listener)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert!(killed);
        // Events committed while no listener listens are lost (PostgreSQL keeps none):
        // wait for the new one before publishing.
        listener_pid(&app, Some(listener)).await;
    }
    commit(&app, space(2)).await;
    assert_eq!(next(&mut events).await, space(2));
    commit(&app, space(3)).await;
    assert_eq!(next(&mut events).await, space(3));
}

/// Commits from many tasks at once (on PostgreSQL their events queue up and leave in shared
/// NOTIFYs): the other instance receives each once, and each task's in its commit order.
async fn many_commits_at_once_arrive_all_in_commit_order(backend: Backend) {
    let first = TestApp::spawn(backend).await;
    let second = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(TestApp::spawn_on(&first.database_url).await),
    };
    let mut events = second.as_ref().unwrap_or(&first).db.subscribe();
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let db = first.db.clone();
            tokio::spawn(async move {
                for n in 0..25 {
                    let mut tx = db.begin().await.unwrap();
                    tx.publish(space(t * 1000 + n));
                    tx.commit().await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let mut last = [-1_i64; 8];
    for _ in 0..200 {
        let Event::SpaceChanged { space_id, .. } = next(&mut events).await else {
            panic!("only spaces changed");
        };
        let (t, n) = ((space_id.0 / 1000) as usize, space_id.0 % 1000);
        assert_eq!(
            n,
            last[t] + 1,
            "task {t}: in its commit order, none lost or twice"
        );
        last[t] = n;
    }
    assert_eq!(last, [24; 8]);
}

/// The backend of the app's event listener once it listens (another than `not`), waiting for
/// it for up to 20 s.
async fn listener_pid(app: &TestApp, not: Option<i32>) -> i32 {
    for _ in 0..400 {
        let pids: Vec<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity
             WHERE datname = current_database() AND state = 'idle' AND query LIKE 'LISTEN %'",
        )
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        match pids[..] {
            [pid] if Some(pid) != not => return pid,
            [_, _, ..] => panic!("one listener per instance, found {pids:?}"),
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    panic!("no event listener is listening");
}

async fn booking_and_cancelling_publish_what_happened(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Friday 2026-11-20, 09:00 in Shiojiri.
    app.clock
        .set(chrono::DateTime::from_timestamp(1_795_132_800, 0).unwrap());
    let mut events = app.db.subscribe();
    let worker = app.login(WORKER).await;
    let person_id = app.person_id(WORKER).await;
    let res = worker
        .post(app.url("/api/v1/bookings"))
        .json(&serde_json::json!({"site_id": SHIOJIRI, "date": "2026-11-24", "start": "09:00", "end": "13:00"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    let body: serde_json::Value = res.json().await.unwrap();
    let booking_id = body["booking"]["id"].as_i64().unwrap();
    let made = Event::BookingMade {
        site_id: SiteId(SHIOJIRI),
        booking_id: BookingId(booking_id),
        person_id: PersonId(person_id),
    };
    assert_eq!(next(&mut events).await, made);
    let res = worker
        .post(app.url(&format!("/api/v1/bookings/{booking_id}/cancel")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    let cancelled = Event::BookingCancelled {
        site_id: SiteId(SHIOJIRI),
        booking_id: BookingId(booking_id),
        person_id: PersonId(person_id),
    };
    assert_eq!(next(&mut events).await, cancelled);
}
