//! The KPI table as files: XLSX in the committee's layout (indicator, baseline, target,
//! actual, achievement; each city's actual beside it in brackets, as the committee's table
//! shows "[21]"; a second sheet with the months) and CSV (UTF-8 with a BOM, CRLF, one line a
//! municipality and KPI).

use super::report::{Report, ScopeReport};
use crate::error::Lang;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// The CSV's header line.
pub const CSV_HEADER: &str =
    "municipality_code,municipality,kpi,name,baseline,target,actual,achievement_percent";

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The table as CSV.
pub fn csv(r: &Report) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    out.push_str(CSV_HEADER);
    out.push_str("\r\n");
    for s in &r.scopes {
        for k in &s.kpis {
            let line = [
                field(s.code.as_deref().unwrap_or("")),
                field(&s.name),
                k.key.clone(),
                field(&k.name),
                opt(k.baseline),
                opt(k.target),
                k.actual.to_string(),
                opt(k.achievement),
            ]
            .join(",");
            out.push_str(&line);
            out.push_str("\r\n");
        }
    }
    out.into_bytes()
}

/// The scope the table's main columns show: the total, else the first city.
fn main_scope(r: &Report) -> Option<&ScopeReport> {
    r.scopes
        .iter()
        .find(|s| s.municipality_id.is_none())
        .or_else(|| r.scopes.first())
}

/// The table as an XLSX workbook in the committee's layout.
pub fn xlsx(r: &Report, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0\"%\"");
    let yen = Format::new().set_num_format("#,##0");
    let sheet = book.add_worksheet();
    sheet.set_name("KPI")?;
    let reiwa = r.fiscal_year - 2018;
    let title = match lang {
        Lang::Ja => format!("重要業績指標(KPI) {}年度(令和{reiwa}年度)", r.fiscal_year),
        Lang::En => format!("Key performance indicators, fiscal year {}", r.fiscal_year),
    };
    sheet.write_string_with_format(0, 0, &title, &bold)?;
    let Some(main) = main_scope(r) else {
        return book.save_to_buffer();
    };
    let others: Vec<&ScopeReport> = r
        .scopes
        .iter()
        .filter(|s| s.municipality_id.is_some() && !std::ptr::eq(*s, main))
        .collect();
    let head = [
        lang.pick("指標", "Indicator"),
        lang.pick("基準値", "Baseline"),
        lang.pick("目標値", "Target"),
        lang.pick("実績値", "Actual"),
        lang.pick("達成率", "Achievement"),
    ];
    sheet.write_string_with_format(1, 0, &main.name, &bold)?;
    for (c, h) in head.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, *h, &bold)?;
    }
    for (i, o) in others.iter().enumerate() {
        sheet.write_string_with_format(2, 5 + i as u16, format!("[{}]", o.name), &bold)?;
    }
    for (row, k) in main.kpis.iter().enumerate() {
        let row = 3 + row as u32;
        sheet.write_string(row, 0, &k.name)?;
        if let Some(b) = k.baseline {
            sheet.write_number_with_format(row, 1, b as f64, &yen)?;
        }
        if let Some(t) = k.target {
            sheet.write_number_with_format(row, 2, t as f64, &yen)?;
        }
        sheet.write_number_with_format(row, 3, k.actual as f64, &yen)?;
        if let Some(a) = k.achievement {
            sheet.write_number_with_format(row, 4, a, &percent)?;
        }
        for (i, o) in others.iter().enumerate() {
            if let Some(ok) = o.kpis.iter().find(|x| x.key == k.key) {
                sheet.write_number_with_format(row, 5 + i as u16, ok.actual as f64, &yen)?;
            }
        }
    }
    sheet.set_column_width(0, 48)?;
    let note_row = 4 + main.kpis.len() as u32;
    sheet.write_string(
        note_row,
        0,
        lang.pick(
            "※[ ]内は各自治体に関する実績",
            "[ ]: each municipality's own figure",
        ),
    )?;

    let months = book.add_worksheet();
    months.set_name(lang.pick("月別", "Months"))?;
    let head = [
        lang.pick("月", "Month"),
        lang.pick("就労ワーカー数", "Active workers"),
        lang.pick("センター(分)", "Center (minutes)"),
        lang.pick("在宅(分)", "Remote (minutes)"),
        lang.pick("支払額(円)", "Paid (yen)"),
        lang.pick("受注額(円)", "Orders (yen)"),
    ];
    months.write_string_with_format(0, 0, &main.name, &bold)?;
    for (c, h) in head.iter().enumerate() {
        months.write_string_with_format(1, c as u16, *h, &bold)?;
    }
    for (i, m) in main.months.iter().enumerate() {
        let row = 2 + i as u32;
        months.write_string(row, 0, &m.month)?;
        for (c, v) in [
            m.active,
            m.center_minutes,
            m.remote_minutes,
            m.paid_yen,
            m.orders_yen,
        ]
        .iter()
        .enumerate()
        {
            months.write_number(row, 1 + c as u16, *v as f64)?;
        }
    }
    book.save_to_buffer()
}
