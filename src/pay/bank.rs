//! Workers' bank accounts: entered and changed by the worker or an accountant of a site
//! where they work, read by them only; every change is kept (who, when). The values are
//! never logged (the row type has no Debug).

use super::errors::PayError;
use super::kana;
use super::store::{self, BankRow};
use crate::db::Tx;
use crate::error::{ApiResult, Validator};
use crate::ids::PersonId;
use chrono::{DateTime, Utc};

/// A bank account as entered.
pub struct BankInput<'a> {
    pub bank_code: &'a str,
    pub branch_code: &'a str,
    pub account_type: &'a str,
    pub number: &'a str,
    pub holder: &'a str,
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// Checks every field (each refusal names its field) and answers the row to store, the
/// holder's name in half-width kana.
pub fn validate(b: &BankInput<'_>) -> ApiResult<BankRow> {
    let mut v = Validator::new();
    let (bank, branch, number) = (b.bank_code.trim(), b.branch_code.trim(), b.number.trim());
    if !digits(bank, 4) {
        v.reject("bank_code", PayError::BadBankCode);
    }
    if !digits(branch, 3) {
        v.reject("branch_code", PayError::BadBranchCode);
    }
    if !["ordinary", "current", "savings"].contains(&b.account_type) {
        v.reject("account_type", PayError::BadAccountType);
    }
    if !digits(number, 7) {
        v.reject("number", PayError::BadAccountNumber);
    }
    let holder = kana::to_half_width(b.holder).filter(|h| h.chars().count() <= 30);
    if holder.is_none() {
        v.reject("holder_kana", PayError::BadHolder);
    }
    v.finish()?;
    Ok(BankRow {
        bank_code: bank.into(),
        branch_code: branch.into(),
        account_type: b.account_type.into(),
        number: number.into(),
        holder_kana: holder.unwrap_or_default(),
    })
}

/// Sets a person's bank account (the caller has checked who may).
pub async fn set(
    tx: &mut Tx,
    person: PersonId,
    input: &BankInput<'_>,
    by: PersonId,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let row = validate(input)?;
    store::set_bank_account(tx, person, &row, by, now.timestamp()).await?;
    tracing::info!(person = person.0, by = by.0, "bank account set");
    Ok(())
}

/// The account a site pays from, as entered.
pub struct PayerInput<'a> {
    pub client_code: &'a str,
    pub name: &'a str,
    pub bank: BankInput<'a>,
}

/// Sets the site's paying account: each field checked, the name in half-width kana.
pub async fn set_payer(
    tx: &mut Tx,
    site: crate::ids::SiteId,
    input: &PayerInput<'_>,
    by: PersonId,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let client = input.client_code.trim();
    let account = match validate(&BankInput {
        holder: input.name,
        ..input.bank
    }) {
        Ok(a) if digits(client, 10) => a,
        Ok(_) => {
            let mut v = Validator::new();
            v.reject("client_code", PayError::BadClientCode);
            v.finish()?;
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let row = store::PayerRow {
        client_code: client.into(),
        name_kana: account.holder_kana,
        bank_code: account.bank_code,
        branch_code: account.branch_code,
        account_type: account.account_type,
        number: account.number,
    };
    store::set_payer(tx, site, &row, by, now.timestamp()).await?;
    Ok(())
}
