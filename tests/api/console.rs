//! The endpoints the director's console needs beyond the areas' own (issue 21): searching
//! people a page at a time, within what the caller manages.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::Value;

on_both_backends!(people_are_searched_a_page_at_a_time_within_ones_sites);

fn emails(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["email"].as_str().unwrap())
        .collect()
}

async fn people_are_searched_a_page_at_a_time_within_ones_sites(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    let search = |q: &str| format!("/api/v1/persons/search?site_id=1&{q}");
    // By kana, by kanji, by a member number typed full-width.
    let page: Value = director.get(&search("q=サトウ")).send_json().await;
    assert_eq!(emails(&page), ["worker01@kado.example"]);
    let page: Value = director
        .get(&search("q=%E4%BD%90%E8%97%A4"))
        .send_json()
        .await;
    assert_eq!(emails(&page), ["worker01@kado.example"], "佐藤");
    let page: Value = director
        .get(&search("q=%EF%BC%AB-%EF%BC%90%EF%BC%90%EF%BC%90%EF%BC%92"))
        .send_json()
        .await;
    assert_eq!(emails(&page), ["worker02@kado.example"], "Ｋ-０００２");
    // Paging: the workers of the site, 10 at a time, the total each time.
    let first: Value = director
        .get(&search("role=worker&limit=10"))
        .send_json()
        .await;
    let third: Value = director
        .get(&search("role=worker&limit=10&offset=20"))
        .send_json()
        .await;
    assert_eq!(first["total"], third["total"]);
    let total = first["total"].as_u64().unwrap();
    assert!(total >= 24, "{total}");
    assert_eq!(first["items"].as_array().unwrap().len(), 10);
    assert_eq!(third["items"].as_array().unwrap().len() as u64, total - 20);
    let res = director.get(&search("limit=0")).sent().await;
    problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    // Another site's director finds none of them; a worker searches nobody.
    let omachi = app.login_as(OMACHI_DIRECTOR).await;
    let res = omachi.get(&search("q=サトウ")).sent().await;
    problem(res, StatusCode::FORBIDDEN, "auth.forbidden").await;
    let page: Value = omachi
        .get("/api/v1/persons/search?q=worker01")
        .send_json()
        .await;
    assert_eq!(page["total"], 0);
    let res = app
        .login_as(WORKER)
        .await
        .get("/api/v1/persons/search")
        .sent()
        .await;
    problem(res, StatusCode::FORBIDDEN, "auth.forbidden").await;
}
