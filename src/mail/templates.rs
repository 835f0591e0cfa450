//! The shared layout of every message, in Japanese or English, as plain text and HTML: the
//! greeting, the lines an area writes, the QR line when the message carries the QR code, and
//! the footer. Areas write their own lines (`<area>/notify.rs`).

use super::Email;
use crate::error::Lang;

/// Who a message goes to.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub email: String,
    pub name: String,
    pub lang: Lang,
}

impl Recipient {
    /// A recipient from their stored address, name and language (`en`, else Japanese).
    pub fn new(email: String, name: String, language: &str) -> Recipient {
        let lang = if language == "en" { Lang::En } else { Lang::Ja };
        Recipient { email, name, lang }
    }
}

/// The place a message is about, as it names it.
#[derive(Clone, Debug)]
pub struct SiteName {
    pub ja: String,
    pub en: String,
}

/// "拠点: …" / "Site: …", the line that says where.
pub fn site_line(site: &SiteName, lang: Lang) -> String {
    lang.pick(&format!("拠点: {}", site.ja), &format!("Site: {}", site.en))
        .to_string()
}

/// Escapes a text for HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A message from lines of text: the same lines become the HTML body; an inline QR image
/// (the attachment with content id `qr`) is shown when `qr` is set.
pub fn compose(
    to: &Recipient,
    subject: String,
    lines: &[String],
    qr: bool,
    base_url: &str,
) -> Email {
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

/// A message whose point is one link (a sign-in link, an invitation): a greeting, one
/// sentence, the link, and what to do when it was not expected.
pub struct LinkMessage<'a> {
    pub subject: String,
    pub hello: String,
    pub body: String,
    pub link: &'a str,
    pub ignore: &'a str,
}

/// The e-mail of a [`LinkMessage`], as text and as HTML.
pub fn link_email(to_email: String, to_name: String, lang: Lang, m: LinkMessage) -> Email {
    let LinkMessage {
        subject,
        hello,
        body,
        link,
        ignore,
    } = m;
    let text = format!("{hello}\n\n{body}\n{link}\n\n{ignore}\n");
    let html = format!(
        "<!doctype html><html lang=\"{}\"><body>\n<p>{}</p>\n<p>{}<br>\n<a href=\"{}\">{}</a></p>\n<p>{}</p>\n</body></html>\n",
        if lang == Lang::Ja { "ja" } else { "en" },
        escape(&hello),
        escape(&body),
        escape(link),
        escape(link),
        escape(ignore)
    );
    Email {
        to_email,
        to_name,
        subject,
        text,
        html,
        attachments: Vec::new(),
    }
}
