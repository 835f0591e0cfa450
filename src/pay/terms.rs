//! The terms notice the freelance act requires when a director assigns a worker: the
//! project and its client (the work), the hourly rate, the period, how hours are counted and
//! the payment date rule. Composed in both languages from the assignment as it stands,
//! stored unchanged (the database refuses any change), e-mailed, shown on the worker's
//! phone and acknowledged there. Assignments are attendance's: the job sends a notice for
//! each one that has none, once, whichever instance runs it.

use super::rules::PayRule;
use super::statement::rule_of;
use super::store::{self, NewTerms};
use crate::AppState;
use crate::attendance::store::{self as att, AssignmentRow, RateRow};
use crate::ids::{AssignmentId, SiteId};
use crate::mail::outbox;
use crate::mail::templates::compose;
use std::collections::{BTreeMap, BTreeSet};

/// The payment rule in words.
pub fn rule_text(r: PayRule) -> (String, String) {
    let next = if r.months_after == 1 {
        ("翌月", "the next month")
    } else {
        ("翌々月", "the month after next")
    };
    let (day_ja, day_en) = if r.day >= 31 {
        ("末日".to_string(), "last day".to_string())
    } else {
        (format!("{}日", r.day), format!("day {}", r.day))
    };
    (
        format!("月末締め、{}{}払い", next.0, day_ja),
        format!(
            "months close at their end and are paid on the {day_en} of {}",
            next.1
        ),
    )
}

/// The notice's text in Japanese and English.
pub fn compose_terms(a: &AssignmentRow, rate: &RateRow, rule: PayRule) -> (String, String) {
    let (rule_ja, rule_en) = rule_text(rule);
    let until_ja = a.ends_on.clone().unwrap_or_else(|| "定めなし".into());
    let until_en = a.ends_on.clone().unwrap_or_else(|| "no end date".into());
    let ja = format!(
        "業務委託の条件(特定受託事業者に係る取引の適正化等に関する法律 第3条による明示)\n\
         委託者: KADO\n受託者: {person}\n業務の内容: {client} の案件「{project}」の業務\n\
         報酬: 時給 {yen} 円({from} から)\n期間: {start} 〜 {until_ja}\n\
         時間の数え方: センターでの在席時間のうち案件に割り振った時間と、在宅で申告した時間を1分単位で集計します。\
         報酬は案件・月ごとに 分×時給÷60 を計算し、1円未満を切り捨てます。月の勤務表が承認された時間だけが支払の対象です。\n\
         支払期日: {rule_ja}(締め日から60日以内)",
        person = a.person_name,
        client = a.client_name,
        project = a.project_name,
        yen = rate.yen_per_hour,
        from = rate.starts_on,
        start = a.starts_on,
    );
    let en = format!(
        "Terms of the assignment (stated under the freelance act, article 3)\n\
         Principal: KADO\nContractor: {person}\nWork: the project \"{project}\" of {client}\n\
         Pay: {yen} yen per hour (from {from})\nPeriod: {start} to {until_en}\n\
         How hours count: the time at the center allocated to the project and the remote hours \
         entered, to the minute. Each project's month is paid minutes × rate / 60, the yen \
         floored; only the hours of an approved timesheet are paid.\n\
         Payment date: {rule_en} (within 60 days of the close)",
        person = a.person_name,
        client = a.client_name,
        project = a.project_name,
        yen = rate.yen_per_hour,
        from = rate.starts_on,
        start = a.starts_on,
    );
    (ja, en)
}

/// What a notice states that may change: the rate (the newest one) and the payment rule.
pub fn basis(rate: &RateRow, rule: PayRule) -> String {
    format!(
        "{}@{}|{}/{}",
        rate.yen_per_hour, rate.starts_on, rule.day, rule.months_after
    )
}

/// Sends a notice for every assignment whose terms (its newest rate, its site's payment
/// rule) have none yet: the first one, and one after each change of rate or rule, each kept
/// as sent and acknowledged on its own. Answers how many were sent.
pub async fn send_pending(st: &AppState) -> anyhow::Result<usize> {
    let mut sent: BTreeMap<AssignmentId, BTreeSet<String>> = BTreeMap::new();
    for (a, b) in store::noticed(&st.db).await? {
        sent.entry(a).or_default().insert(b);
    }
    let all: Vec<AssignmentRow> = att::assignments(&st.db, None, None).await?;
    let ids: Vec<_> = all.iter().map(|a| a.id).collect();
    let rates = att::rates(&st.db, &ids).await?;
    let mut rules: BTreeMap<SiteId, PayRule> = BTreeMap::new();
    let mut sent_now = 0;
    for a in &all {
        // Rates come by start: the first one and the newest one.
        let mine: Vec<&RateRow> = rates.iter().filter(|r| r.assignment_id == a.id).collect();
        let (Some(first), Some(rate)) = (mine.first(), mine.last()) else {
            continue;
        };
        let rule = match rules.get(&a.site_id) {
            Some(r) => *r,
            None => {
                let (r, _) = rule_of(&st.db, a.site_id)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
                rules.insert(a.site_id, r);
                r
            }
        };
        let b = basis(rate, rule);
        let known = sent.get(&a.id);
        // A notice sent before notices had a basis stated the first rate.
        let legacy = known.is_some_and(|k| k.contains("")) && b == basis(first, rule);
        if known.is_some_and(|k| k.contains(&b)) || legacy {
            continue;
        }
        let change = known.is_some();
        let (ja, en) = compose_terms(a, rate, rule);
        let now = st.clock.epoch();
        let mut tx = st.db.begin().await?;
        let new = NewTerms {
            assignment: a.id,
            person: a.person_id,
            site: a.site_id,
            body_ja: &ja,
            body_en: &en,
            basis: &b,
        };
        if store::insert_terms(&mut tx, &new, now).await?.is_none() {
            continue;
        }
        if let Some(to) = crate::auth::notify::recipient(&mut *tx, a.person_id).await? {
            let l = to.lang;
            let base = st.config.base_url();
            let mut lines: Vec<String> = l.pick(&ja, &en).lines().map(str::to_string).collect();
            lines.push(
                l.pick(
                    "アプリで内容を確認し、「確認しました」を押してください:",
                    "Please read them in the app and acknowledge them:",
                )
                .to_string(),
            );
            lines.push(format!("{base}/app/#/pay"));
            let subject = if change {
                l.pick(
                    "【KADO】業務委託の条件変更のお知らせ",
                    "[KADO] The terms of your assignment have changed",
                )
            } else {
                l.pick(
                    "【KADO】業務委託の条件のお知らせ",
                    "[KADO] The terms of your assignment",
                )
            }
            .to_string();
            let email = compose(&to, subject, &lines, false, &base);
            let host = crate::mail::host(&base);
            outbox::enqueue(&mut tx, Some(a.site_id.0), "pay_terms", &email, &host, now).await?;
        }
        tx.commit().await?;
        sent_now += 1;
    }
    Ok(sent_now)
}
