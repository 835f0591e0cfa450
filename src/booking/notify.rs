//! The booking area's e-mails: confirmed, changed, cancelled or released, and the
//! evening-before reminder, with the QR code and calendar files they carry. Put in the
//! outbox inside the change's own transaction.

use super::{Booking, store};
use crate::AppState;
use crate::db::Tx;
use crate::error::Lang;
use crate::ids::{BookingId, PersonId, SiteId};
use crate::mail::templates::{Recipient, compose};
use crate::mail::{Attachment, Email, outbox};

use super::ics::CalEvent;
use crate::auth::credential::Credentials;
use crate::auth::notify::{recipient, recipient_and_credentials};
use crate::childcare::notify::PlaceNote;
use crate::sites::Whereabouts;
use crate::sites::rules::{written_day, written_hours};
use crate::sites::store::where_of as site_name;

async fn put(
    st: &AppState,
    tx: &mut Tx,
    site: SiteId,
    kind: &str,
    email: &Email,
) -> anyhow::Result<()> {
    let host = crate::mail::host(&st.config.base_url());
    outbox::enqueue(tx, Some(site.0), kind, email, &host, st.clock.epoch()).await?;
    Ok(())
}

/// The person's static QR code (the printed card's), as an inline PNG drawn when the message
/// is sent: it works at the kiosk until the card is revoked, unlike the phone's rotating code.
async fn qr<'e>(
    st: &AppState,
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    person: PersonId,
) -> anyhow::Result<Attachment> {
    // Inside a transaction, read through it: a second connection from the pool while this
    // one holds a write lock can wait for ever under load.
    let creds = crate::auth::credential::credentials_in(ex, person.0).await?;
    Ok(qr_of(st, person, &creds))
}

/// [`qr`] from credentials already read.
fn qr_of(st: &AppState, person: PersonId, creds: &Credentials) -> Attachment {
    let payload = crate::auth::credential::sign(
        &st.secret,
        person.0,
        creds.qr_version,
        true,
        creds.card_serial,
    );
    Attachment::qr_png("qr.png", &payload, Some("qr"))
}

fn ics(st: &AppState, at: (&Whereabouts, Lang), bookings: &[Booking], method: &str) -> Attachment {
    ics_with(st, at, bookings, &[], method)
}

/// One calendar file with the bookings' events and their childcare places' events, each
/// located at the site's address (`at`: the site and the reader's language).
fn ics_with(
    st: &AppState,
    (site, lang): (&Whereabouts, Lang),
    bookings: &[Booking],
    places: &[PlaceNote],
    method: &str,
) -> Attachment {
    let base = st.config.base_url();
    let mut events: Vec<CalEvent> = bookings
        .iter()
        .map(|b| CalEvent {
            location: site.location(&b.space_name, lang),
            ..CalEvent::of_booking(b, &base)
        })
        .collect();
    // A CANCEL calendar removes the places' events along with the bookings'.
    let room = lang.pick("託児室", "Childcare room");
    events.extend(places.iter().map(|p| CalEvent {
        cancelled: method == "CANCEL",
        location: site.location(room, lang),
        ..CalEvent::of_place(p.id, &p.child, (p.starts_at, p.ends_at), &base)
    }));
    let body = super::ics::calendar(&events, Some(method), Some(st.clock.epoch() / 60));
    let ct = format!("text/calendar; charset=utf-8; method={method}");
    let name = if method == "CANCEL" {
        "cancel.ics"
    } else {
        "booking.ics"
    };
    Attachment::new(name, &ct, body.as_bytes(), None)
}

async fn bookings(tx: &mut Tx, ids: &[BookingId]) -> anyhow::Result<Vec<Booking>> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(b) = store::get_in(&mut **tx, *id).await? {
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
pub async fn addressee(st: &AppState, person_id: PersonId) -> anyhow::Result<Option<Addressee>> {
    let read = recipient_and_credentials(&st.db.pool, person_id).await?;
    Ok(read.map(|(to, creds)| Addressee {
        to,
        qr: qr_of(st, person_id, &creds),
    }))
}

/// Confirms a desk booked together with childcare places: one message that lists both (the
/// places booked, or waiting when `waitlisted`), with the QR code and one calendar file.
pub async fn confirmed_with_places(
    st: &AppState,
    tx: &mut Tx,
    id: BookingId,
    places: &[crate::ids::PlaceId],
    waitlisted: bool,
) -> anyhow::Result<()> {
    let list = bookings(tx, &[id]).await?;
    let Some(first) = list.first() else {
        return Ok(());
    };
    let Some(to) = recipient(&mut **tx, first.person_id).await? else {
        return Ok(());
    };
    let site = site_name(tx, first.site_id).await?;
    let qr = qr(st, &mut **tx, first.person_id).await?;
    let places = crate::childcare::notify::notes(tx, places).await?;
    let care = Care {
        places: &places,
        waitlisted,
    };
    put_confirmation(st, tx, Addressee { to, qr }, &site, &list, &[], care).await
}

/// The childcare places a confirmation carries.
#[derive(Clone, Copy, Default)]
pub struct Care<'a> {
    pub places: &'a [PlaceNote],
    pub waitlisted: bool,
}

/// [`confirmed`] from what the caller has in hand: the addressee read before the
/// transaction, the site, and the bookings as written; one statement (the outbox's insert).
pub async fn confirmed_as(
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
    let site = Whereabouts::of(site);
    put_confirmation(st, tx, addressee, &site, list, skipped, Care::default()).await
}

async fn put_confirmation(
    st: &AppState,
    tx: &mut Tx,
    addressee: Addressee,
    site: &Whereabouts,
    list: &[Booking],
    skipped: &[(String, String)],
    care: Care<'_>,
) -> anyhow::Result<()> {
    let Some(first) = list.first() else {
        return Ok(());
    };
    let base = st.config.base_url();
    let mut email = confirmed_email(&addressee.to, site, list, skipped, care, &base);
    let at = (site, addressee.to.lang);
    email.attachments = vec![addressee.qr, ics_with(st, at, list, care.places, "PUBLISH")];
    put(st, tx, first.site_id, "booking_confirmed", &email).await
}

/// Tells the worker a booking moved; the calendar file updates the same event.
pub async fn changed(st: &AppState, tx: &mut Tx, id: BookingId) -> anyhow::Result<()> {
    let list = bookings(tx, &[id]).await?;
    let Some(b) = list.first() else { return Ok(()) };
    let Some(to) = recipient(&mut **tx, b.person_id).await? else {
        return Ok(());
    };
    let site = site_name(tx, b.site_id).await?;
    let mut email = changed_email(&to, &site, b, &st.config.base_url());
    email.attachments = vec![
        qr(st, &mut **tx, b.person_id).await?,
        ics(st, (&site, to.lang), &list, "PUBLISH"),
    ];
    put(st, tx, b.site_id, "booking_changed", &email).await
}

/// Tells the worker a booking was cancelled or released; the calendar file (METHOD:CANCEL,
/// same UID) removes the event.
pub async fn cancelled(
    st: &AppState,
    tx: &mut Tx,
    id: BookingId,
    released: bool,
) -> anyhow::Result<()> {
    put_cancellation(st, tx, &[id], released, &[]).await
}

/// A booking released as a no-show, with the childcare places released with it.
pub async fn released(
    st: &AppState,
    tx: &mut Tx,
    id: BookingId,
    places: &[crate::ids::PlaceId],
) -> anyhow::Result<()> {
    let notes = crate::childcare::notify::notes(tx, places).await?;
    put_cancellation(st, tx, &[id], true, &notes).await
}

/// Bookings of one person cancelled in one action (a desk, the rest of a series) with their
/// childcare places: one message naming them all, one calendar file removing every event.
pub async fn cancelled_with_places(
    st: &AppState,
    tx: &mut Tx,
    ids: &[BookingId],
    places: &[crate::ids::PlaceId],
) -> anyhow::Result<()> {
    let notes = crate::childcare::notify::notes(tx, places).await?;
    put_cancellation(st, tx, ids, false, &notes).await
}

async fn put_cancellation(
    st: &AppState,
    tx: &mut Tx,
    ids: &[BookingId],
    released: bool,
    places: &[PlaceNote],
) -> anyhow::Result<()> {
    let list = bookings(tx, ids).await?;
    let Some(b) = list.first() else { return Ok(()) };
    let Some(to) = recipient(&mut **tx, b.person_id).await? else {
        return Ok(());
    };
    let site = site_name(tx, b.site_id).await?;
    let mut email = cancelled_email(&to, &site, &list, released, places, &st.config.base_url());
    email.attachments = vec![ics_with(st, (&site, to.lang), &list, places, "CANCEL")];
    let kind = if released {
        "booking_released"
    } else {
        "booking_cancelled"
    };
    put(st, tx, b.site_id, kind, &email).await
}

/// The weekly digest of a worker's series that keep going: the dates the job booked, and
/// those it could not (closed, taken, over a limit), each with why.
pub async fn digest(
    st: &AppState,
    tx: &mut Tx,
    person: PersonId,
    site: SiteId,
    dates: &[store::Undigested],
) -> anyhow::Result<()> {
    let Some(to) = recipient(&mut **tx, person).await? else {
        return Ok(());
    };
    let name = site_name(tx, site).await?;
    let email = digest_email(&to, &name, dates, &st.config.base_url());
    put(st, tx, site, "series_digest", &email).await
}

/// The weekly digest's message.
pub fn digest_email(
    to: &Recipient,
    site: &Whereabouts,
    dates: &[store::Undigested],
    base_url: &str,
) -> Email {
    let l = to.lang;
    let day = |d: &str| {
        chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_or_else(|_| d.to_string(), |d| written_day(d, l))
    };
    let booked: Vec<String> = dates
        .iter()
        .filter(|d| d.outcome == "booked")
        .map(|d| format!("・{}", day(&d.date)))
        .collect();
    let not: Vec<String> = dates
        .iter()
        .filter(|d| d.outcome != "booked")
        .map(|d| format!("・{} {}", day(&d.date), why_not(d, l)))
        .collect();
    let subject = l
        .pick(
            &format!("【KADO】定期予約: 新たに{}件を予約しました", booked.len()),
            &format!(
                "[KADO] Your recurring bookings: {} new dates booked",
                booked.len()
            ),
        )
        .to_string();
    let mut lines = vec![
        l.pick(
            "予約期間が進んだため、定期予約の次の日程を予約しました。",
            "The booking window moved on, so the next dates of your recurring booking were booked.",
        )
        .to_string(),
    ];
    lines.extend(site.lines(l));
    if !booked.is_empty() {
        lines.push(l.pick("予約した日:", "Booked:").to_string());
        lines.extend(booked);
    }
    if !not.is_empty() {
        lines.push(l.pick("予約できなかった日:", "Not booked:").to_string());
        lines.extend(not);
    }
    lines.push(
        l.pick(
            "定期予約をやめるときは、予約一覧から「以降を取り消す」を選んでください。",
            "To stop the series, cancel the rest of it from your bookings.",
        )
        .to_string(),
    );
    compose(to, subject, &lines, false, base_url)
}

/// Why a date was not booked, in a few words.
fn why_not(d: &store::Undigested, l: Lang) -> &'static str {
    match (d.outcome.as_str(), d.code.as_deref()) {
        ("skipped", _) => l.pick("(休館日)", "(closed)"),
        (_, Some("booking.no_free_desk" | "booking.overlap")) => {
            l.pick("(空いている席がありません)", "(no desk free)")
        }
        (_, Some("booking.person_overlap")) => l.pick(
            "(その時間は別の予約があります)",
            "(you have another booking then)",
        ),
        (_, Some("booking.too_many" | "booking.daily_limit")) => {
            l.pick("(予約の上限に達しています)", "(over your booking limit)")
        }
        _ => l.pick("(予約できませんでした)", "(could not be booked)"),
    }
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
        let name = Whereabouts::of(&site);
        let site_id = site.id;
        let mut tx = st.db.begin().await?;
        let due = store::due_reminders(&mut tx, site_id, schedule.day_bounds(tomorrow)).await?;
        let mut people: std::collections::BTreeMap<PersonId, Vec<BookingId>> = Default::default();
        for (id, person) in due {
            people.entry(person).or_default().push(id);
        }
        for (person, ids) in people {
            store::mark_reminded(&mut tx, &ids, now.timestamp()).await?;
            let Some(to) = recipient(&mut *tx, person).await? else {
                continue;
            };
            let list = bookings(&mut tx, &ids).await?;
            let mut email = reminder_email(&to, &name, &list, &st.config.base_url());
            email.attachments = vec![qr(st, &mut *tx, person).await?];
            put(st, &mut tx, site_id, "booking_reminder", &email).await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}

/// The address of a booking on the worker's pages (a series opens with its first date).
pub fn booking_url(b: &Booking, base_url: &str) -> String {
    format!("{base_url}/app/#/bookings?id={}", b.id.0)
}

/// "予約の確認・取り消し: <link>": where to see, change or cancel the booking.
fn link(b: &Booking, l: Lang, base_url: &str) -> String {
    format!(
        "{}{}",
        l.pick("予約の確認・取り消し: ", "See or cancel it: "),
        booking_url(b, base_url)
    )
}

/// "11月24日(火) 9:00-13:00 D-05" or "Tue 24 Nov 9:00-13:00, D-05".
pub fn when(b: &Booking, lang: Lang) -> String {
    let day = written_day(b.date, lang);
    let hours = written_hours(b.start, b.end);
    match lang {
        Lang::Ja => format!("{day} {hours} {}", b.space_name),
        Lang::En => format!("{day} {hours}, {}", b.space_name),
    }
}

/// A booking confirmed: one booking, or a series (its dates and the skipped ones).
pub fn confirmed_email(
    to: &Recipient,
    site: &Whereabouts,
    bookings: &[Booking],
    skipped: &[(String, String)],
    care: Care<'_>,
    base_url: &str,
) -> Email {
    let l = to.lang;
    let subject = match (bookings, l) {
        ([b], Lang::Ja) => format!("【KADO】ご予約を承りました: {}", when(b, l)),
        ([b], Lang::En) => format!("[KADO] Booking confirmed: {}", when(b, l)),
        (_, Lang::Ja) => format!("【KADO】定期予約を承りました({}件)", bookings.len()),
        (_, Lang::En) => format!(
            "[KADO] Recurring booking confirmed ({} dates)",
            bookings.len()
        ),
    };
    let mut lines = vec![
        l.pick("以下のご予約を承りました。", "Your booking is confirmed.")
            .to_string(),
    ];
    lines.extend(site.lines(l));
    lines.extend(bookings.iter().map(|b| format!("・{}", when(b, l))));
    if !skipped.is_empty() {
        lines.push(
            l.pick(
                "休館日のため予約しなかった日:",
                "Not booked (the site is closed):",
            )
            .to_string(),
        );
        lines.extend(skipped.iter().map(|(d, why)| format!("・{d} {why}")));
    }
    if !care.places.is_empty() {
        lines.push(if care.waitlisted {
            l.pick(
                "託児(満員のためキャンセル待ち。空きが出たらお知らせします):",
                "Childcare (the room is full: on the waitlist, we will tell you when a place frees):",
            )
        } else {
            l.pick("託児:", "Childcare:")
        }.to_string());
        lines.extend(care.places.iter().map(|p| format!("・{}", p.line(l))));
    }
    lines.extend(bookings.first().map(|b| link(b, l, base_url)));
    lines.push(
        l.pick(
            "カレンダー用のファイルを添付しています。",
            "A calendar file is attached.",
        )
        .to_string(),
    );
    compose(to, subject, &lines, true, base_url)
}

/// A booking moved to another time or space.
pub fn changed_email(to: &Recipient, site: &Whereabouts, b: &Booking, base_url: &str) -> Email {
    let l = to.lang;
    let subject = l
        .pick(
            &format!("【KADO】ご予約を変更しました: {}", when(b, l)),
            &format!("[KADO] Booking changed: {}", when(b, l)),
        )
        .to_string();
    let mut lines = vec![
        l.pick(
            "ご予約を次のとおり変更しました。",
            "Your booking now reads:",
        )
        .to_string(),
    ];
    lines.extend(site.lines(l));
    lines.push(format!("・{}", when(b, l)));
    lines.push(link(b, l, base_url));
    compose(to, subject, &lines, true, base_url)
}

/// Bookings cancelled (by the worker or the staff: one, or the rest of a series) or one
/// released as a no-show, with the childcare places cancelled with them.
pub fn cancelled_email(
    to: &Recipient,
    site: &Whereabouts,
    list: &[Booking],
    released: bool,
    places: &[PlaceNote],
    base_url: &str,
) -> Email {
    let l = to.lang;
    let (ja, en) = if released {
        (
            "チェックインがなかったため、ご予約を解放しました。",
            "Nobody checked in, so the booking was released.",
        )
    } else {
        ("ご予約を取り消しました。", "Your booking was cancelled.")
    };
    let subject = match (list, l) {
        ([b], Lang::Ja) => format!("【KADO】ご予約の取り消し: {}", when(b, l)),
        ([b], Lang::En) => format!("[KADO] Booking cancelled: {}", when(b, l)),
        (_, Lang::Ja) => format!("【KADO】ご予約の取り消し({}件)", list.len()),
        (_, Lang::En) => format!("[KADO] Bookings cancelled ({} dates)", list.len()),
    };
    let mut lines = vec![l.pick(ja, en).to_string()];
    lines.extend(site.lines(l));
    lines.extend(list.iter().map(|b| format!("・{}", when(b, l))));
    if !places.is_empty() {
        lines.push(
            l.pick("あわせて取り消した託児:", "Childcare cancelled with it:")
                .to_string(),
        );
        lines.extend(places.iter().map(|p| format!("・{}", p.line(l))));
    }
    compose(to, subject, &lines, false, base_url)
}

/// The evening-before reminder.
pub fn reminder_email(
    to: &Recipient,
    site: &Whereabouts,
    bookings: &[Booking],
    base_url: &str,
) -> Email {
    let l = to.lang;
    let subject = l
        .pick(
            "【KADO】明日のご予約のお知らせ",
            "[KADO] Your booking tomorrow",
        )
        .to_string();
    let mut lines = vec![
        l.pick("明日のご予約です。", "A reminder of your booking tomorrow:")
            .to_string(),
    ];
    lines.extend(site.lines(l));
    lines.extend(bookings.iter().map(|b| format!("・{}", when(b, l))));
    lines.extend(bookings.first().map(|b| link(b, l, base_url)));
    compose(to, subject, &lines, true, base_url)
}
