//! The access area's e-mails: a reminder, once, to the worker and the site's directors when a
//! worker's place on a roster, NDA or required training for a secure room expires within 30
//! days (a unique row per reminder, so two instances running the job send it once).

use super::store;
use crate::AppState;
use crate::ids::{PersonId, SiteId};
use crate::mail::outbox;
use crate::mail::templates::compose;

/// Queues the reminders due now at every site; answers how many e-mails were queued.
pub async fn reminders(st: &AppState) -> anyhow::Result<usize> {
    let mut sent = 0;
    for site in crate::sites::store::sites(&st.db).await? {
        let review = super::review(st, site.id).await?;
        let directors = store::directors(&st.db, site.id).await?;
        for room in &review.rooms {
            for line in room.people.iter().filter(|l| l.expiring_soon) {
                let Some(project) = line.project_id else {
                    continue;
                };
                let expiring = [
                    ("roster", &line.roster_to),
                    ("nda", &line.nda_expires_on),
                    ("training", &line.training_expires_on),
                ];
                for (what, day) in expiring {
                    let Some(day) = day else { continue };
                    let mut tx = st.db.begin().await?;
                    let now = st.clock.epoch();
                    if store::claim_reminder(&mut tx, line.person_id, project, what, day, now)
                        .await?
                    {
                        let mut to = vec![line.person_id];
                        to.extend(directors.iter().copied());
                        for person in to {
                            sent += usize::from(
                                remind(
                                    st,
                                    &mut tx,
                                    site.id,
                                    person,
                                    (&line.name, &room.name),
                                    what,
                                    day,
                                )
                                .await?,
                            );
                        }
                    }
                    tx.commit().await?;
                }
            }
        }
    }
    Ok(sent)
}

async fn remind(
    st: &AppState,
    tx: &mut crate::db::Tx,
    site: SiteId,
    person: PersonId,
    names: (&str, &str),
    what: &str,
    day: &str,
) -> anyhow::Result<bool> {
    let Some(to) = crate::auth::notify::recipient(&mut **tx, person).await? else {
        return Ok(false);
    };
    let l = to.lang;
    let thing = match what {
        "roster" => l.pick("名簿の期間", "the place on the roster"),
        "nda" => l.pick("秘密保持契約(NDA)", "the NDA"),
        _ => l.pick("必須研修の有効期限", "a required course"),
    };
    let lines = vec![
        l.pick(
            "セキュアルームへの入室資格の期限が近づいています。",
            "Clearance for a secure room expires soon.",
        )
        .to_string(),
        format!("{}: {}", l.pick("利用者", "Worker"), names.0),
        format!("{}: {}", l.pick("ルーム", "Room"), names.1),
        format!("{}: {thing} ({day})", l.pick("期限", "Expires")),
    ];
    let subject = l.pick(
        "【KADO】セキュアルームの入室資格の期限が近づいています",
        "[KADO] Secure room clearance expires soon",
    );
    let base = st.config.base_url();
    let email = compose(&to, subject.to_string(), &lines, false, &base);
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
