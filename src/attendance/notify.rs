//! Attendance's e-mails: a month returned to the worker (with the director's comment), and a
//! month approved.

use crate::AppState;
use crate::db::Tx;
use crate::ids::{PersonId, SiteId};
use crate::mail::outbox;
use crate::mail::templates::compose;

/// Tells the worker their month was returned (with the comment) or approved.
pub async fn decided(
    st: &AppState,
    tx: &mut Tx,
    (person, site): (PersonId, SiteId),
    month: &str,
    approved: bool,
    comment: Option<&str>,
) -> anyhow::Result<()> {
    let Some(to) = crate::auth::notify::recipient(&mut **tx, person).await? else {
        return Ok(());
    };
    let l = to.lang;
    let (subject, first) = if approved {
        (
            l.pick(
                "【KADO】勤務表が承認されました",
                "[KADO] Your timesheet is approved",
            ),
            l.pick(
                "{month} の勤務表が承認されました。",
                "Your timesheet of {month} is approved.",
            ),
        )
    } else {
        (
            l.pick(
                "【KADO】勤務表が差し戻されました",
                "[KADO] Your timesheet was returned",
            ),
            l.pick(
                "{month} の勤務表が差し戻されました。内容を直して、もう一度提出してください。",
                "Your timesheet of {month} was returned: please correct it and submit it again.",
            ),
        )
    };
    let mut lines = vec![first.replace("{month}", month)];
    if let Some(c) = comment.filter(|c| !c.trim().is_empty()) {
        lines.push(format!("{}: {c}", l.pick("コメント", "Comment")));
    }
    let base = st.config.base_url();
    lines.push(format!("{base}/app/#/month?m={month}"));
    let email = compose(&to, subject.to_string(), &lines, false, &base);
    let kind = if approved {
        "month_approved"
    } else {
        "month_returned"
    };
    let host = crate::mail::host(&base);
    outbox::enqueue(tx, Some(site.0), kind, &email, &host, st.clock.epoch()).await?;
    Ok(())
}
