//! The access area's e-mails, each sent once however many instances run the job (a unique
//! row per reminder claims it): to the worker and the site's directors when the worker's
//! place on a roster, NDA or required training for a secure room expires within 30 days, and
//! when a booking of a secure room will not be usable because something expires before it
//! (the booking is kept, not silently deleted).

use super::store;
use crate::AppState;
use crate::db::Tx;
use crate::error::{Lang, Text};
use crate::ids::{PersonId, SiteId};
use crate::mail::outbox;
use crate::mail::templates::compose;

/// What a reminder says: the worker, the room, what expires and when (a date, or for a
/// booking the reason in each language, so each recipient reads their own).
struct Notice {
    name: String,
    room: String,
    what: &'static str,
    when: Text,
}

/// A reminder to claim: the worker, its kind, its subject, and what the e-mail says.
type Due = (PersonId, &'static str, String, Notice);

/// Queues the reminders due now at every site; answers how many e-mails were queued.
pub async fn reminders(st: &AppState) -> anyhow::Result<usize> {
    let mut sent = 0;
    for site in crate::sites::store::sites(&st.db).await? {
        let review = super::review(st, site.id).await?;
        let directors = store::directors(&st.db, site.id).await?;
        let mut due: Vec<Due> = Vec::new();
        for room in &review.rooms {
            for line in room.people.iter().filter(|l| l.expiring_soon) {
                let expiring = [
                    ("roster", &line.roster_to),
                    ("nda", &line.nda_expires_on),
                    ("training", &line.training_expires_on),
                ];
                for (what, day) in expiring {
                    let soon = day.as_deref().and_then(|d| {
                        let d = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?;
                        let today =
                            chrono::NaiveDate::parse_from_str(&review.date, "%Y-%m-%d").ok()?;
                        (0..=30)
                            .contains(&super::rules::days_left(today, d))
                            .then_some(())
                    });
                    let (Some(day), Some(())) = (day, soon) else {
                        continue;
                    };
                    let subject = format!(
                        "{}:{}:{day}",
                        room.space_id,
                        line.project_id.map_or(0, |p| p.0)
                    );
                    let notice = Notice {
                        name: line.name.clone(),
                        room: room.name.clone(),
                        what,
                        when: Text::new(day.clone(), day.clone()),
                    };
                    due.push((
                        line.person_id,
                        "expiry",
                        format!("{what}:{subject}"),
                        notice,
                    ));
                }
            }
        }
        for b in &review.flagged_bookings {
            let notice = Notice {
                name: b.name.clone(),
                room: b.room.clone(),
                what: "booking",
                when: b.reasons.clone(),
            };
            due.push((
                b.person_id,
                "booking",
                format!("booking:{}", b.booking_id),
                notice,
            ));
        }
        for (worker, what, subject, notice) in due {
            let mut tx = st.db.begin().await?;
            if store::claim_reminder(&mut tx, worker, what, &subject, st.clock.epoch()).await? {
                for person in std::iter::once(worker).chain(directors.iter().copied()) {
                    sent += usize::from(remind(st, &mut tx, site.id, person, &notice).await?);
                }
            }
            tx.commit().await?;
        }
    }
    Ok(sent)
}

fn thing(l: Lang, what: &str) -> &'static str {
    match what {
        "roster" => l.pick("名簿の期間", "the place on the roster"),
        "nda" => l.pick("秘密保持契約(NDA)", "the NDA"),
        "training" => l.pick("必須研修", "a required course"),
        _ => l.pick(
            "予約したセキュアルームに入室できません",
            "the booked secure room cannot be entered",
        ),
    }
}

async fn remind(
    st: &AppState,
    tx: &mut Tx,
    site: SiteId,
    person: PersonId,
    n: &Notice,
) -> anyhow::Result<bool> {
    let Some(to) = crate::auth::notify::recipient(&mut **tx, person).await? else {
        return Ok(false);
    };
    let l = to.lang;
    let (who, room, what) = (&n.name, &n.room, n.what);
    let when = l.pick(&n.when.ja, &n.when.en);
    let body = vec![
        l.pick(
            "セキュアルームへの入室資格について確認してください。",
            "Please check a secure room clearance.",
        )
        .to_string(),
        format!("{}: {who}", l.pick("利用者", "Worker")),
        format!("{}: {room}", l.pick("ルーム", "Room")),
        format!("{}: {when}", thing(l, what)),
    ];
    let subject = l.pick(
        "【KADO】セキュアルームの入室資格の期限",
        "[KADO] Secure room clearance expiring",
    );
    let base = st.config.base_url();
    let email = compose(&to, subject.to_string(), &body, false, &base);
    let host = crate::mail::host(&base);
    outbox::enqueue(
        tx,
        Some(site.0),
        "access_expiry",
        &email,
        &host,
        st.clock.epoch(),
    )
    .await?;
    Ok(true)
}
