//! The worker import in the load benchmark (issue 21): a dry run of a 5,000-row CSV (the
//! largest file accepted) into the first bench site, one after the other for the phase's
//! seconds, checked against every bench worker already there. Target: under 5 s each.

use super::{MakeReq, Monitor, Phase, Shared, closed_loop, send};
use anyhow::Result;
use std::sync::Arc;

/// The phase's name in the report.
pub const DRY_RUN: &str = "import: dry run of a 5,000-row CSV";

/// The CSV: Japanese headers as municipalities write them, every row new.
fn csv(rows: usize) -> Vec<u8> {
    let mut s = String::from("\u{FEFF}会員番号,氏名,フリガナ,メールアドレス,電話番号\r\n");
    for i in 0..rows {
        s.push_str(&format!(
            "IMPB-{i:05},取込 {i},トリコミ,impb{i}@bench.example,090-0000-{:04}\r\n",
            i % 10_000
        ));
    }
    s.into_bytes()
}

/// Dry runs one after the other (a director checks one file at a time) for `secs`.
pub async fn dry_run_phase(
    sh: &Arc<Shared>,
    rows: usize,
    secs: f64,
    mon: &Monitor,
) -> Result<Option<Phase>> {
    let Some(&site) = sh.fill.sites.first() else {
        return Ok(None);
    };
    let body = Arc::new(csv(rows));
    let sh = sh.clone();
    let make: MakeReq = Arc::new(move |i| {
        let rb = sh
            .client
            .post(format!(
                "{}/api/v1/sites/{site}/person-imports?dry_run=true",
                sh.base(i)
            ))
            .header("cookie", format!("kado_session={}", sh.fill.admin_session))
            .header("content-type", "text/csv")
            .body(body.as_ref().clone());
        Box::pin(send(rb, None))
    });
    // At least three runs even when the phase is short.
    Ok(Some(
        closed_loop(DRY_RUN, 1, secs.max(3.0), usize::MAX, make, mon).await,
    ))
}
