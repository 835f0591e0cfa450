//! The childcare area's e-mails: a guardian's places booked, waitlisted, or given from the
//! waitlist. Put in the outbox inside the change's own transaction.

use crate::AppState;
use crate::db::Tx;
use crate::ids::{PersonId, PlaceId, SiteId};
use crate::mail::templates::{Recipient, SiteName, compose, site_line};
use crate::mail::{Email, outbox};
use anyhow::Context;

/// What happened to a childcare request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildcareNews {
    Booked,
    Waitlisted,
    Promoted,
}

impl ChildcareNews {
    /// The outbox's kind of the message.
    fn kind(self) -> &'static str {
        match self {
            ChildcareNews::Booked => "childcare_booked",
            ChildcareNews::Waitlisted => "childcare_waitlisted",
            ChildcareNews::Promoted => "childcare_promoted",
        }
    }
}

#[derive(sqlx::FromRow)]
struct PlaceRow {
    guardian_id: PersonId,
    site_id: SiteId,
    starts_at: i64,
    ends_at: i64,
    name: String,
    time_zone: String,
}

impl PlaceRow {
    /// "はると 2026-11-25 09:00-13:00", or an error naming the place when its site's time zone
    /// or its times are not readable.
    fn line(&self, id: PlaceId) -> anyhow::Result<String> {
        let tz: chrono_tz::Tz = self
            .time_zone
            .parse()
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("the site of childcare_bookings row {id}"))?;
        let local = |s: i64| {
            chrono::DateTime::from_timestamp(s, 0)
                .map(|t| t.with_timezone(&tz))
                .with_context(|| format!("instant {s} in childcare_bookings row {id}"))
        };
        let (a, b) = (local(self.starts_at)?, local(self.ends_at)?);
        Ok(format!(
            "{} {} {}-{}",
            self.name,
            a.format("%Y-%m-%d"),
            a.format("%H:%M"),
            b.format("%H:%M")
        ))
    }
}

/// Tells each guardian about their childcare places (one message per guardian and site):
/// booked, waitlisted, or promoted from the waitlist.
pub async fn places(
    st: &AppState,
    tx: &mut Tx,
    place_ids: &[PlaceId],
    news: ChildcareNews,
) -> anyhow::Result<()> {
    let mut by_guardian: std::collections::BTreeMap<(PersonId, SiteId), Vec<String>> =
        Default::default();
    for id in place_ids {
        let r: PlaceRow = sqlx::query_as(
            "SELECT p.guardian_id, p.site_id, p.starts_at, p.ends_at, c.name, s.time_zone
             FROM childcare_bookings p JOIN children c ON c.id = p.child_id JOIN sites s ON s.id = p.site_id
             WHERE p.id = $1",
        )
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
        let line = r.line(*id)?;
        by_guardian
            .entry((r.guardian_id, r.site_id))
            .or_default()
            .push(line);
    }
    let base_url = st.config.base_url();
    for ((guardian, site_id), lines) in by_guardian {
        let Some(to) = crate::auth::notify::recipient(&mut **tx, guardian).await? else {
            continue;
        };
        let site = crate::sites::store::name_of(tx, site_id).await?;
        let email = email(&to, &site, news, &lines, &base_url);
        let host = crate::mail::host(&base_url);
        outbox::enqueue(
            tx,
            Some(site_id.0),
            news.kind(),
            &email,
            &host,
            st.clock.epoch(),
        )
        .await?;
    }
    Ok(())
}

/// Childcare booked, waitlisted, or given a freed place.
pub fn email(
    to: &Recipient,
    site: &SiteName,
    news: ChildcareNews,
    lines_of_places: &[String],
    base_url: &str,
) -> Email {
    let l = to.lang;
    let (subject, first) = match news {
        ChildcareNews::Booked => (
            l.pick("【KADO】託児のご予約を承りました", "[KADO] Childcare booked"),
            l.pick("託児のご予約を承りました。", "Your childcare place is booked."),
        ),
        ChildcareNews::Waitlisted => (
            l.pick("【KADO】託児のキャンセル待ちに登録しました", "[KADO] On the childcare waitlist"),
            l.pick("託児室が満員のため、キャンセル待ちに登録しました。空きが出たらお知らせします。", "The childcare room is full: you are on the waitlist, and we will tell you when a place frees."),
        ),
        ChildcareNews::Promoted => (
            l.pick("【KADO】託児の空きが出ました(予約確定)", "[KADO] A childcare place is yours"),
            l.pick("キャンセル待ちの託児に空きが出たため、予約が確定しました。", "A place freed up: your waitlisted childcare is now booked."),
        ),
    };
    let mut lines = vec![first.to_string(), site_line(site, l)];
    lines.extend(lines_of_places.iter().map(|p| format!("・{p}")));
    compose(to, subject.to_string(), &lines, false, base_url)
}

/// Tells the guardian, once, that their child is still in the childcare room 15 minutes after
/// the place's end (or at closing): the job's run. Each notice is marked sent in the same
/// transaction that puts it in the outbox, by a conditional update, so two instances running
/// the job at once send it once. Answers how many were queued.
pub async fn not_collected(st: &AppState) -> anyhow::Result<usize> {
    use super::day_record::{closing, not_collected_from};
    let now = st.clock.epoch();
    let mut queued = 0;
    for u in super::day_store::uncollected(&st.db, now - 86_400).await? {
        let schedule = super::schedule_of(&st.db, u.site_id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let date = super::local_date(u.starts_at, schedule.tz);
        if now < not_collected_from(u.ends_at, closing(&schedule, date)) {
            continue;
        }
        let mut tx = st.db.begin().await?;
        if !super::day_store::mark_not_collected(&mut tx, u.id, now).await? {
            tx.rollback().await?;
            continue;
        }
        let r: PlaceRow = sqlx::query_as(
            "SELECT p.guardian_id, p.site_id, p.starts_at, p.ends_at, c.name, s.time_zone
             FROM childcare_bookings p JOIN children c ON c.id = p.child_id JOIN sites s ON s.id = p.site_id
             WHERE p.id = $1",
        )
        .bind(u.id)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(to) = crate::auth::notify::recipient(&mut *tx, r.guardian_id).await? {
            let site = crate::sites::store::name_of(&mut tx, r.site_id).await?;
            let base_url = st.config.base_url();
            let email = not_collected_email(&to, &site, &r.line(u.id)?, &base_url);
            let host = crate::mail::host(&base_url);
            outbox::enqueue(
                &mut tx,
                Some(r.site_id.0),
                "childcare_not_collected",
                &email,
                &host,
                now,
            )
            .await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}

/// Your child is still in the childcare room.
pub fn not_collected_email(
    to: &Recipient,
    site: &SiteName,
    place_line: &str,
    base_url: &str,
) -> Email {
    let l = to.lang;
    let subject = l.pick(
        "【KADO】お子さまのお迎えをお願いします",
        "[KADO] Your child is waiting to be collected",
    );
    let first = l.pick(
        "託児の終了時刻を過ぎましたが、お子さまはまだ託児室にいます。お迎えをお願いします。",
        "The childcare place has ended and your child is still in the childcare room: please come and collect them.",
    );
    let lines = vec![
        first.to_string(),
        site_line(site, l),
        format!("・{place_line}"),
    ];
    compose(to, subject.to_string(), &lines, false, base_url)
}
