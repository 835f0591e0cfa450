//! Searching and paging the console's lists (issue 21): teams and clients (with their
//! projects) by name, any case and width, a page at a time with the total; a limit over the
//! cap of 200 is refused (422, the field's code validation.out_of_range), not clamped; who
//! may search where.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    teams_are_searched_and_paged,
    clients_are_searched_by_their_or_their_projects_names,
    console_search_bounds_and_roles,
);

fn names(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect()
}

async fn teams_are_searched_and_paged(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    for i in 0..25 {
        let res = director
            .post("/api/v1/sites/1/teams")
            .json(&json!({"name": format!("Paged Team {i:02}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let search = |q: &str| format!("/api/v1/sites/1/teams/search?{q}");
    // Any case, full-width letters, every word.
    let page: Value = director
        .get(&search("q=paged%20TEAM&limit=10"))
        .send_json()
        .await;
    assert_eq!(page["total"], 25);
    assert_eq!(page["offset"], 0);
    assert_eq!(page["items"].as_array().unwrap().len(), 10);
    assert_eq!(names(&page)[0], "Paged Team 00");
    let page: Value = director
        .get(&search("q=%EF%BC%B0aged%2007"))
        .send_json()
        .await;
    assert_eq!(names(&page), ["Paged Team 07"], "Ｐaged 07");
    // The last page is short; past the end is empty with the same total.
    let page: Value = director
        .get(&search("q=paged&limit=10&offset=20"))
        .send_json()
        .await;
    assert_eq!(
        names(&page),
        [
            "Paged Team 20",
            "Paged Team 21",
            "Paged Team 22",
            "Paged Team 23",
            "Paged Team 24"
        ]
    );
    let page: Value = director
        .get(&search("q=paged&offset=1000"))
        .send_json()
        .await;
    assert_eq!((page["total"].as_u64(), names(&page).len()), (Some(25), 0));
    // Without q: every team of the site, the demo's too.
    let all: Value = director.get(&search("limit=200")).send_json().await;
    assert!(all["total"].as_u64().unwrap() >= 25);
    let page: Value = director.get(&search("q=nothing-like-it")).send_json().await;
    assert_eq!((page["total"].as_u64(), names(&page).len()), (Some(0), 0));
}

async fn clients_are_searched_by_their_or_their_projects_names(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    for (client, projects) in [
        ("Alpine Data KK", vec!["Road survey", "Map tiles"]),
        ("Azusa Print KK", vec!["Catalogue layout"]),
        ("ブドウ農園", vec!["ラベル作成"]),
    ] {
        let c: Value = director
            .post("/api/v1/sites/1/clients")
            .json(&json!({"name": client}))
            .send_json()
            .await;
        for p in projects {
            let res = director
                .post(&format!("/api/v1/clients/{}/projects", c["id"]))
                .json(&json!({"name": p}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::CREATED);
        }
    }
    let search = |q: &str| format!("/api/v1/sites/1/clients/search?{q}");
    let page: Value = director.get(&search("q=ALPINE")).send_json().await;
    assert_eq!(names(&page), ["Alpine Data KK"]);
    let projects: Vec<&str> = page["items"][0]["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(projects, ["Map tiles", "Road survey"]);
    // A project's name finds its client.
    let page: Value = director.get(&search("q=catalogue")).send_json().await;
    assert_eq!(names(&page), ["Azusa Print KK"]);
    let page: Value = director
        .get(&search("q=%E3%83%A9%E3%83%99%E3%83%AB"))
        .send_json()
        .await;
    assert_eq!(names(&page), ["ブドウ農園"], "ラベル");
    // Paging: one at a time, the total each time.
    let page: Value = director
        .get(&search("q=kk&limit=1&offset=1"))
        .send_json()
        .await;
    assert_eq!(page["total"], 2, "{page}");
    assert_eq!(names(&page), ["Azusa Print KK"]);
}

async fn console_search_bounds_and_roles(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    for path in [
        "/api/v1/sites/1/teams/search",
        "/api/v1/sites/1/clients/search",
    ] {
        for bad in ["limit=201", "limit=0"] {
            let res = director.get(&format!("{path}?{bad}")).send().await.unwrap();
            let p = problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
            assert_eq!(p["errors"][0]["field"], "limit", "{path}?{bad}");
            assert_eq!(p["errors"][0]["code"], "validation.out_of_range");
        }
        let long = "x".repeat(201);
        let res = director
            .get(&format!("{path}?q={long}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        let res = director
            .get(&format!("{path}?limit=200"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}: 200 is the cap");
        // Another site's director sees neither.
        let omachi = app.login_as(OMACHI_DIRECTOR).await;
        let res = omachi.get(path).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
    }
    // The site's teams are for anyone with a role there; its clients for its directors.
    let worker = app.login_as(WORKER).await;
    let res = worker
        .get("/api/v1/sites/1/teams/search")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = worker
        .get("/api/v1/sites/1/clients/search")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let admin = app.login_as(ADMIN).await;
    let res = admin
        .get("/api/v1/sites/1/clients/search")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
