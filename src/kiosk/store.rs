//! SQL of the kiosk area: what a scan reads (two statements inside its transaction), its
//! scan log, and IC cards. Other areas' tables are only read here.

use crate::auth::{KioskDevice, KioskToken};
use crate::db::{Backend, Db, Tx};
use crate::error::ApiError;
use crate::ids::{BookingId, DeviceId, PersonId, SiteId};
use crate::sites::Site;
use crate::sites::rules::{Exception, Hours, Schedule};
use chrono::NaiveDate;

/// Who a scan names before it is verified: a person id (QR code, or a PIN already checked),
/// an IC card's keyed hash, or nothing known.
#[derive(Clone, Debug)]
pub enum Claim {
    Person(PersonId),
    Card(String),
    Nobody,
}

/// The person a scan names, as the scan's transaction found them.
#[derive(Clone, Debug)]
pub struct Person {
    pub id: PersonId,
    pub name: String,
    pub active: bool,
}

/// The kiosk, its site and the person scanned, read (and on PostgreSQL the person's row locked)
/// by the scan's first statement.
#[derive(Clone, Debug)]
pub struct Subject {
    /// The kiosk the token belongs to, and when it was last seen (written after the scan).
    pub device: KioskDevice,
    pub device_seen: Option<i64>,
    pub site: Site,
    pub schedule: Schedule,
    pub person: Option<Person>,
    pub credentials: crate::auth::credential::Credentials,
}

#[derive(sqlx::FromRow)]
struct SubjectRow {
    device_id: DeviceId,
    device_name: String,
    device_seen: Option<i64>,
    device_door: i64,
    #[sqlx(flatten)]
    site: crate::sites::store::SiteRow,
    person_id: Option<i64>,
    person_name: Option<String>,
    person_active: Option<i64>,
    qr_version: Option<i64>,
    card_serial: Option<i64>,
    pin_hash: Option<String>,
}

/// A stored value that cannot be read: an error naming the table, the row and the column.
fn corrupt(table: &str, id: i64, column: &str, e: impl std::fmt::Display) -> ApiError {
    anyhow::anyhow!("{table} row {id}: unreadable {column}: {e}").into()
}

impl SubjectRow {
    fn into_subject(self) -> Result<Subject, ApiError> {
        let site = self.site.site()?;
        let id = site.id.0;
        let mut v = crate::error::Validator::new();
        let (tz, weekly, annual_closures) = crate::sites::validate_site(&mut v, &site)
            .ok_or_else(|| corrupt("sites", id, "time_zone", &site.time_zone))?;
        let schedule = Schedule {
            tz,
            weekly,
            annual_closures,
            open_on_holidays: site.open_on_holidays,
            exceptions: Default::default(),
        };
        let person = match (self.person_id, self.person_name, self.person_active) {
            (Some(pid), Some(name), Some(active)) => Some(Person {
                id: PersonId(pid),
                name,
                active: active != 0,
            }),
            _ => None,
        };
        let defaults = crate::auth::credential::Credentials::default();
        Ok(Subject {
            device: KioskDevice {
                id: self.device_id,
                site_id: site.id,
                name: self.device_name,
                door: self.device_door != 0,
            },
            device_seen: self.device_seen,
            site,
            schedule,
            person,
            credentials: crate::auth::credential::Credentials {
                qr_version: self.qr_version.unwrap_or(defaults.qr_version),
                card_serial: self.card_serial.unwrap_or(defaults.card_serial),
                pin_hash: self.pin_hash,
            },
        })
    }
}

/// The scan's first statement: the kiosk the token belongs to (paired, not revoked) and its
/// site, the person the claim names (their row locked on PostgreSQL, so two scans of one
/// person run one after the other; SQLite's `BEGIN IMMEDIATE` already serialises them) and
/// their kiosk credentials. None: the token names no paired kiosk.
pub async fn subject(
    tx: &mut Tx,
    backend: Backend,
    token: &KioskToken,
    claim: &Claim,
) -> Result<Option<Subject>, ApiError> {
    let lock = match backend {
        Backend::Postgres => " FOR NO KEY UPDATE",
        Backend::Sqlite => "",
    };
    let (person, card) = match claim {
        Claim::Person(p) => (Some(p.0), None),
        Claim::Card(hash) => (None, Some(hash.clone())),
        Claim::Nobody => (None, None),
    };
    let row: Option<SubjectRow> = sqlx::query_as(&format!(
        "SELECT d.id AS device_id, d.name AS device_name, d.last_seen_at AS device_seen, d.door AS device_door,
                s.id, s.municipality_id, s.name_ja, s.name_en, s.time_zone, s.opening_hours,
                s.annual_closures, s.open_on_holidays, s.booking_window_days,
                s.no_show_grace_minutes, s.max_hours_per_day, s.max_active_bookings,
                s.allow_walk_in, s.check_in_early_minutes, s.reminder_hour,
                s.kiosk_offline_minutes, s.active,
                p.id AS person_id, p.name AS person_name, p.active AS person_active,
                c.qr_version, c.card_serial, c.pin_hash
         FROM kiosk_devices d
         JOIN sites s ON s.id = d.site_id
         LEFT JOIN (SELECT id, name, active FROM persons
                    WHERE id = COALESCE($2, (SELECT person_id FROM ic_cards
                                             WHERE card_hash = $3 AND revoked_at IS NULL)){lock}) p
                ON 1 = 1
         LEFT JOIN kiosk_credentials c ON c.person_id = p.id
         WHERE d.token_hash = $1 AND d.revoked_at IS NULL"
    ))
    .bind(&token.hash)
    .bind(person)
    .bind(card)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(SubjectRow::into_subject).transpose()
}

/// A live booking of the person at the kiosk's site today.
#[derive(Clone, Debug)]
pub struct TodayBooking {
    pub id: BookingId,
    pub starts: i64,
    pub ends: i64,
    pub checked_in: bool,
    pub space: String,
}

/// The person's open presence session (at whichever site).
#[derive(Clone, Copy, Debug)]
pub struct OpenSession {
    pub id: i64,
    pub site: SiteId,
    pub booking: Option<BookingId>,
}

/// What the scan decides from, read in one statement inside its transaction.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub bookings: Vec<TodayBooking>,
    pub session: Option<OpenSession>,
    /// Seconds at the site in sessions that began today, an open one counted up to now.
    pub present_secs: i64,
    /// The latest scan at the site that did something, from the repeat window on.
    pub last_scan: Option<i64>,
    pub works_here: bool,
    pub children_in_room: Vec<String>,
    /// Some of the person's children are booked in the childcare room now.
    pub dropoff_due: bool,
    /// The site's exception for today, if any.
    pub exception: Option<Exception>,
    /// The person is enrolled at the site in a session in a room, not cancelled and not ended:
    /// only then may one be due at this scan (the training area decides which, in a statement
    /// of its own).
    pub training_ahead: bool,
}

/// One row of [`facts`]'s union: `kind` says which of the others it fills.
#[derive(sqlx::FromRow)]
struct Fact {
    kind: String,
    id: Option<i64>,
    a: Option<i64>,
    b: Option<i64>,
    t1: Option<String>,
    t2: Option<String>,
    t3: Option<String>,
}

/// What [`facts`] looks at: the person, the site, today's bounds and the instant.
#[derive(Clone, Copy, Debug)]
pub struct FactsOf {
    pub person: PersonId,
    pub site: SiteId,
    pub day: (i64, i64),
    pub date: NaiveDate,
    pub now: i64,
    pub repeat_since: i64,
}

/// Everything the decision needs about the person at the site, in one statement (each
/// part reads a bounded index range: bookings_person_start, presence_open, scans_site, ...).
pub async fn facts(tx: &mut Tx, of: FactsOf) -> Result<Facts, ApiError> {
    let rows: Vec<Fact> = sqlx::query_as(
        "SELECT 'booking' AS kind, b.id AS id, b.starts_at AS a, b.ends_at AS b,
                CAST(CASE WHEN b.status = 'checked_in' THEN 'y' ELSE 'n' END AS TEXT) AS t1,
                sp.name AS t2, CAST(NULL AS TEXT) AS t3
           FROM bookings b JOIN spaces sp ON sp.id = b.space_id
          WHERE b.person_id = $1 AND b.site_id = $2 AND b.starts_at >= $3 AND b.starts_at < $4
            AND b.status IN ('active', 'checked_in')
         UNION ALL
         SELECT 'session', id, booking_id, site_id, NULL, NULL, NULL FROM presence_sessions
          WHERE open_person = $1
         UNION ALL
         SELECT 'present', NULL, CAST(SUM(COALESCE(checked_out_at, $5) - checked_in_at) AS BIGINT),
                NULL, NULL, NULL, NULL FROM presence_sessions
          WHERE person_id = $1 AND site_id = $2 AND checked_in_at >= $3 AND checked_in_at < $4
         UNION ALL
         SELECT 'last_scan', NULL, MAX(scanned_at), NULL, NULL, NULL, NULL FROM scans
          WHERE person_id = $1 AND site_id = $2 AND scanned_at >= $6
            AND result IN ('checked_in', 'checked_out')
         UNION ALL
         SELECT 'grants', NULL, COUNT(*), NULL, NULL, NULL, NULL FROM role_grants
          WHERE person_id = $1 AND site_id = $2
         UNION ALL
         SELECT 'child_in_room', c.id, NULL, NULL, c.name, NULL, NULL
           FROM childcare_bookings p JOIN children c ON c.id = p.child_id
           JOIN child_guardians g ON g.child_id = c.id
          WHERE g.person_id = $1 AND p.site_id = $2 AND p.status = 'dropped_off'
         UNION ALL
         SELECT 'dropoff_due', NULL, COUNT(*), NULL, NULL, NULL, NULL FROM childcare_bookings
          WHERE site_id = $2 AND status = 'booked' AND starts_at <= $5 + $8
            AND starts_at > $5 - 86400 AND ends_at > $5
            AND child_id IN (SELECT child_id FROM child_guardians WHERE person_id = $1)
         UNION ALL
         SELECT 'training_ahead', NULL, COUNT(*), NULL, NULL, NULL, NULL
           FROM training_enrolments e JOIN training_sessions t ON t.id = e.session_id
          WHERE e.person_id = $1 AND e.site_id = $2 AND e.status = 'enrolled' AND t.ends_at > $5
            AND t.space_id IS NOT NULL AND t.cancelled_at IS NULL
         UNION ALL
         SELECT 'exception', NULL, open, NULL, open_time, close_time, note FROM site_exceptions
          WHERE site_id = $2 AND day = $7",
    )
    .bind(of.person)
    .bind(of.site)
    .bind(of.day.0)
    .bind(of.day.1)
    .bind(of.now)
    .bind(of.repeat_since)
    .bind(of.date.to_string())
    .bind(crate::childcare::rules::DROPOFF_EARLY_SECS)
    .fetch_all(&mut **tx)
    .await?;
    let mut f = Facts::default();
    let mut children = Vec::new();
    for r in rows {
        match (r.kind.as_str(), r.id) {
            ("booking", Some(id)) => f.bookings.push(TodayBooking {
                id: BookingId(id),
                starts: r.a.unwrap_or_default(),
                ends: r.b.unwrap_or_default(),
                checked_in: r.t1.as_deref() == Some("y"),
                space: r.t2.unwrap_or_default(),
            }),
            ("session", Some(id)) => {
                f.session = Some(OpenSession {
                    id,
                    booking: r.a.map(BookingId),
                    site: SiteId(r.b.unwrap_or_default()),
                })
            }
            ("present", _) => f.present_secs = r.a.unwrap_or_default(),
            ("last_scan", _) => f.last_scan = r.a,
            ("grants", _) => f.works_here = r.a.unwrap_or_default() > 0,
            ("child_in_room", Some(id)) => children.push((id, r.t1.unwrap_or_default())),
            ("dropoff_due", _) => f.dropoff_due = r.a.unwrap_or_default() > 0,
            ("training_ahead", _) => f.training_ahead = r.a.unwrap_or_default() > 0,
            ("exception", _) => f.exception = Some(exception(of.site, of.date, r)?),
            _ => {}
        }
    }
    children.sort();
    f.children_in_room = children.into_iter().map(|c| c.1).collect();
    f.bookings.sort_by_key(|b| (b.starts, b.id.0));
    Ok(f)
}

fn exception(site: SiteId, date: NaiveDate, r: Fact) -> Result<Exception, ApiError> {
    let time = |t: Option<String>| match t {
        None => Ok(None),
        Some(t) => crate::sites::rules::parse_time(&t)
            .map(Some)
            .ok_or_else(|| corrupt("site_exceptions", site.0, &format!("time of {date}"), t)),
    };
    let hours = match (time(r.t1)?, time(r.t2)?) {
        (Some(open), Some(close)) => Some(Hours { open, close }),
        _ => None,
    };
    Ok(Exception {
        open: r.a.unwrap_or_default() != 0,
        hours,
        note: r.t3.unwrap_or_default(),
    })
}

/// How many minutes back a kiosk of the site may date a scan it kept while offline.
pub async fn offline_minutes(db: &Db, site_id: SiteId) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT kiosk_offline_minutes FROM sites WHERE id = $1")
        .bind(site_id)
        .fetch_one(&db.pool)
        .await
}

#[derive(sqlx::FromRow)]
struct Member {
    id: i64,
    member_number: String,
}

/// The person with this member number. A kiosk's PIN pad has only digits, so "1" or
/// "0001" also finds "K-0001" when exactly one member number has those digits.
pub async fn person_by_member(db: &Db, member: &str) -> sqlx::Result<Option<PersonId>> {
    let exact: Option<i64> = sqlx::query_scalar("SELECT id FROM persons WHERE member_number = $1")
        .bind(member)
        .fetch_optional(&db.pool)
        .await?;
    if exact.is_some() || member.is_empty() || !member.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(exact.map(PersonId));
    }
    let digits = |s: &str| {
        s.chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .trim_start_matches('0')
            .to_string()
    };
    let wanted = digits(member);
    let rows: Vec<Member> =
        sqlx::query_as("SELECT id, member_number FROM persons WHERE member_number LIKE $1")
            .bind(format!("%{wanted}"))
            .fetch_all(&db.pool)
            .await?;
    let found: Vec<i64> = rows
        .iter()
        .filter(|r| digits(&r.member_number) == wanted)
        .map(|r| r.id)
        .collect();
    Ok(match found[..] {
        [one] => Some(PersonId(one)),
        _ => None,
    })
}

/// One line of the scan log.
#[derive(Clone, Debug)]
pub struct ScanLog<'a> {
    pub device: crate::ids::DeviceId,
    pub site: SiteId,
    pub person: Option<PersonId>,
    pub method: &'a str,
    pub result: &'a str,
    pub scanned_at: i64,
    pub received_at: i64,
}

/// Logs a scan, in the scan's transaction.
pub async fn log(tx: &mut Tx, l: &ScanLog<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO scans (device_id, site_id, person_id, method, result, scanned_at, received_at, delayed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(l.device)
    .bind(l.site)
    .bind(l.person)
    .bind(l.method)
    .bind(l.result)
    .bind(l.scanned_at)
    .bind(l.received_at)
    .bind(i64::from(l.received_at - l.scanned_at > 60))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Whether a person with this id exists.
pub async fn person_exists(db: &Db, id: PersonId) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM persons WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(found.is_some())
}

/// A person's member number, if they have one.
pub async fn member_number(db: &Db, id: PersonId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT member_number FROM persons WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
        .map(Option::flatten)
}
