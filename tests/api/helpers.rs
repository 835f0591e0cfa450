//! Typed helpers on the test app: clients that know who they are and where the app is, the
//! requests many tests make (book a desk, register a child, scan at the kiosk), and the facts
//! a test needs, created through the API instead of found in the demo data.

use crate::harness::{DIRECTOR, SHIOJIRI, SendJson, TestApp, problem};
use chrono::{DateTime, TimeZone, Utc};
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

/// Friday 2026-11-20, 09:00 in Tokyo (the coming Tuesday is 2026-11-24).
pub fn friday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap()
}

/// Tuesday 2026-11-24, 09:00 in Tokyo.
pub fn tuesday_nine() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap()
}

/// The e-mail of demo worker `n` (1-24 at Shiojiri, 25-30 at Omachi).
pub fn worker_email(n: u32) -> String {
    format!("worker{n:02}@kado.example")
}

/// A desk or room booking at Shiojiri on one space.
pub fn desk(space: i64, date: &str, start: &str, end: &str) -> Value {
    json!({"site_id": SHIOJIRI, "space_id": space, "date": date, "start": start, "end": end})
}

/// A booking of any free desk at Shiojiri.
pub fn any_desk(date: &str, start: &str, end: &str) -> Value {
    json!({"site_id": SHIOJIRI, "date": date, "start": start, "end": end, "attributes": []})
}

/// A child to register: (name, birth date, allergies).
pub type Child<'a> = (&'a str, &'a str, &'a str);

/// The demo caregivers of Shiojiri.
pub const CAREGIVER: &str = "caregiver@shiojiri.kado.example";
pub const CAREGIVER2: &str = "caregiver2@shiojiri.kado.example";

/// The `key` of every element of a JSON array, as strings (the fields or codes of a
/// problem's `errors`, the dates of a series).
pub fn strings<'a>(list: &'a Value, key: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| e[key].as_str().unwrap())
        .collect()
}

/// The element of a JSON array whose `key` is `value` (a space by id, a segment by start).
pub fn find<'a, T>(list: &'a Value, key: &str, value: T) -> &'a Value
where
    Value: PartialEq<T>,
{
    let found = list.as_array().unwrap().iter().find(|e| e[key] == value);
    found.unwrap_or_else(|| panic!("no {key} in {list}"))
}

/// A client with its own cookie jar that builds requests from paths of the app it belongs to.
#[derive(Clone)]
pub struct User {
    /// The raw client, for requests to another address (a second instance of the app).
    pub client: Client,
    base: String,
}

impl User {
    /// The absolute URL of a path of this app.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A request of any method to a path.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// A GET of a path.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(self.url(path))
    }

    /// A POST to a path.
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.client.post(self.url(path))
    }

    /// A PATCH of a path.
    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.client.patch(self.url(path))
    }

    /// A PUT to a path.
    pub fn put(&self, path: &str) -> RequestBuilder {
        self.client.put(self.url(path))
    }

    /// A DELETE of a path.
    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.client.delete(self.url(path))
    }

    /// Asks for a booking (a desk, a room seat, or any desk); answers whatever came back.
    pub async fn book(&self, body: &Value) -> Response {
        self.post("/api/v1/bookings").json(body).sent().await
    }

    /// Books, asserting 201 Created; answers the body (`booking`, `usual_desk`).
    pub async fn booked(&self, body: &Value) -> Value {
        self.post("/api/v1/bookings")
            .json(body)
            .send_created()
            .await
    }

    /// Asks for childcare places (with a desk, or within a booking); answers whatever came
    /// back.
    pub async fn book_places(&self, body: &Value) -> Response {
        self.post("/api/v1/childcare/bookings")
            .json(body)
            .sent()
            .await
    }

    /// Books childcare places, asserting 201 Created; answers the body.
    pub async fn placed(&self, body: &Value) -> Value {
        self.post("/api/v1/childcare/bookings")
            .json(body)
            .send_created()
            .await
    }

    /// Registers a child of this user, with no allergies; answers its id.
    pub async fn add_child(&self, name: &str, birth_date: &str) -> i64 {
        self.add_child_with(&(name, birth_date, "")).await
    }

    /// Registers a child of this user: (name, birth date, allergies); answers its id.
    pub async fn add_child_with(&self, child: &Child<'_>) -> i64 {
        let (name, birth_date, allergies) = child;
        self.post("/api/v1/children")
            .json(&json!({"name": name, "birth_date": birth_date, "allergies": allergies}))
            .send_json()
            .await["id"]
            .as_i64()
            .unwrap()
    }

    /// The ids of the children this user is a guardian of.
    pub async fn children(&self) -> Vec<i64> {
        let list = self.get("/api/v1/children").send_json().await;
        list.as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect()
    }

    /// The QR code this user's phone shows now.
    pub async fn qr_payload(&self) -> String {
        self.get("/api/v1/me/qr").send_json().await["payload"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Sets this user's kiosk PIN.
    pub async fn set_pin(&self, pin: &str) {
        let status = self
            .put("/api/v1/me/pin")
            .json(&json!({"pin": pin}))
            .send_status()
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "set PIN");
    }
}

/// A kiosk paired with the app: the device's client and its bearer token.
#[derive(Clone)]
pub struct Kiosk {
    pub user: User,
    pub token: String,
}

impl Kiosk {
    /// A POST to a path, as the paired device.
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.user.post(path).bearer_auth(&self.token)
    }

    /// Scans a credential now.
    pub async fn scan(&self, credential: &str) -> Response {
        self.post("/api/v1/kiosk/scan")
            .json(&json!({"credential": credential}))
            .sent()
            .await
    }

    /// Scans a credential now, asserting a refusal with this status and code; answers the
    /// problem.
    pub async fn refused(&self, credential: &str, status: StatusCode, code: &str) -> Value {
        problem(self.scan(credential).await, status, code).await
    }

    /// Scans a credential read at `at`, asserting a refusal with this status and code;
    /// answers the problem.
    pub async fn refused_at(
        &self,
        credential: &str,
        at: DateTime<Utc>,
        status: StatusCode,
        code: &str,
    ) -> Value {
        problem(self.scan_at(credential, at).await, status, code).await
    }

    /// Scans a credential that the device says it read at `at` (a delayed offline scan).
    pub async fn scan_at(&self, credential: &str, at: DateTime<Utc>) -> Response {
        self.post("/api/v1/kiosk/scan")
            .json(&json!({"credential": credential, "scanned_at": at.to_rfc3339()}))
            .sent()
            .await
    }
}

impl TestApp {
    /// A client logged in as the demo account with this e-mail.
    pub async fn login_as(&self, email: &str) -> User {
        User {
            client: self.login(email).await,
            base: self.base.clone(),
        }
    }

    /// A client logged in as demo worker `n`.
    pub async fn as_worker(&self, n: u32) -> User {
        self.login_as(&worker_email(n)).await
    }

    /// A client with its own cookie jar, not logged in.
    pub fn guest(&self) -> User {
        User {
            client: self.anonymous(),
            base: self.base.clone(),
        }
    }

    /// Demo worker `n` as the guardian of newly registered children: the
    /// fact a childcare test needs, made through the API. The worker must have no other
    /// children (the demo gives some to workers 1, 2, 4 and 7).
    pub async fn parent_of(&self, n: u32, children: &[Child<'_>]) -> (User, Vec<i64>) {
        let parent = self.as_worker(n).await;
        let mut ids = Vec::new();
        for child in children {
            ids.push(parent.add_child_with(child).await);
        }
        let mut all = parent.children().await;
        all.sort();
        assert_eq!(all, ids, "worker {n} has only these children");
        (parent, ids)
    }

    /// The id of the space with this name at a site.
    pub async fn space_id(&self, site: i64, name: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM spaces WHERE site_id = $1 AND name = $2")
            .bind(site)
            .bind(name)
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }

    /// Removes every caregiver shift: the demo's follow the real calendar, and a childcare
    /// test plans its own.
    pub async fn clear_shifts(&self) {
        sqlx::query("DELETE FROM caregiver_shifts")
            .execute(&self.db.pool)
            .await
            .unwrap();
    }

    /// Puts a Shiojiri caregiver on duty (a shift planned by the director); answers the
    /// shift's id.
    pub async fn on_duty(&self, caregiver: &str, date: &str, start: &str, end: &str) -> i64 {
        let person = self.person_id(caregiver).await;
        let shift = self
            .login_as(DIRECTOR)
            .await
            .post("/api/v1/sites/1/caregiver-shifts")
            .json(&json!({"person_id": person, "date": date, "start": start, "end": end}))
            .send_json()
            .await;
        shift["id"].as_i64().unwrap()
    }

    /// The ids of several spaces of a site, by name.
    pub async fn space_ids<const N: usize>(&self, site: i64, names: [&str; N]) -> [i64; N] {
        let mut ids = [0; N];
        for (id, name) in ids.iter_mut().zip(names) {
            *id = self.space_id(site, name).await;
        }
        ids
    }

    /// The Shiojiri demo kiosk, paired.
    pub async fn kiosk(&self) -> Kiosk {
        let user = self.guest();
        let paired = user
            .post("/api/v1/kiosk/pair")
            .json(&json!({"code": kado::demo::KIOSK_CODE}))
            .send_json()
            .await;
        let token = paired["token"].as_str().unwrap().to_string();
        Kiosk { user, token }
    }

    /// Changes a site's settings as this staff member (`{"max_hours_per_day": 4}`, ...),
    /// asserting 200 OK; answers the site.
    pub async fn set_site(&self, staff: &str, site: i64, change: Value) -> Value {
        let res = self
            .login_as(staff)
            .await
            .patch(&format!("/api/v1/sites/{site}"))
            .json(&change)
            .sent()
            .await;
        assert_eq!(res.status(), StatusCode::OK, "change site {site}");
        res.json().await.unwrap()
    }

    /// On PostgreSQL a second instance of the service on the same database (with the same
    /// time); on SQLite none.
    pub async fn second_instance(&self) -> Option<TestApp> {
        if !self.database_url.starts_with("postgres") {
            return None;
        }
        let second = TestApp::spawn_on(&self.database_url).await;
        second.clock.set(self.clock.now());
        Some(second)
    }

    /// The base URL that request `i` of a concurrent burst goes to: odd ones to the second
    /// instance when there is one.
    pub fn base_for(&self, second: &Option<TestApp>, i: usize) -> String {
        match (second, i % 2) {
            (Some(s), 1) => s.base.clone(),
            _ => self.base.clone(),
        }
    }
}

/// Requests sent at once (each in its own task), to see what the service answers under
/// concurrency.
#[derive(Default)]
pub struct Burst {
    tasks: Vec<tokio::task::JoinHandle<(StatusCode, String)>>,
}

impl Burst {
    /// Sends `body` to `path` as `user`, at the instance whose address is `base` (see
    /// `TestApp::base_for`).
    pub fn post(&mut self, user: &User, base: String, path: &str, body: Value) {
        let req = user.client.post(format!("{base}{path}")).json(&body);
        self.tasks.push(tokio::spawn(async move {
            let res = req.sent().await;
            let status = res.status();
            let body: Value = res.json().await.unwrap();
            let code = body["code"].as_str().unwrap_or_default().to_string();
            (status, code)
        }));
    }

    /// Every answer's status and code, in the order sent.
    pub async fn answers(self) -> Vec<(StatusCode, String)> {
        let mut all = Vec::new();
        for t in self.tasks {
            all.push(t.await.unwrap());
        }
        all
    }

    /// How many were created (201), asserting that every other answer was `refused` (its
    /// status and code); `what` names the burst in a failure.
    pub async fn created(self, refused: (StatusCode, &str), what: &str) -> usize {
        let mut created = 0;
        for (status, code) in self.answers().await {
            match status {
                StatusCode::CREATED => created += 1,
                _ => assert_eq!((status, code.as_str()), refused, "{what}"),
            }
        }
        created
    }
}

/// Sends a request and checks the answer, in one call.
pub trait Sending {
    /// The response, whatever its status.
    async fn sent(self) -> Response;
    /// The status only.
    async fn send_status(self) -> StatusCode;
    /// The JSON body, whatever the status.
    async fn send_body(self) -> Value;
    /// Asserts 201 Created; the JSON body.
    async fn send_created(self) -> Value;
    /// Asserts a problem+json answer with this status and code; answers the body.
    async fn send_problem(self, status: StatusCode, code: &str) -> Value;
}

impl Sending for RequestBuilder {
    async fn sent(self) -> Response {
        self.send().await.expect("request")
    }

    async fn send_status(self) -> StatusCode {
        self.sent().await.status()
    }

    async fn send_body(self) -> Value {
        self.sent().await.json().await.expect("JSON body")
    }

    async fn send_created(self) -> Value {
        let res = self.sent().await;
        let status = res.status();
        let body: Value = res.json().await.expect("JSON body");
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    async fn send_problem(self, status: StatusCode, code: &str) -> Value {
        problem(self.sent().await, status, code).await
    }
}

/// Polls every future together (the harness has no `futures` crate).
pub async fn futures_join_all<F>(fs: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = fs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// The Python the tests' readers run on: KADO_PYTHON, else the .venv scripts/setup makes (it
/// has aiosmtpd and openpyxl), else python3.
pub fn python() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("KADO_PYTHON") {
        return p.into();
    }
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python3");
    if venv.exists() {
        venv
    } else {
        "python3".into()
    }
}

/// A file read back by a real reader: `script` runs with the file's path as `sys.argv[1]`
/// (then `args`) and prints JSON, which is returned.
pub fn python_reads(bytes: &[u8], script: &str, args: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new(python())
        .arg("-c")
        .arg(script)
        .arg(&path)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
