//! The bank transfer file of a month's payments in the Zengin (全銀協) "総合振込" format:
//! a header, one data record per worker, a trailer with the count and total, an end
//! record; 120 bytes each, Shift_JIS, names in half-width kana, records ending in CRLF.

use super::errors::PayError;
use super::payments;
use super::store::{self, BankRow, PayerRow};
use crate::attendance::rules::Month;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::ids::{PersonId, SiteId};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// The record length.
pub const RECORD: usize = 120;

fn type_code(account_type: &str) -> &'static str {
    match account_type {
        "current" => "2",
        "savings" => "4",
        _ => "1",
    }
}

/// Left-justified and padded with spaces to `n` bytes of Shift_JIS (half-width kana are one
/// byte each), cut at `n`.
fn alpha(s: &str, n: usize) -> Vec<u8> {
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(s);
    let mut b = bytes.into_owned();
    b.truncate(n);
    b.resize(n, b' ');
    b
}

fn num(v: i64, n: usize) -> Vec<u8> {
    format!("{:0>n$}", v.max(0), n = n).into_bytes()
}

/// A worker's transfer.
pub struct Transfer {
    pub account: BankRow,
    pub yen: i64,
    pub person: PersonId,
}

/// The file's bytes.
pub fn file(payer: &PayerRow, date: NaiveDate, transfers: &[Transfer]) -> Vec<u8> {
    let mut records: Vec<Vec<u8>> = Vec::new();
    let mut h = b"1210".to_vec();
    h.extend(alpha(&payer.client_code, 10));
    h.extend(alpha(&payer.name_kana, 40));
    h.extend(format!("{:02}{:02}", date.month(), date.day()).into_bytes());
    h.extend(alpha(&payer.bank_code, 4));
    h.extend(alpha("", 15));
    h.extend(alpha(&payer.branch_code, 3));
    h.extend(alpha("", 15));
    h.extend(type_code(&payer.account_type).as_bytes());
    h.extend(alpha(&payer.number, 7));
    h.extend(alpha("", 17));
    records.push(h);
    for t in transfers {
        let mut d = b"2".to_vec();
        d.extend(alpha(&t.account.bank_code, 4));
        d.extend(alpha("", 15));
        d.extend(alpha(&t.account.branch_code, 3));
        d.extend(alpha("", 15));
        d.extend(alpha("", 4));
        d.extend(type_code(&t.account.account_type).as_bytes());
        d.extend(alpha(&t.account.number, 7));
        d.extend(alpha(&t.account.holder_kana, 30));
        d.extend(num(t.yen, 10));
        d.extend(b"0");
        d.extend(num(t.person.0, 10));
        d.extend(alpha("", 10));
        d.extend(b"7 ");
        d.extend(alpha("", 7));
        records.push(d);
    }
    let mut tr = b"8".to_vec();
    tr.extend(num(transfers.len() as i64, 6));
    tr.extend(num(transfers.iter().map(|t| t.yen).sum(), 12));
    tr.extend(alpha("", 101));
    records.push(tr);
    let mut end = b"9".to_vec();
    end.extend(alpha("", 119));
    records.push(end);
    let mut out = Vec::new();
    for r in records {
        debug_assert_eq!(r.len(), RECORD);
        out.extend(r);
        out.extend(b"\r\n");
    }
    out
}

/// The transfer file of a site's month (totals after withholding): of its approved months
/// not paid yet, or of one run's as paid; transferred on `date` (the run's day, else the
/// due date, when None); refused naming the workers without a bank account.
pub async fn transfers(
    db: &Db,
    (site, month): (SiteId, Month),
    which: payments::Which,
    date: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> ApiResult<Vec<u8>> {
    let payer = store::payer(db, site)
        .await?
        .ok_or_else(|| ApiError::from(PayError::NoPayer))?;
    let label = month.to_string();
    let mut run_day = None;
    if let payments::Which::Run(id) = which {
        let run = store::runs(db, site, &label)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| ApiError::from(PayError::NoRun).with("id", id))?;
        run_day = run.paid_on.parse::<NaiveDate>().ok();
    }
    let (statements, _) = payments::statements_of_site(db, site, month, which, now).await?;
    let accounts = store::bank_accounts(db, site, &label).await?;
    let people = store::export_people(db, site, &label).await?;
    let mut out = Vec::new();
    let mut missing = Vec::new();
    let mut due = None;
    for s in statements.iter().filter(|s| s.total > 0) {
        due = Some(s.due_on);
        match accounts.iter().find(|a| a.person_id == s.person_id) {
            Some(a) => out.push(Transfer {
                account: BankRow {
                    bank_code: a.bank_code.clone(),
                    branch_code: a.branch_code.clone(),
                    account_type: a.account_type.clone(),
                    number: a.number.clone(),
                    holder_kana: a.holder_kana.clone(),
                },
                yen: s.total,
                person: s.person_id,
            }),
            None => missing.push(
                people
                    .iter()
                    .find(|p| p.id == s.person_id)
                    .map_or_else(|| s.person_id.to_string(), |p| p.name.clone()),
            ),
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::from(PayError::NoBankAccount).with("names", missing.join(", ")));
    }
    let date = date.or(run_day).or(due).unwrap_or_else(|| now.date_naive());
    Ok(file(&payer, date, &out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_record_is_120_bytes_and_the_trailer_adds_up() {
        let payer = PayerRow {
            client_code: "1234567890".into(),
            name_kana: "ｶ)ｶﾄﾞ ｾﾝﾀ-".into(),
            bank_code: "0001".into(),
            branch_code: "001".into(),
            account_type: "current".into(),
            number: "7654321".into(),
        };
        let t = |n: i64, yen: i64| Transfer {
            account: BankRow {
                bank_code: "0005".into(),
                branch_code: "123".into(),
                account_type: "ordinary".into(),
                number: format!("{n:07}"),
                holder_kana: "ﾔﾏﾀﾞ ﾀﾛｳ".into(),
            },
            yen,
            person: PersonId(n),
        };
        let f = file(
            &payer,
            "2026-12-25".parse().unwrap(),
            &[t(1, 2726), t(2, 1_234_567)],
        );
        let records: Vec<&[u8]> = f.split(|b| *b == b'\n').filter(|r| !r.is_empty()).collect();
        assert_eq!(records.len(), 5);
        for r in &records {
            assert_eq!(r.len(), RECORD + 1, "{r:?}"); // and the CR
        }
        assert_eq!(&records[0][..4], b"1210");
        assert_eq!(&records[0][54..58], b"1225");
        assert_eq!(&records[1][..1], b"2");
        assert_eq!(&records[1][80..90], b"0000002726");
        // Half-width kana are single bytes in Shift_JIS: ﾔ is 0xD4.
        assert_eq!(records[1][50], 0xD4);
        assert_eq!(&records[3][..19], b"8000002000001237293");
        assert_eq!(records[4][0], b'9');
    }
}
