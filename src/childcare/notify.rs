//! The childcare area's e-mails: a guardian's places booked, waitlisted, or given from the
//! waitlist. Put in the outbox inside the change's own transaction.

use crate::AppState;
use crate::db::Tx;
use crate::error::Lang;
use crate::ids::{PersonId, PlaceId, SiteId};
use crate::mail::templates::{Recipient, compose};
use crate::mail::{Email, outbox};
use crate::sites::Whereabouts;
use crate::sites::rules::{written_day, written_hours};
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

/// A childcare place as a message describes it.
#[derive(Clone, Debug)]
pub struct PlaceNote {
    pub id: PlaceId,
    pub guardian: PersonId,
    pub site: SiteId,
    pub child: String,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: chrono::DateTime<chrono::Utc>,
    /// The local day and hours, in the site's zone.
    pub day: chrono::NaiveDate,
    pub hours: String,
}

impl PlaceNote {
    /// "はると 11月25日(水) 9:00-13:00".
    pub fn line(&self, lang: Lang) -> String {
        format!(
            "{} {} {}",
            self.child,
            written_day(self.day, lang),
            self.hours
        )
    }
}

/// The places as messages describe them, or an error naming a place whose site's time zone
/// or times are not readable.
pub async fn notes(tx: &mut Tx, place_ids: &[PlaceId]) -> anyhow::Result<Vec<PlaceNote>> {
    let mut out = Vec::new();
    for &id in place_ids {
        let r: PlaceRow = sqlx::query_as(
            "SELECT p.guardian_id, p.site_id, p.starts_at, p.ends_at, c.name, s.time_zone
             FROM childcare_bookings p JOIN children c ON c.id = p.child_id JOIN sites s ON s.id = p.site_id
             WHERE p.id = $1",
        )
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
        let tz: chrono_tz::Tz = r
            .time_zone
            .parse()
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("the site of childcare_bookings row {id}"))?;
        let instant = |s: i64| {
            chrono::DateTime::from_timestamp(s, 0)
                .with_context(|| format!("instant {s} in childcare_bookings row {id}"))
        };
        let (a, b) = (instant(r.starts_at)?, instant(r.ends_at)?);
        let (la, lb) = (a.with_timezone(&tz), b.with_timezone(&tz));
        out.push(PlaceNote {
            id,
            guardian: r.guardian_id,
            site: r.site_id,
            child: r.name,
            starts_at: a,
            ends_at: b,
            day: la.date_naive(),
            hours: written_hours(la.time(), lb.time()),
        });
    }
    Ok(out)
}

/// Tells each guardian about their childcare places (one message per guardian and site):
/// booked, waitlisted, or promoted from the waitlist.
pub async fn places(
    st: &AppState,
    tx: &mut Tx,
    place_ids: &[PlaceId],
    news: ChildcareNews,
) -> anyhow::Result<()> {
    let mut by_guardian: std::collections::BTreeMap<(PersonId, SiteId), Vec<PlaceNote>> =
        Default::default();
    for note in notes(tx, place_ids).await? {
        by_guardian
            .entry((note.guardian, note.site))
            .or_default()
            .push(note);
    }
    let base_url = st.config.base_url();
    for ((guardian, site_id), notes) in by_guardian {
        let Some(to) = crate::auth::notify::recipient(&mut **tx, guardian).await? else {
            continue;
        };
        let site = crate::sites::store::where_of(tx, site_id).await?;
        let lines: Vec<String> = notes.iter().map(|n| n.line(to.lang)).collect();
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
    site: &Whereabouts,
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
    let mut lines = vec![first.to_string()];
    lines.extend(site.lines(l));
    lines.extend(lines_of_places.iter().map(|p| format!("・{p}")));
    lines.push(format!(
        "{}{base_url}/app/#/bookings",
        l.pick("予約の確認・取り消し: ", "See or cancel it: ")
    ));
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
        // One site whose calendar cannot be read (deactivated, corrupt) must not keep every
        // other site's guardians from hearing.
        let schedule = match super::schedule_of(&st.db, u.site_id).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(place = u.id.0, "not-collected notice skipped: {e:?}");
                continue;
            }
        };
        let date = super::local_date(u.starts_at, schedule.tz);
        if now < not_collected_from(u.ends_at, closing(&schedule, date)) {
            continue;
        }
        let mut tx = st.db.begin().await?;
        if !super::day_store::mark_not_collected(&mut tx, u.id, now).await? {
            tx.rollback().await?;
            continue;
        }
        let Some(r) = notes(&mut tx, &[u.id]).await?.pop() else {
            continue;
        };
        if let Some(to) = crate::auth::notify::recipient(&mut *tx, r.guardian).await? {
            let site = crate::sites::store::where_of(&mut tx, r.site).await?;
            let base_url = st.config.base_url();
            let email = not_collected_email(&to, &site, &r.line(to.lang), &base_url);
            let host = crate::mail::host(&base_url);
            outbox::enqueue(
                &mut tx,
                Some(r.site.0),
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
    site: &Whereabouts,
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
    let mut lines = vec![first.to_string()];
    lines.extend(site.lines(l));
    lines.push(format!("・{place_line}"));
    compose(to, subject.to_string(), &lines, false, base_url)
}
