//! The KPI table as files: XLSX in the committee's layout (indicator, baseline, target,
//! actual, achievement; each city's actual beside it in brackets, as the committee's table
//! shows "[21]"; a second sheet with the months) and CSV (UTF-8 with a BOM, CRLF, one line a
//! municipality and KPI).

use super::report::{Kpi, Report, ScopeReport};
use crate::error::Lang;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// The CSV's header line.
pub const CSV_HEADER: &str = "municipality_code,municipality,kpi,name,baseline,target,actual,achievement_percent,final_target,year_target,year_increase,year_achievement_percent,cumulative_target,cumulative_increase,cumulative_achievement_percent";

/// A text cell as the pay exports write it: never run as a formula, quoted when needed.
fn field(s: &str) -> String {
    crate::pay::export::field(&crate::pay::export::text(s))
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// What a withheld figure shows: fewer than 3 people stand behind it.
pub const FEWER: &str = "<3";

/// A KPI's actual figure as text, "<3" when withheld.
fn actual(k: &super::report::Kpi) -> String {
    if k.suppressed {
        FEWER.to_string()
    } else {
        opt(k.actual)
    }
}

/// An increase as text, "<3" when withheld.
fn increase(k: &super::report::Kpi, v: Option<i64>) -> String {
    if k.increase_suppressed {
        FEWER.to_string()
    } else {
        opt(v)
    }
}

/// A number cell, or "<3" for a withheld figure.
fn number(
    sheet: &mut rust_xlsxwriter::Worksheet,
    (row, col): (u32, u16),
    v: Option<i64>,
    format: &Format,
) -> Result<(), XlsxError> {
    match v {
        Some(v) => sheet.write_number_with_format(row, col, v as f64, format)?,
        None => sheet.write_string(row, col, FEWER)?,
    };
    Ok(())
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
                actual(k),
                opt(k.achievement),
                opt(k.final_target),
                opt(k.year_target),
                increase(k, k.year_increase),
                opt(k.year_achievement),
                opt(k.cumulative_target),
                increase(k, k.cumulative_increase),
                opt(k.cumulative_achievement),
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

/// The committee's columns (after the indicator's name): the baseline, the final year's
/// cumulative increase target, the single-year increase (target, actual, achievement), the
/// cumulative increase to the year's end (target, actual, achievement), then the year's own
/// figure (target, actual, achievement).
const COLUMNS: usize = 11;

/// A KPI's cells in the committee's columns (None: empty).
fn committee_cells(k: &Kpi) -> [Cell; COLUMNS] {
    let inc = |v: Option<i64>| {
        if k.increase_suppressed {
            Cell::Fewer
        } else {
            v.map_or(Cell::Empty, Cell::Number)
        }
    };
    let rate = |v: Option<f64>| v.map_or(Cell::Empty, Cell::Percent);
    let plain = |v: Option<i64>| v.map_or(Cell::Empty, Cell::Number);
    [
        plain(k.baseline),
        plain(k.final_target),
        plain(k.year_target),
        inc(k.year_increase),
        rate(k.year_achievement),
        plain(k.cumulative_target),
        inc(k.cumulative_increase),
        rate(k.cumulative_achievement),
        plain(k.target),
        if k.suppressed {
            Cell::Fewer
        } else {
            plain(k.actual)
        },
        rate(k.achievement),
    ]
}

/// A cell of the committee's table.
#[derive(Clone, Copy)]
enum Cell {
    Empty,
    Number(i64),
    Percent(f64),
    Fewer,
}

/// The committee table's two header rows (the third and fourth of the sheet).
fn committee_head(
    sheet: &mut rust_xlsxwriter::Worksheet,
    r: &Report,
    others: &[&ScopeReport],
    lang: Lang,
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold().set_text_wrap();
    let reiwa = r.fiscal_year - 2018;
    let (year_head, cumulative_head) = match lang {
        Lang::Ja => (
            format!("単年度増加分(R{reiwa}年度分)"),
            format!("累積増加分(R{reiwa}年度末時点)"),
        ),
        Lang::En => (
            format!("Single-year increase (FY{})", r.fiscal_year),
            format!("Cumulative increase (to FY{} end)", r.fiscal_year),
        ),
    };
    let own_head = match lang {
        Lang::Ja => format!("{}年度の値", r.fiscal_year),
        Lang::En => format!("FY{} figure", r.fiscal_year),
    };
    let (target, actual, rate) = (
        lang.pick("目標値", "Target"),
        lang.pick("実績値", "Actual"),
        lang.pick("達成率", "Achievement"),
    );
    sheet.write_string_with_format(2, 0, lang.pick("指標", "Indicator"), &bold)?;
    sheet.write_string_with_format(
        2,
        1,
        lang.pick("基準値(事業開始前)", "Baseline (before the programme)"),
        &bold,
    )?;
    sheet.write_string_with_format(
        2,
        2,
        lang.pick("累積増加分(最終年度末)", "Cumulative increase (final year)"),
        &bold,
    )?;
    sheet.merge_range(2, 3, 2, 5, &year_head, &bold)?;
    sheet.merge_range(2, 6, 2, 8, &cumulative_head, &bold)?;
    sheet.merge_range(2, 9, 2, 11, &own_head, &bold)?;
    let sub = [
        target, target, actual, rate, target, actual, rate, target, actual, rate,
    ];
    for (c, h) in sub.iter().enumerate() {
        sheet.write_string_with_format(3, 2 + c as u16, *h, &bold)?;
    }
    let city_col = |i: usize| (1 + COLUMNS + 2 * i) as u16;
    for (i, o) in others.iter().enumerate() {
        sheet.merge_range(
            2,
            city_col(i),
            2,
            city_col(i) + 1,
            &format!("[{}]", o.name),
            &bold,
        )?;
        sheet.write_string_with_format(
            3,
            city_col(i),
            lang.pick("単年度", "Single-year"),
            &bold,
        )?;
        sheet.write_string_with_format(
            3,
            city_col(i) + 1,
            lang.pick("累積", "Cumulative"),
            &bold,
        )?;
    }
    Ok(())
}

/// The KPI sheet's table from its third row: two header rows, a row a KPI, each other
/// city's single-year and cumulative increases beside it in brackets, and the note.
fn committee_table(
    sheet: &mut rust_xlsxwriter::Worksheet,
    r: &Report,
    (main, others): (&ScopeReport, &[&ScopeReport]),
    lang: Lang,
) -> Result<(), XlsxError> {
    let percent = Format::new().set_num_format("0.0\"%\"");
    let yen = Format::new().set_num_format("#,##0");
    committee_head(sheet, r, others, lang)?;
    let city_col = |i: usize| (1 + COLUMNS + 2 * i) as u16;
    let put = |sheet: &mut rust_xlsxwriter::Worksheet, (row, col): (u32, u16), cell: Cell| {
        match cell {
            Cell::Empty => Ok(sheet),
            Cell::Number(v) => sheet.write_number_with_format(row, col, v as f64, &yen),
            Cell::Percent(v) => sheet.write_number_with_format(row, col, v, &percent),
            Cell::Fewer => sheet.write_string(row, col, FEWER),
        }
        .map(|_| ())
    };
    for (row, k) in main.kpis.iter().enumerate() {
        let row = 4 + row as u32;
        sheet.write_string(row, 0, &k.name)?;
        for (c, cell) in committee_cells(k).into_iter().enumerate() {
            put(sheet, (row, 1 + c as u16), cell)?;
        }
        for (i, o) in others.iter().enumerate() {
            if let Some(ok) = o.kpis.iter().find(|x| x.key == k.key) {
                // The single-year and the cumulative increase's actual figures.
                let cells = committee_cells(ok);
                put(sheet, (row, city_col(i)), cells[3])?;
                put(sheet, (row, city_col(i) + 1), cells[6])?;
            }
        }
    }
    sheet.set_column_width(0, 48)?;
    sheet.set_row_height(2, 30)?;
    let note_row = 5 + main.kpis.len() as u32;
    sheet.write_string(
        note_row,
        0,
        lang.pick(
            "※[ ]内は各自治体に関する実績。単年度増加分 = 本年度の実績値 - 前年度の実績値、累積増加分 = 本年度の実績値 - 基準値。「<3」は3人未満のため非表示。",
            "[ ]: each municipality's own figure. Single-year increase = this year's actual - last year's; cumulative = this year's actual - the baseline. \"<3\": fewer than 3 people, withheld.",
        ),
    )?;
    Ok(())
}

/// The table as an XLSX workbook in the committee's layout.
pub fn xlsx(r: &Report, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let plain = Format::new();
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
    sheet.write_string_with_format(1, 0, &main.name, &bold)?;
    committee_table(sheet, r, (main, &others), lang)?;

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
            Some(m.orders_yen),
        ]
        .into_iter()
        .enumerate()
        {
            number(months, (row, 1 + c as u16), v, &plain)?;
        }
    }
    book.save_to_buffer()
}
