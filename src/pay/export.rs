//! A month's payments as a CSV file for payroll: one row per worker and project, Japanese
//! headers, in UTF-8 with a BOM (Excel opens it correctly) or in Shift_JIS (CP932). A row
//! Shift_JIS cannot hold is never replaced silently: the export is refused, naming it.

use super::errors::PayError;
use super::payments;
use super::statement::Statement;
use super::store::{self, ExportPerson};
use crate::attendance::rules::Month;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::ids::{PersonId, SiteId};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// The columns, as payroll reads them.
pub const HEADERS: [&str; 13] = [
    "会員番号",
    "氏名",
    "氏名カナ",
    "市町村",
    "チーム",
    "プロジェクト",
    "分",
    "時間",
    "時給",
    "金額",
    "源泉徴収税額",
    "差引支払額",
    "支払期日",
];

/// How the file is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Cp932,
}

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A text cell that a spreadsheet would run as a formula is kept as text.
fn text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// The rows (after the headers): one per worker and project of each statement.
pub fn rows(statements: &[Statement], people: &[ExportPerson]) -> Vec<(PersonId, Vec<String>)> {
    let by_id: BTreeMap<PersonId, &ExportPerson> = people.iter().map(|p| (p.id, p)).collect();
    let mut out = Vec::new();
    for s in statements {
        let p = by_id.get(&s.person_id);
        for line in &s.projects {
            let rates: Vec<String> = line
                .rates
                .iter()
                .map(|r| r.yen_per_hour.to_string())
                .collect();
            out.push((
                s.person_id,
                vec![
                    p.and_then(|p| p.member_number.clone()).unwrap_or_default(),
                    p.map_or(String::new(), |p| text(&p.name)),
                    p.map_or(String::new(), |p| text(&p.name_kana)),
                    p.and_then(|p| p.municipality.as_deref())
                        .map_or(String::new(), text),
                    p.and_then(|p| p.team.as_deref())
                        .map_or(String::new(), text),
                    text(&line.name),
                    line.minutes.to_string(),
                    format!("{:.2}", line.minutes as f64 / 60.0),
                    rates.join("/"),
                    line.amount.to_string(),
                    line.withholding.to_string(),
                    line.total.to_string(),
                    s.due_on.to_string(),
                ],
            ));
        }
    }
    out
}

/// The file's bytes; `Err` with the names of the rows Shift_JIS cannot hold.
pub fn encode(
    rows: &[(PersonId, Vec<String>)],
    encoding: Encoding,
) -> Result<Vec<u8>, Vec<String>> {
    let line = |cells: &[String]| {
        let mut l = cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(",");
        l.push_str("\r\n");
        l
    };
    let header: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    let mut text = line(&header);
    let mut bad = Vec::new();
    for (_, cells) in rows {
        let l = line(cells);
        if encoding == Encoding::Cp932 {
            let (_, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&l);
            if unmappable {
                bad.push(format!("{} ({})", cells[1], cells[5]));
            }
        }
        text.push_str(&l);
    }
    if !bad.is_empty() {
        return Err(bad);
    }
    Ok(match encoding {
        Encoding::Utf8 => {
            let mut b = "\u{FEFF}".as_bytes().to_vec();
            b.extend_from_slice(text.as_bytes());
            b
        }
        Encoding::Cp932 => encoding_rs::SHIFT_JIS.encode(&text).0.into_owned(),
    })
}

/// A site's month as a CSV file, with the workers whose month is not approved
/// (refused with a 409 listing them when `approved_only`).
pub async fn csv(
    db: &Db,
    (site, month): (SiteId, Month),
    encoding: Encoding,
    approved_only: bool,
    now: DateTime<Utc>,
) -> ApiResult<(Vec<u8>, Vec<PersonId>)> {
    let (statements, missing) =
        payments::statements_of_site(db, site, month, payments::Which::All, now).await?;
    let people = store::export_people(db, site, &month.to_string()).await?;
    let names: Vec<String> = missing
        .iter()
        .filter_map(|id| people.iter().find(|p| p.id == *id))
        .map(|p| p.name.clone())
        .collect();
    if approved_only && !names.is_empty() {
        return Err(ApiError::from(PayError::Unapproved).with("names", names.join(", ")));
    }
    let bytes = encode(&rows(&statements, &people), encoding)
        .map_err(|bad| ApiError::from(PayError::NotCp932).with("names", bad.join(", ")))?;
    Ok((bytes, missing))
}
