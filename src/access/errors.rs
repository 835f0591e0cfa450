//! The access area's error codes, with their texts in both languages: the reasons a person
//! may not enter (or book) a secure room, and the director's bad input.

use super::rules::Refusal;
use crate::error::{ApiError, Lang};
use chrono::{DateTime, Datelike, NaiveDate};

crate::error_codes! {
    /// Why a secure-room request or door scan is refused.
    pub enum AccessError {
        NotInside = (CONFLICT, "access.not_inside", "この部屋に入室した記録がありません。", "There is no record of you entering this room."),
        NoProject = (FORBIDDEN, "access.no_project", "このルームを使う案件がありません。", "No project uses this room."),
        NotOnRoster = (FORBIDDEN, "access.not_on_roster", "このルームを使う案件の名簿に載っていません。", "You are not on the roster of a project that uses this room."),
        /// `{date}`: the first day on the roster.
        RosterNotStarted = (FORBIDDEN, "access.roster_not_started", "名簿の期間は{date}からです。", "Your place on the roster starts on {date}."),
        /// `{date}`: the last day on the roster.
        RosterEnded = (FORBIDDEN, "access.roster_ended", "名簿の期間は{date}で終わりました。", "Your place on the roster ended on {date}."),
        NoNda = (FORBIDDEN, "access.no_nda", "この案件の秘密保持契約(NDA)がありません。", "There is no signed NDA for this project."),
        /// `{date}`: the day it is signed.
        NdaNotSigned = (FORBIDDEN, "access.nda_not_signed", "秘密保持契約(NDA)は{date}からです。", "The NDA holds from {date}."),
        /// `{date}`: its last valid day.
        NdaExpired = (FORBIDDEN, "access.nda_expired", "秘密保持契約(NDA)の期限が{date}に切れました。", "The NDA expired on {date}."),
        /// `{course}`: the course's name.
        TrainingMissing = (FORBIDDEN, "access.training_missing", "{course}の研修を修了していません。", "{course} training has not been completed."),
        /// `{course}`: the course's name; `{date}`: its last current day.
        TrainingExpired = (FORBIDDEN, "access.training_expired", "{course}の研修の有効期限が{date}に切れました。", "{course} training expired on {date}."),
        NotCheckedIn = (FORBIDDEN, "access.not_checked_in", "先に入口でチェックインしてください。", "Check in at the entrance first."),
        NoBooking = (FORBIDDEN, "access.no_booking", "いまこのルームの席の予約がありません。", "You have no booking of a seat in this room now."),
        NotADoor = (FORBIDDEN, "access.not_a_door", "この端末はセキュアルームの扉に設定されていません。", "This device is not a secure room's door reader."),
        NotSecureRoom = (UNPROCESSABLE_ENTITY, "access.not_secure_room", "この拠点のセキュアルームを選んでください。", "Choose a secure room of this site."),
        NdaExpiryBeforeSigning = (UNPROCESSABLE_ENTITY, "access.nda_expiry_before_signing", "有効期限は締結日以降にしてください。", "The expiry must be on or after the day it was signed."),
        RosterEndBeforeStart = (UNPROCESSABLE_ENTITY, "access.roster_end_before_start", "終了日は開始日以降にしてください。", "The last day must be on or after the first day."),
        PersonNotManaged = (FORBIDDEN, "access.person_not_managed", "この拠点の利用者ではないため、名簿に加えられません。", "This person does not belong to this site, so you cannot put them on its roster."),
        UnknownCourse = (UNPROCESSABLE_ENTITY, "access.unknown_course", "その講座はありません。", "There is no such course."),
        ForeignProject = (UNPROCESSABLE_ENTITY, "access.foreign_project", "この拠点の案件を選んでください。", "Choose projects of this site."),
        BadDirection = (UNPROCESSABLE_ENTITY, "access.bad_direction", "enter か leave を選んでください。", "Choose enter or leave."),
    }
}

/// A date as people write it: 2027年3月31日 / 3/31/2027.
fn written(d: NaiveDate) -> (String, String) {
    (
        format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        format!("{}/{}/{}", d.month(), d.day(), d.year()),
    )
}

/// The last current day of something that stops at `until` (the start of the next day).
pub fn last_day(tz: chrono_tz::Tz, until: i64) -> NaiveDate {
    DateTime::from_timestamp(until - 1, 0)
        .map(|t| t.with_timezone(&tz).date_naive())
        .unwrap_or_default()
}

/// The code of a refusal.
pub fn code_of(r: &Refusal) -> AccessError {
    match r {
        Refusal::NoProject => AccessError::NoProject,
        Refusal::NotOnRoster => AccessError::NotOnRoster,
        Refusal::RosterNotStarted { .. } => AccessError::RosterNotStarted,
        Refusal::RosterEnded { .. } => AccessError::RosterEnded,
        Refusal::NoNda => AccessError::NoNda,
        Refusal::NdaNotSigned { .. } => AccessError::NdaNotSigned,
        Refusal::NdaExpired { .. } => AccessError::NdaExpired,
        Refusal::CourseMissing { .. } => AccessError::TrainingMissing,
        Refusal::CourseExpired { .. } => AccessError::TrainingExpired,
        Refusal::NotCheckedIn => AccessError::NotCheckedIn,
        Refusal::NoBooking => AccessError::NoBooking,
    }
}

/// A refusal as an API error, its text filled in both languages (`tz`: the site's zone).
pub fn refusal(r: &Refusal, tz: chrono_tz::Tz) -> ApiError {
    let e = ApiError::from(code_of(r));
    let date = |e: ApiError, d: NaiveDate| {
        let (ja, en) = written(d);
        e.with_text("date", &ja, &en)
    };
    match r {
        Refusal::RosterNotStarted { from } => date(e, *from),
        Refusal::RosterEnded { to } => date(e, *to),
        Refusal::NdaNotSigned { signed } => date(e, *signed),
        Refusal::NdaExpired { last_day } => date(e, *last_day),
        Refusal::CourseMissing { name_ja, name_en } => e.with_text("course", name_ja, name_en),
        Refusal::CourseExpired {
            name_ja,
            name_en,
            until,
        } => date(e, last_day(tz, *until)).with_text("course", name_ja, name_en),
        _ => e,
    }
}

/// The refusal's text in one language (for the audit trail and the booking's reason).
pub fn text(r: &Refusal, tz: chrono_tz::Tz, lang: Lang) -> String {
    match refusal(r, tz) {
        ApiError::Client { detail, .. } => lang.pick(&detail.ja, &detail.en).to_string(),
        ApiError::Internal(e) => e.to_string(),
    }
}
