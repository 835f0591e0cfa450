//! The messages each change sends, put in the outbox inside the change's own transaction.

use super::templates::{self, ChildcareNews, Recipient, SiteName};
use super::{Attachment, Email, outbox};
use crate::AppState;
use crate::booking::{self, Booking};
use crate::db::Tx;
use crate::error::Lang;
use sqlx::Row;

async fn recipient<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    person_id: i64,
) -> sqlx::Result<Option<Recipient>> {
    let row = sqlx::query("SELECT email, name, language, active FROM persons WHERE id = $1")
        .bind(person_id)
        .fetch_optional(ex)
        .await?;
    Ok(row
        .filter(|r| r.get::<i64, _>("active") != 0)
        .map(|r| Recipient {
            email: r.get("email"),
            name: r.get("name"),
            lang: if r.get::<String, _>("language") == "en" {
                Lang::En
            } else {
                Lang::Ja
            },
        }))
}

async fn site_name(tx: &mut Tx, site_id: i64) -> sqlx::Result<SiteName> {
    let r = sqlx::query("SELECT name_ja, name_en FROM sites WHERE id = $1")
        .bind(site_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(SiteName {
        ja: r.get("name_ja"),
        en: r.get("name_en"),
    })
}

fn host(st: &AppState) -> String {
    let base = st.config.base_url();
    base.split("://")
        .nth(1)
        .unwrap_or(&base)
        .split(['/', ':'])
        .next()
        .unwrap_or("kado")
        .to_string()
}

async fn put(st: &AppState, tx: &mut Tx, site: i64, kind: &str, email: &Email) -> sqlx::Result<()> {
    outbox::enqueue(tx, Some(site), kind, email, &host(st), st.clock.epoch()).await?;
    Ok(())
}

/// The person's static QR code (the printed card's), as an inline PNG drawn when the message
/// is sent: it works at the kiosk until the card is revoked, unlike the phone's rotating code.
async fn qr<'e>(
    st: &AppState,
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    person: i64,
) -> anyhow::Result<Attachment> {
    // Inside a transaction, read through it: a second connection from the pool while this
    // one holds a write lock can wait for ever under load.
    let creds = crate::auth::credential::credentials_in(ex, person).await?;
    let payload = crate::auth::credential::sign(
        &st.secret,
        person,
        creds.qr_version,
        true,
        creds.card_serial,
    );
    Ok(Attachment::qr_png("qr.png", &payload, Some("qr")))
}

fn ics(st: &AppState, bookings: &[Booking], method: &str) -> Attachment {
    let body = booking::ics::calendar(
        bookings,
        &st.config.base_url(),
        Some(method),
        Some(st.clock.epoch() / 60),
    );
    let ct = format!("text/calendar; charset=utf-8; method={method}");
    Attachment::new(
        if method == "CANCEL" {
            "cancel.ics"
        } else {
            "booking.ics"
        },
        &ct,
        body.as_bytes(),
        None,
    )
}

async fn bookings(tx: &mut Tx, ids: &[i64]) -> sqlx::Result<Vec<Booking>> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(b) = booking::store::get_in(&mut **tx, *id).await? {
            out.push(b);
        }
    }
    Ok(out)
}

/// Who a booking confirmation goes to, with the QR code it carries.
pub struct Addressee {
    to: Recipient,
    qr: Attachment,
}

/// Reads a confirmation's addressee before the booking's transaction begins, so that the
/// site's lock is not held for it; None when the person is inactive.
pub async fn addressee(st: &AppState, person_id: i64) -> anyhow::Result<Option<Addressee>> {
    let Some(to) = recipient(&st.db.pool, person_id).await? else {
        return Ok(None);
    };
    let qr = qr(st, &st.db.pool, person_id).await?;
    Ok(Some(Addressee { to, qr }))
}

/// Confirms new bookings of one person (one message for a whole series, with its skipped
/// dates), with the QR code and a calendar file.
pub async fn booking_confirmed(
    st: &AppState,
    tx: &mut Tx,
    ids: &[i64],
    skipped: &[(String, String)],
) -> anyhow::Result<()> {
    let list = bookings(tx, ids).await?;
    let Some(first) = list.first() else {
        return Ok(());
    };
    let Some(to) = recipient(&mut **tx, first.person_id).await? else {
        return Ok(());
    };
    let site = site_name(tx, first.site_id).await?;
    let qr = qr(st, &mut **tx, first.person_id).await?;
    put_confirmation(st, tx, Addressee { to, qr }, &site, &list, skipped).await
}

/// [`booking_confirmed`] from what the caller has in hand: the addressee read before the
/// transaction, the site, and the bookings as written; one statement (the outbox's insert).
pub async fn booking_confirmed_as(
    st: &AppState,
    tx: &mut Tx,
    addressee: Option<Addressee>,
    site: &crate::sites::Site,
    list: &[Booking],
    skipped: &[(String, String)],
) -> anyhow::Result<()> {
    let Some(addressee) = addressee else {
        return Ok(());
    };
    let site = SiteName {
        ja: site.name_ja.clone(),
        en: site.name_en.clone(),
    };
    put_confirmation(st, tx, addressee, &site, list, skipped).await
}

async fn put_confirmation(
    st: &AppState,
    tx: &mut Tx,
    addressee: Addressee,
    site: &SiteName,
    list: &[Booking],
    skipped: &[(String, String)],
) -> anyhow::Result<()> {
    let Some(first) = list.first() else {
        return Ok(());
    };
    let mut email = templates::confirmed(&addressee.to, site, list, skipped, &st.config.base_url());
    email.attachments = vec![addressee.qr, ics(st, list, "PUBLISH")];
    put(st, tx, first.site_id, "booking_confirmed", &email).await?;
    Ok(())
}

/// Tells the worker a booking moved; the calendar file updates the same event.
pub async fn booking_changed(st: &AppState, tx: &mut Tx, id: i64) -> anyhow::Result<()> {
    let list = bookings(tx, &[id]).await?;
    let Some(b) = list.first() else { return Ok(()) };
    let Some(to) = recipient(&mut **tx, b.person_id).await? else {
        return Ok(());
    };
    let site = site_name(tx, b.site_id).await?;
    let mut email = templates::changed(&to, &site, b, &st.config.base_url());
    email.attachments = vec![
        qr(st, &mut **tx, b.person_id).await?,
        ics(st, &list, "PUBLISH"),
    ];
    put(st, tx, b.site_id, "booking_changed", &email).await?;
    Ok(())
}

/// Tells the worker a booking was cancelled or released; the calendar file (METHOD:CANCEL,
/// same UID) removes the event.
pub async fn booking_cancelled(
    st: &AppState,
    tx: &mut Tx,
    id: i64,
    released: bool,
) -> anyhow::Result<()> {
    let list = bookings(tx, &[id]).await?;
    let Some(b) = list.first() else { return Ok(()) };
    let Some(to) = recipient(&mut **tx, b.person_id).await? else {
        return Ok(());
    };
    let site = site_name(tx, b.site_id).await?;
    let mut email = templates::cancelled(&to, &site, b, released, &st.config.base_url());
    email.attachments = vec![ics(st, &list, "CANCEL")];
    put(
        st,
        tx,
        b.site_id,
        if released {
            "booking_released"
        } else {
            "booking_cancelled"
        },
        &email,
    )
    .await?;
    Ok(())
}

/// Tells a guardian about childcare places: booked, waitlisted, or promoted from the waitlist.
pub async fn childcare(
    st: &AppState,
    tx: &mut Tx,
    place_ids: &[i64],
    news: ChildcareNews,
) -> anyhow::Result<()> {
    let mut by_guardian: std::collections::BTreeMap<(i64, i64), Vec<String>> = Default::default();
    for id in place_ids {
        let r = sqlx::query(
            "SELECT p.guardian_id, p.site_id, p.starts_at, p.ends_at, c.name, s.time_zone
             FROM childcare_bookings p JOIN children c ON c.id = p.child_id JOIN sites s ON s.id = p.site_id
             WHERE p.id = $1",
        )
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
        let tz: chrono_tz::Tz = r
            .get::<String, _>("time_zone")
            .parse()
            .unwrap_or(chrono_tz::Asia::Tokyo);
        let local = |s: i64| {
            chrono::DateTime::from_timestamp(s, 0)
                .unwrap_or_default()
                .with_timezone(&tz)
        };
        let (a, b) = (local(r.get("starts_at")), local(r.get("ends_at")));
        let line = format!(
            "{} {} {}-{}",
            r.get::<String, _>("name"),
            a.format("%Y-%m-%d"),
            a.format("%H:%M"),
            b.format("%H:%M")
        );
        by_guardian
            .entry((r.get("guardian_id"), r.get("site_id")))
            .or_default()
            .push(line);
    }
    for ((guardian, site_id), lines) in by_guardian {
        let Some(to) = recipient(&mut **tx, guardian).await? else {
            continue;
        };
        let site = site_name(tx, site_id).await?;
        let email = templates::childcare(&to, &site, news, &lines, &st.config.base_url());
        let kind = match news {
            ChildcareNews::Booked => "childcare_booked",
            ChildcareNews::Waitlisted => "childcare_waitlisted",
            ChildcareNews::Promoted => "childcare_promoted",
        };
        put(st, tx, site_id, kind, &email).await?;
    }
    Ok(())
}

/// Sends the evening-before reminders that are due: at or after each site's reminder hour,
/// for the next local day's bookings not reminded yet. Idempotent: a booking is marked when
/// its reminder is queued, in the same transaction.
pub async fn reminders(st: &AppState) -> anyhow::Result<usize> {
    let now = st.clock.now();
    let mut queued = 0;
    for site in crate::sites::store::sites(&st.db).await? {
        if !site.active || site.reminder_hour < 0 {
            continue;
        }
        let schedule = crate::sites::store::schedule(&st.db, &site)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let local = now.with_timezone(&schedule.tz);
        if chrono::Timelike::hour(&local) < site.reminder_hour as u32 {
            continue;
        }
        let tomorrow = local.date_naive() + chrono::Duration::days(1);
        let (from, to) = schedule.day_bounds(tomorrow);
        let mut tx = st.db.begin().await?;
        let due: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, person_id FROM bookings WHERE site_id = $1 AND starts_at >= $2 AND starts_at < $3
               AND status = 'active' AND reminded_at IS NULL ORDER BY person_id, starts_at",
        )
        .bind(site.id)
        .bind(from)
        .bind(to)
        .fetch_all(&mut *tx)
        .await?;
        let mut people: std::collections::BTreeMap<i64, Vec<i64>> = Default::default();
        for (id, person) in &due {
            people.entry(*person).or_default().push(*id);
        }
        for (person, ids) in people {
            sqlx::query(&format!(
                "UPDATE bookings SET reminded_at = $1 WHERE id IN ({})",
                ids.iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ))
            .bind(now.timestamp())
            .execute(&mut *tx)
            .await?;
            let Some(to_person) = recipient(&mut *tx, person).await? else {
                continue;
            };
            let list = bookings(&mut tx, &ids).await?;
            let name = SiteName {
                ja: site.name_ja.clone(),
                en: site.name_en.clone(),
            };
            let mut email = templates::reminder(&to_person, &name, &list, &st.config.base_url());
            email.attachments = vec![qr(st, &mut *tx, person).await?];
            put(st, &mut tx, site.id.0, "booking_reminder", &email).await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}
