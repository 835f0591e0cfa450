//! The messages, in Japanese and English, as plain text and HTML. Pure functions of the data
//! they show.

use super::Email;
use crate::booking::Booking;
use crate::error::Lang;

/// Who a message goes to.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub email: String,
    pub name: String,
    pub lang: Lang,
}

/// The site as a message names it.
#[derive(Clone, Debug)]
pub struct SiteName {
    pub ja: String,
    pub en: String,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// "11/24(火) 09:00-13:00 D-05" or "Tue 24 Nov 09:00-13:00, D-05".
pub fn when(b: &Booking, lang: Lang) -> String {
    let date = chrono::NaiveDate::parse_from_str(&b.date, "%Y-%m-%d").unwrap_or_default();
    match lang {
        Lang::Ja => {
            let wd = ["月", "火", "水", "木", "金", "土", "日"]
                [chrono::Datelike::weekday(&date).num_days_from_monday() as usize];
            format!(
                "{}({wd}) {}-{} {}",
                date.format("%-m/%-d"),
                b.start,
                b.end,
                b.space_name
            )
        }
        Lang::En => format!(
            "{} {}-{}, {}",
            date.format("%a %-d %b"),
            b.start,
            b.end,
            b.space_name
        ),
    }
}

/// A message from lines of text: the same lines become the HTML body; an inline QR image is
/// shown when `qr` is set.
fn compose(to: &Recipient, subject: String, lines: &[String], qr: bool, base_url: &str) -> Email {
    let (hello, footer) = match to.lang {
        Lang::Ja => (
            format!("{} さん", to.name),
            format!("KADO テレワークセンター\n{base_url}/"),
        ),
        Lang::En => (
            format!("Dear {},", to.name),
            format!("KADO telework center\n{base_url}/"),
        ),
    };
    let qr_line = match to.lang {
        Lang::Ja => "入口のキオスクでこのQRコードをかざしてチェックインしてください。",
        Lang::En => "Show this QR code at the entrance kiosk to check in.",
    };
    let mut text = format!("{hello}\n\n{}\n", lines.join("\n"));
    let mut html = format!("<p>{}</p>\n", escape(&hello));
    html.push_str(&format!(
        "<p>{}</p>\n",
        lines
            .iter()
            .map(|l| escape(l))
            .collect::<Vec<_>>()
            .join("<br>\n")
    ));
    if qr {
        text.push_str(&format!("\n{qr_line}\n"));
        html.push_str(&format!(
            "<p>{}</p>\n<p><img src=\"cid:qr\" alt=\"QR\" width=\"240\" height=\"240\"></p>\n",
            escape(qr_line)
        ));
    }
    text.push_str(&format!("\n--\n{footer}\n"));
    html.push_str(&format!(
        "<p>--<br>{}</p>\n",
        escape(&footer).replace('\n', "<br>")
    ));
    Email {
        to_email: to.email.clone(),
        to_name: to.name.clone(),
        subject,
        text,
        html: format!(
            "<!doctype html><html lang=\"{}\"><body>\n{html}</body></html>\n",
            if to.lang == Lang::Ja { "ja" } else { "en" }
        ),
        attachments: Vec::new(),
    }
}

fn site_line(site: &SiteName, lang: Lang) -> String {
    lang.pick(&format!("拠点: {}", site.ja), &format!("Site: {}", site.en))
        .to_string()
}

/// A booking confirmed: one booking, or a series (its dates and the skipped ones).
pub fn confirmed(
    to: &Recipient,
    site: &SiteName,
    bookings: &[Booking],
    skipped: &[(String, String)],
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
        site_line(site, l),
    ];
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
pub fn changed(to: &Recipient, site: &SiteName, b: &Booking, base_url: &str) -> Email {
    let l = to.lang;
    let subject = l
        .pick(
            &format!("【KADO】ご予約を変更しました: {}", when(b, l)),
            &format!("[KADO] Booking changed: {}", when(b, l)),
        )
        .to_string();
    let lines = vec![
        l.pick(
            "ご予約を次のとおり変更しました。",
            "Your booking now reads:",
        )
        .to_string(),
        site_line(site, l),
        format!("・{}", when(b, l)),
    ];
    compose(to, subject, &lines, true, base_url)
}

/// A booking cancelled (by the worker or the staff) or released as a no-show.
pub fn cancelled(
    to: &Recipient,
    site: &SiteName,
    b: &Booking,
    released: bool,
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
    let subject = l
        .pick(
            &format!("【KADO】ご予約の取り消し: {}", when(b, l)),
            &format!("[KADO] Booking cancelled: {}", when(b, l)),
        )
        .to_string();
    let lines = vec![
        l.pick(ja, en).to_string(),
        site_line(site, l),
        format!("・{}", when(b, l)),
    ];
    compose(to, subject, &lines, false, base_url)
}

/// The evening-before reminder.
pub fn reminder(to: &Recipient, site: &SiteName, bookings: &[Booking], base_url: &str) -> Email {
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
        site_line(site, l),
    ];
    lines.extend(bookings.iter().map(|b| format!("・{}", when(b, l))));
    compose(to, subject, &lines, true, base_url)
}

/// What happened to a childcare request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildcareNews {
    Booked,
    Waitlisted,
    Promoted,
}

/// Childcare booked, waitlisted, or given a freed place.
pub fn childcare(
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
