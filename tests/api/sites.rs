//! Sites, holidays and closed days in the site's local time, spaces, teams, clients.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    calendar_shows_holidays_and_closures_in_local_time,
    exceptions_open_a_holiday_and_close_a_normal_day,
    site_in_another_time_zone,
    director_manages_spaces_teams_and_clients,
    deactivate_instead_of_delete
);

async fn day(c: &User, site: i64, date: &str) -> Value {
    let days: Value = c
        .get(&format!(
            "/api/v1/sites/{site}/calendar?from={date}&to={date}"
        ))
        .send_json()
        .await;
    days[0].clone()
}

async fn calendar_shows_holidays_and_closures_in_local_time(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.login_as(WORKER).await;
    let holiday = day(&c, SHIOJIRI, "2026-11-23").await;
    assert_eq!(holiday["open"], false);
    assert_eq!(holiday["reason"], "holiday");
    assert_eq!(holiday["holiday_name"], "勤労感謝の日");
    let tuesday = day(&c, SHIOJIRI, "2026-11-24").await;
    assert_eq!(tuesday["open"], true);
    assert_eq!(tuesday["hours"], json!({"open": "08:30", "close": "18:00"}));
    let saturday = day(&c, SHIOJIRI, "2026-11-28").await;
    assert_eq!(
        saturday["hours"],
        json!({"open": "09:00", "close": "13:00"})
    );
    let sunday = day(&c, SHIOJIRI, "2026-11-29").await;
    assert_eq!(
        (sunday["open"].clone(), sunday["reason"].clone()),
        (json!(false), json!("weekly"))
    );
    let new_year: Value = c
        .get("/api/v1/sites/1/calendar?from=2026-12-28&to=2027-01-04")
        .send_json()
        .await;
    let open: Vec<bool> = new_year
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["open"].as_bool().unwrap())
        .collect();
    assert_eq!(open, [true, false, false, false, false, false, false, true]);
    assert_eq!(new_year[4]["holiday_name"], "元日");
    assert_eq!(new_year[4]["reason"], "annual_closure");
}

async fn exceptions_open_a_holiday_and_close_a_normal_day(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.login_as(DIRECTOR).await;
    let res = c
        .put("/api/v1/sites/1/exceptions/2026-11-23")
        .json(
            &json!({"open": true, "open_time": "10:00", "close_time": "15:00", "note": "特別開館"}),
        )
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let opened = day(&c, SHIOJIRI, "2026-11-23").await;
    assert_eq!(opened["open"], true);
    assert_eq!(opened["reason"], "exception_open");
    assert_eq!(opened["hours"], json!({"open": "10:00", "close": "15:00"}));
    let res = c
        .put("/api/v1/sites/1/exceptions/2026-11-25")
        .json(&json!({"open": false, "note": "設備点検"}))
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let closed = day(&c, SHIOJIRI, "2026-11-25").await;
    assert_eq!(
        (closed["open"].clone(), closed["note"].clone()),
        (json!(false), json!("設備点検"))
    );
    // A usually-closed Sunday cannot open without hours.
    c.put("/api/v1/sites/1/exceptions/2026-11-29")
        .json(&json!({"open": true}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    let list: Value = c.get("/api/v1/sites/1/exceptions").send_json().await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    let res = c
        .delete("/api/v1/sites/1/exceptions/2026-11-25")
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(day(&c, SHIOJIRI, "2026-11-25").await["open"], true);
    c.delete("/api/v1/sites/1/exceptions/2026-11-25")
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
}

async fn site_in_another_time_zone(b: Backend) {
    // A site keeps its local rules in its own zone: the kiosk reports open/closed by the
    // site's wall clock, never the machine's or UTC.
    let app = TestApp::spawn(b).await;
    app.set_site(ADMIN, 2, json!({"time_zone": "Pacific/Honolulu"}))
        .await;
    let registered: Value = app
        .login_as(OMACHI_DIRECTOR)
        .await
        .post("/api/v1/sites/2/kiosks")
        .json(&json!({"name": "入口"}))
        .send_json()
        .await;
    let k = app.guest();
    let paired: Value = k
        .post("/api/v1/kiosk/pair")
        .json(&json!({"code": registered["pairing_code"]}))
        .send_json()
        .await;
    let token = paired["token"].as_str().unwrap();
    // Tuesday 2026-11-24 20:00 UTC is 10:00 in Honolulu (open 9-17) and 05:00 Wednesday in Tokyo.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 24, 20, 0, 0).unwrap());
    let me: Value = k
        .get("/api/v1/kiosk/me")
        .bearer_auth(token)
        .send_json()
        .await;
    assert_eq!(me["open_now"], true, "{me}");
    assert_eq!(me["today"]["date"], "2026-11-24");
    assert!(
        me["local_time"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-24T10:00"),
        "{me}"
    );
    assert!(
        me["local_time"].as_str().unwrap().ends_with("-10:00"),
        "{me}"
    );
    // 2026-11-24 01:00 UTC is 15:00 on Monday 11/23 in Honolulu: a Japanese holiday, closed.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 24, 1, 0, 0).unwrap());
    let me: Value = k
        .get("/api/v1/kiosk/me")
        .bearer_auth(token)
        .send_json()
        .await;
    assert_eq!(me["open_now"], false);
    assert_eq!(me["today"]["reason"], "holiday");
}

async fn director_manages_spaces_teams_and_clients(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.login_as(DIRECTOR).await;
    let space: Value = c
        .post("/api/v1/sites/1/spaces")
        .json(&json!({"kind": "desk", "name": "D-41", "attributes": ["monitor", "window", "monitor"]}))
        .send_json().await;
    assert_eq!(space["attributes"], json!(["monitor", "window"]));
    assert_eq!(space["capacity"], 1);
    let id = space["id"].as_i64().unwrap();
    let patched: Value = c
        .patch(&format!("/api/v1/spaces/{id}"))
        .json(&json!({"name": "D-41A", "attributes": ["quiet_zone"]}))
        .send_json()
        .await;
    assert_eq!(
        (patched["name"].clone(), patched["attributes"].clone()),
        (json!("D-41A"), json!(["quiet_zone"]))
    );

    let worker = app.person_id(WORKER).await;
    let team: Value = c
        .post("/api/v1/sites/1/teams")
        .json(&json!({"name": "自治体業務", "leader_id": worker}))
        .send_json()
        .await;
    assert_eq!(team["leader_id"], worker);
    let omachi_worker = app.person_id(OMACHI_WORKER).await;
    c.post("/api/v1/sites/1/teams")
        .json(&json!({"name": "越境", "leader_id": omachi_worker}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    let res = c
        .patch(&format!("/api/v1/persons/{worker}"))
        .json(&json!({"team_id": team["id"]}))
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let teams: Value = c.get("/api/v1/sites/1/teams").send_json().await;
    let mine = find(&teams, "id", team["id"].clone());
    assert_eq!(mine["member_ids"], json!([worker]));

    let client: Value = c
        .post("/api/v1/sites/1/clients")
        .json(&json!({"name": "松本ソフト合同会社"}))
        .send_json()
        .await;
    let cid = client["id"].as_i64().unwrap();
    let desk_id: i64 =
        sqlx::query_scalar("SELECT id FROM spaces WHERE site_id = 1 AND name = 'D-01'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let p = c
        .post(&format!("/api/v1/clients/{cid}/projects"))
        .json(&json!({"name": "検証", "secure_room_id": desk_id}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    assert_eq!(p["errors"][0]["field"], "secure_room_id");
    let room_id: i64 =
        sqlx::query_scalar("SELECT id FROM spaces WHERE site_id = 1 AND name = 'R-03'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let project: Value = c
        .post(&format!("/api/v1/clients/{cid}/projects"))
        .json(&json!({"name": "検証", "secure_room_id": room_id}))
        .send_json()
        .await;
    assert_eq!(project["secure_room_id"], room_id);
    let projects: Value = c
        .get(&format!("/api/v1/clients/{cid}/projects"))
        .send_json()
        .await;
    assert_eq!(projects.as_array().unwrap().len(), 1);
}

async fn deactivate_instead_of_delete(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.login_as(ADMIN).await;
    app.set_site(ADMIN, 2, json!({"active": false})).await;
    // The ids of the sites `who` is listed.
    let listed = async |who: &str| -> Vec<i64> {
        let list = app
            .login_as(who)
            .await
            .get("/api/v1/sites")
            .send_json()
            .await;
        let rows = list.as_array().unwrap().iter();
        rows.map(|s| s["id"].as_i64().unwrap()).collect()
    };
    assert_eq!(
        listed(WORKER).await,
        [1],
        "inactive sites are hidden from non-admins"
    );
    assert_eq!(listed(ADMIN).await, [1, 2]);
    // From an audit: the list hid it, but its record, calendar and exceptions (with their
    // notes) answered anyone logged in. Now 404 as for an unknown site, but to administrators
    // and to the site's own people (its director, to open it again).
    let paths = [
        "/api/v1/sites/2".to_string(),
        "/api/v1/sites/2/calendar?from=2026-11-24&to=2026-11-30".to_string(),
        "/api/v1/sites/2/exceptions".to_string(),
    ];
    for path in &paths {
        app.login_as(WORKER)
            .await
            .get(path)
            .send_problem(StatusCode::NOT_FOUND, "not_found")
            .await;
        for who in [ADMIN, OMACHI_DIRECTOR] {
            let user = app.login_as(who).await;
            assert_eq!(
                user.get(path).send_status().await,
                StatusCode::OK,
                "{who} {path}"
            );
        }
    }
    assert!(listed(OMACHI_DIRECTOR).await.contains(&2));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sites WHERE active = 0")
            .await,
        1
    );
    let res = admin
        .patch("/api/v1/municipalities/5")
        .json(&json!({"active": false}))
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let p = admin
        .patch("/api/v1/municipalities/5")
        .json(&json!({"code": "202151"}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    assert_eq!(p["errors"][0]["code"], "validation.taken");
}
