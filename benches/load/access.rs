//! Secure rooms in the load benchmark (issue 20), with `--door-rate 50`: right after the
//! check-in rush, the first bench site gets a secure room whose project's roster (all the
//! site's workers, with NDAs; the roster is enough, no booking needed) is set through the API
//! as the administrator, a kiosk device paired as its door, and then door scans arrive at that
//! rate in an open loop, each worker entering then leaving: every scan is a full decision
//! (identify, roster, NDA, presence) and one append to the hash-chained audit trail.

use super::{MakeReq, Monitor, Phase, Shared, log, open_loop, send};
use anyhow::{Context, Result};
use serde_json::{Value, json};
use std::sync::Arc;

/// The phase's name in the report.
pub const DOOR: &str = "door reader: secure room decisions";

async fn call(sh: &Shared, method: reqwest::Method, path: &str, body: Value) -> Result<Value> {
    let res = sh
        .client
        .request(method, format!("{}{path}", sh.base(0)))
        .header("cookie", format!("kado_session={}", sh.fill.admin_session))
        .json(&body)
        .send()
        .await?;
    let status = res.status();
    let text = res.text().await?;
    anyhow::ensure!(status.is_success(), "{path}: {status} {text}");
    Ok(if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)?
    })
}

/// Sets up the first site's secure room and door; answers the door's token and the room.
pub(super) async fn door(sh: &Shared) -> Result<(String, i64)> {
    use reqwest::Method;
    let site = sh.fill.sites[0];
    let room = call(
        sh,
        Method::POST,
        &format!("/api/v1/sites/{site}/spaces"),
        json!({"kind": "secure_room", "name": "Bench secure room", "capacity": 40}),
    )
    .await?;
    let room = room["id"].as_i64().context("room id")?;
    let client = call(
        sh,
        Method::POST,
        &format!("/api/v1/sites/{site}/clients"),
        json!({"name": "Bench client"}),
    )
    .await?;
    let client = client["id"].as_i64().context("client id")?;
    let project = call(
        sh,
        Method::POST,
        &format!("/api/v1/clients/{client}/projects"),
        json!({"name": "Bench project"}),
    )
    .await?;
    let project = project["id"].as_i64().context("project id")?;
    call(
        sh,
        Method::PUT,
        &format!("/api/v1/secure-rooms/{room}"),
        json!({"project_ids": [project], "roster_enough": true}),
    )
    .await?;
    for w in 0..sh.fill.desks {
        let person = sh.fill.workers[w];
        call(
            sh,
            Method::POST,
            &format!("/api/v1/projects/{project}/roster"),
            json!({"person_id": person, "from": "2020-01-01"}),
        )
        .await?;
        call(
            sh,
            Method::POST,
            &format!("/api/v1/projects/{project}/ndas"),
            json!({"person_id": person, "signed_on": "2020-01-01", "document_ref": format!("NDA-{w}")}),
        )
        .await?;
    }
    let reg = call(
        sh,
        Method::POST,
        &format!("/api/v1/sites/{site}/kiosks"),
        json!({"name": "Bench door"}),
    )
    .await?;
    let paired = call(
        sh,
        Method::POST,
        "/api/v1/kiosk/pair",
        json!({"code": reg["pairing_code"]}),
    )
    .await?;
    call(
        sh,
        Method::PUT,
        &format!("/api/v1/kiosks/{}/door", reg["id"]),
        json!({"space_id": room}),
    )
    .await?;
    let token = paired["token"].as_str().context("door token")?.to_string();
    Ok((token, room))
}

/// The door phase at `rate` scans/s for `secs` (nothing when `rate` is 0).
pub async fn scenario(rate: f64, secs: f64, sh: &Arc<Shared>, mon: &Monitor, out: &mut Vec<Phase>) {
    if rate <= 0.0 {
        return;
    }
    let token = match door(sh).await {
        Ok((t, _)) => t,
        Err(e) => {
            log(format!("door reader: set-up failed: {e:#}"));
            return;
        }
    };
    let desks = sh.fill.desks;
    let make: MakeReq = {
        let (sh, token) = (sh.clone(), Arc::new(token));
        Arc::new(move |i| {
            let w = i % desks;
            let direction = if (i / desks).is_multiple_of(2) {
                "enter"
            } else {
                "leave"
            };
            let rb = sh
                .client
                .post(format!("{}/api/v1/door/scan", sh.base(i)))
                .bearer_auth(token.as_str())
                .json(&json!({"credential": sh.fill.payloads[w], "direction": direction}));
            Box::pin(send(rb, Some("code")))
        })
    };
    let n = (rate * secs) as usize;
    out.push(open_loop(DOOR, rate, n, make, mon).await);
}
