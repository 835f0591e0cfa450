//! A month's (or a range of months') payments for payroll: one row per worker and project,
//! Japanese headers; as CSV in UTF-8 with a BOM (Excel opens it correctly) or in Shift_JIS
//! (CP932), or as an XLSX workbook (a summary sheet and one sheet per site, numbers as
//! numbers, dates as dates). A row Shift_JIS cannot hold is never replaced silently: the
//! export is refused, naming it.

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
pub const HEADERS: [&str; 16] = [
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
    "支払日",
    "拠点",
    "対象月",
];

/// How the file is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Cp932,
}

impl Encoding {
    /// The file's content type.
    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Utf8 => "text/csv; charset=utf-8",
            Encoding::Cp932 => "text/csv; charset=Shift_JIS",
        }
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A text cell that a spreadsheet would run as a formula is kept as text.
pub fn text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// A site's month as exported: its statements, who they are, who is not approved yet.
pub struct SiteMonth {
    pub site: SiteId,
    pub site_name: String,
    pub month: Month,
    pub statements: Vec<Statement>,
    pub people: Vec<ExportPerson>,
    pub missing: Vec<PersonId>,
}

/// The approved months of the sites over the months, each site's in month order.
pub async fn collect(
    db: &Db,
    sites: &[SiteId],
    months: &[Month],
    now: DateTime<Utc>,
) -> ApiResult<Vec<SiteMonth>> {
    let mut out = Vec::new();
    for &site in sites {
        let site_name = crate::sites::store::get(db, site).await?.name_ja;
        for &month in months {
            let (statements, missing) =
                payments::statements_of_site(db, site, month, payments::Which::All, now).await?;
            out.push(SiteMonth {
                site,
                site_name: site_name.clone(),
                month,
                statements,
                people: store::export_people(db, site, &month.to_string()).await?,
                missing,
            });
        }
    }
    Ok(out)
}

/// The months from `from` to `to`, both included: at most 24, `to` not before `from`.
pub fn months(from: Month, to: Month) -> ApiResult<Vec<Month>> {
    let mut out = Vec::new();
    let mut m = from;
    while m <= to {
        if out.len() == 24 {
            return Err(crate::error::invalid_code("to", PayError::BadRange));
        }
        out.push(m);
        m = Month::of(
            m.first_day()
                .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
                .ok_or_else(|| anyhow::anyhow!("no month after {m}"))?,
        );
    }
    if out.is_empty() {
        return Err(crate::error::invalid_code("to", PayError::BadRange));
    }
    Ok(out)
}

/// The rows (after the headers): one per worker and project of each statement.
pub fn rows(part: &SiteMonth) -> Vec<(PersonId, Vec<String>)> {
    let by_id: BTreeMap<PersonId, &ExportPerson> = part.people.iter().map(|p| (p.id, p)).collect();
    let mut out = Vec::new();
    for s in &part.statements {
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
                    p.and_then(|p| p.member_number.as_deref())
                        .map_or(String::new(), text),
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
                    s.paid_on.clone().unwrap_or_default(),
                    text(&part.site_name),
                    part.month.to_string(),
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

/// The names of the people with time whose month is not approved, refused (409 listing
/// them) when `approved_only`.
fn unapproved(parts: &[SiteMonth], approved_only: bool) -> ApiResult<Vec<PersonId>> {
    let mut ids = Vec::new();
    let mut names = Vec::new();
    for part in parts {
        for id in &part.missing {
            ids.push(*id);
            if let Some(p) = part.people.iter().find(|p| p.id == *id) {
                names.push(format!("{} ({})", p.name, part.month));
            }
        }
    }
    if approved_only && !ids.is_empty() {
        return Err(ApiError::from(PayError::Unapproved).with("names", names.join(", ")));
    }
    Ok(ids)
}

/// The sites' months as one CSV file, with the people whose month is not approved (refused
/// with a 409 listing them when `approved_only`).
pub async fn csv(
    db: &Db,
    (sites, months): (&[SiteId], &[Month]),
    encoding: Encoding,
    approved_only: bool,
    now: DateTime<Utc>,
) -> ApiResult<(Vec<u8>, Vec<PersonId>)> {
    let parts = collect(db, sites, months, now).await?;
    let missing = unapproved(&parts, approved_only)?;
    let all: Vec<(PersonId, Vec<String>)> = parts.iter().flat_map(rows).collect();
    let bytes = encode(&all, encoding)
        .map_err(|bad| ApiError::from(PayError::NotCp932).with("names", bad.join(", ")))?;
    Ok((bytes, missing))
}

/// The sites' months as an XLSX workbook, with the people whose month is not approved
/// (refused with a 409 listing them when `approved_only`).
pub async fn xlsx(
    db: &Db,
    (sites, months): (&[SiteId], &[Month]),
    approved_only: bool,
    now: DateTime<Utc>,
) -> ApiResult<(Vec<u8>, Vec<PersonId>)> {
    let parts = collect(db, sites, months, now).await?;
    let missing = unapproved(&parts, approved_only)?;
    let bytes = workbook(&parts).map_err(|e| anyhow::anyhow!("xlsx: {e}"))?;
    Ok((bytes, missing))
}

/// The summary sheet's columns.
pub const SUMMARY: [&str; 10] = [
    "拠点",
    "対象月",
    "人数",
    "分",
    "時間",
    "金額",
    "源泉徴収税額",
    "差引支払額",
    "支払期日",
    "未承認(人)",
];

/// A sheet name Excel accepts: none of []:*?/\, no apostrophe at either end, at most 31
/// UTF-16 units with the site's id added when needed, unique whatever the case.
fn sheet_name(name: &str, site: SiteId, taken: &[String]) -> String {
    let fits = |s: &str, units: usize| {
        let mut out = String::new();
        for c in s.chars() {
            if out.encode_utf16().count() + c.len_utf16() > units {
                break;
            }
            out.push(c);
        }
        out
    };
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let clean = clean.trim_matches('\'').trim();
    let clean = if clean.is_empty() || clean == "集計" {
        format!("site {site}")
    } else {
        fits(clean, 31)
    };
    let lower = |s: &str| s.to_lowercase();
    if taken.iter().any(|t| lower(t) == lower(&clean)) {
        let suffix = format!(" ({site})");
        let room = 31 - suffix.encode_utf16().count().min(31);
        format!("{}{suffix}", fits(&clean, room).trim_end_matches('\''))
    } else {
        clean
    }
}

fn date_of(s: &str) -> Option<rust_xlsxwriter::ExcelDateTime> {
    let d: chrono::NaiveDate = s.parse().ok()?;
    rust_xlsxwriter::ExcelDateTime::from_ymd(
        u16::try_from(chrono::Datelike::year(&d)).ok()?,
        u8::try_from(chrono::Datelike::month(&d)).ok()?,
        u8::try_from(chrono::Datelike::day(&d)).ok()?,
    )
    .ok()
}

/// The cell formats of the workbook.
struct Formats {
    bold: rust_xlsxwriter::Format,
    day: rust_xlsxwriter::Format,
    hours: rust_xlsxwriter::Format,
    yen: rust_xlsxwriter::Format,
}

/// 集計: a row per site and month.
fn summary_sheet(
    sheet: &mut rust_xlsxwriter::Worksheet,
    parts: &[SiteMonth],
    f: &Formats,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    sheet.set_name("集計")?;
    for (c, h) in SUMMARY.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &f.bold)?;
    }
    for (r, part) in (1u32..).zip(parts) {
        let s = &part.statements;
        let minutes: i64 = s.iter().map(|s| s.minutes).sum();
        let sum = |g: fn(&Statement) -> i64| s.iter().map(g).sum::<i64>() as f64;
        sheet.write_string(r, 0, &part.site_name)?;
        sheet.write_string(r, 1, part.month.to_string())?;
        sheet.write_number(r, 2, s.len() as f64)?;
        sheet.write_number(r, 3, minutes as f64)?;
        sheet.write_number_with_format(r, 4, minutes as f64 / 60.0, &f.hours)?;
        sheet.write_number_with_format(r, 5, sum(|s| s.amount), &f.yen)?;
        sheet.write_number_with_format(r, 6, sum(|s| s.withholding), &f.yen)?;
        sheet.write_number_with_format(r, 7, sum(|s| s.total), &f.yen)?;
        if let Some(d) = s.first().and_then(|s| date_of(&s.due_on.to_string())) {
            sheet.write_datetime_with_format(r, 8, &d, &f.day)?;
        }
        sheet.write_number(r, 9, part.missing.len() as f64)?;
    }
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(8, 12)?;
    Ok(())
}

/// A site's sheet: the CSV's rows, numbers as numbers and dates as dates.
fn site_sheet(
    sheet: &mut rust_xlsxwriter::Worksheet,
    parts: &[&SiteMonth],
    f: &Formats,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &f.bold)?;
    }
    let cells = parts.iter().flat_map(|p| rows(p)).map(|(_, cells)| cells);
    for (r, cells) in (1u32..).zip(cells) {
        for (c, v) in (0u16..).zip(&cells) {
            let n = || v.parse::<f64>().unwrap_or(0.0);
            match c {
                6 | 9..=11 => sheet.write_number_with_format(r, c, n(), &f.yen)?,
                7 => sheet.write_number_with_format(r, c, n(), &f.hours)?,
                // One rate is a number; rates that changed in the month stay "1000/1100".
                8 if !v.contains('/') => sheet.write_number_with_format(r, c, n(), &f.yen)?,
                12 | 13 => match date_of(v) {
                    Some(d) => sheet.write_datetime_with_format(r, c, &d, &f.day)?,
                    None => sheet,
                },
                _ => sheet.write_string(r, c, v)?,
            };
        }
    }
    sheet.set_column_width(1, 14)?;
    sheet.set_column_width(12, 12)?;
    sheet.set_column_width(13, 12)?;
    Ok(())
}

/// The workbook: 集計 (per site and month) first, then one sheet per site.
pub fn workbook(parts: &[SiteMonth]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let f = Formats {
        bold: Format::new().set_bold(),
        day: Format::new().set_num_format("yyyy-mm-dd"),
        hours: Format::new().set_num_format("0.00"),
        yen: Format::new().set_num_format("#,##0"),
    };
    let mut book = Workbook::new();
    summary_sheet(book.add_worksheet(), parts, &f)?;
    let mut names: Vec<String> = Vec::new();
    let mut sites: Vec<SiteId> = parts.iter().map(|p| p.site).collect();
    sites.dedup();
    for site in sites {
        let mine: Vec<&SiteMonth> = parts.iter().filter(|p| p.site == site).collect();
        let name = sheet_name(
            mine.first().map_or("", |p| p.site_name.as_str()),
            site,
            &names,
        );
        let sheet = book.add_worksheet();
        sheet.set_name(&name)?;
        names.push(name);
        site_sheet(sheet, &mine, &f)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod sheet_name_tests {
    use super::*;

    #[test]
    fn sheet_names_excel_accepts() {
        let long_astral = "𠮷".repeat(40);
        let cases = [
            ("'Ueda'", vec![]),
            ("Ueda", vec!["UEDA".to_string()]),
            (long_astral.as_str(), vec![]),
            (long_astral.as_str(), vec![fits_all(&long_astral)]),
            (
                "塩尻市テレワークセンター塩尻市テレワークセンター塩尻市テレワーク",
                vec![],
            ),
            ("a/b[c]", vec![]),
            ("集計", vec![]),
            ("   ", vec![]),
        ];
        for (name, taken) in cases {
            let got = sheet_name(name, SiteId(123_456), &taken);
            assert!(got.encode_utf16().count() <= 31, "{got}");
            assert!(!taken.iter().any(|t| t.to_lowercase() == got.to_lowercase()));
            let mut book = rust_xlsxwriter::Workbook::new();
            assert!(
                book.add_worksheet().set_name(&got).is_ok(),
                "{name} -> {got}"
            );
        }
    }

    fn fits_all(s: &str) -> String {
        sheet_name(s, SiteId(123_456), &[])
    }
}
