//! Training's error codes, with their texts in both languages.

use crate::error::ApiError;

crate::error_codes! {
    /// Why a training request is refused.
    pub enum TrainingError {
        SessionPast = (CONFLICT, "training.session_past", "この講座はすでに始まったか終わっています。", "This session has already started or ended."),
        AlreadyEnrolled = (CONFLICT, "training.already_enrolled", "この講座にはすでに申し込んでいます。", "You are already enrolled in this session."),
        Full = (CONFLICT, "training.full", "この講座は満席です。キャンセル待ちで申し込めます(waitlist)。", "This session is full. You can join the waitlist (waitlist: true)."),
        SessionCancelled = (CONFLICT, "training.session_cancelled", "この講座は中止されました。", "This session was cancelled."),
        NotEnrolled = (UNPROCESSABLE_ENTITY, "training.not_enrolled", "この方はこの講座に申し込んでいません。", "This person is not enrolled in this session."),
        BadTimes = (UNPROCESSABLE_ENTITY, "training.bad_times", "終了は開始より後にしてください。", "The end must be after the start."),
        OutsideHours = (UNPROCESSABLE_ENTITY, "training.outside_hours", "講座は拠点の開館時間内にしてください。", "A session must lie within the site's opening hours."),
        RoomTaken = (CONFLICT, "training.room_taken", "その時間、この部屋はすでに予約されています。", "This room is already booked at that time."),
        NotARoom = (UNPROCESSABLE_ENTITY, "training.not_a_room", "この拠点の部屋を選んでください。", "Choose a room of this site."),
        NotATrainer = (UNPROCESSABLE_ENTITY, "training.not_a_trainer", "この拠点の講師を選んでください。", "Choose a trainer of this site."),
        BadKind = (UNPROCESSABLE_ENTITY, "training.bad_kind", "onboarding か skill を選んでください。", "Choose onboarding or skill."),
        BadMark = (UNPROCESSABLE_ENTITY, "training.bad_mark", "present、late、excused、absent のいずれかを選んでください。", "Choose present, late, excused or absent."),
        NotStarted = (CONFLICT, "training.not_started", "講座が始まる前に出席・遅刻は記録できません(欠席・公欠は記録できます)。", "Present or late cannot be marked before the session starts (excused or absent can)."),
        ReasonRequired = (UNPROCESSABLE_ENTITY, "training.reason_required", "手動の記録には理由を入力してください。", "A manual mark needs a reason."),
        UnknownCourse = (UNPROCESSABLE_ENTITY, "training.unknown_course", "その講座はありません。", "There is no such course."),
    }
}

/// The refusal `code` (its own status and code) naming the field it concerns.
pub fn on_field(code: TrainingError, field: &str) -> ApiError {
    crate::error::on_field(code, field, None)
}
