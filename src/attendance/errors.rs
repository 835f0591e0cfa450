//! Attendance's error codes, with their texts in both languages.

crate::error_codes! {
    /// Why an attendance request is refused.
    pub enum AttendanceError {
        MonthLocked = (CONFLICT, "attendance.month_locked", "この月は承認済みのため変更できません(変更するには所長が理由を添えて再開します)。", "This month is approved and locked (a director can reopen it, with a reason)."),
        AlreadySubmitted = (CONFLICT, "attendance.already_submitted", "この月はすでに提出されています。", "This month has already been submitted."),
        NotSubmitted = (CONFLICT, "attendance.not_submitted", "この月はまだ提出されていません。", "This month has not been submitted."),
        BadMonth = (UNPROCESSABLE_ENTITY, "validation.bad_month", "月は YYYY-MM で入力してください(2000〜2100年)。", "Months are YYYY-MM, in the years 2000 to 2100."),
        NotApproved = (CONFLICT, "attendance.not_approved", "承認済みの月だけを再開できます。", "Only an approved month can be reopened."),
        MonthNotOver = (CONFLICT, "attendance.month_not_over", "月が終わってから提出してください。", "A month can be submitted once it is over."),
        Unresolved = (CONFLICT, "attendance.unresolved_flags", "提出の前に確認が必要な日があります: {flags}", "Some days need your attention before you submit: {flags}"),
        InFuture = (UNPROCESSABLE_ENTITY, "attendance.in_future", "まだ来ていない時間は入力できません。", "Hours cannot be entered for a time still to come."),
        EndBeforeStart = (UNPROCESSABLE_ENTITY, "attendance.end_before_start", "終了は開始より後にしてください(同じ日のうちに、24:00 まで)。", "The end must come after the start, on the same day (24:00 at the latest)."),
        NotAssigned = (UNPROCESSABLE_ENTITY, "attendance.not_assigned", "このプロジェクトには割り当てられていません。", "You are not assigned to this project."),
        BeforeAssignment = (UNPROCESSABLE_ENTITY, "attendance.before_assignment", "この日はプロジェクトの担当期間外です({from}から)。", "This day is outside your assignment to the project (from {from})."),
        Overlap = (UNPROCESSABLE_ENTITY, "attendance.overlap", "ほかの記録({start}-{end})と時間が重なっています。", "This overlaps another entry ({start}-{end})."),
        OverlapsPresence = (UNPROCESSABLE_ENTITY, "attendance.overlaps_presence", "センターにいた時間({start}-{end})と重なっています。センターの時間はプロジェクトに割り振ってください。", "This overlaps your time at the center ({start}-{end}); allocate center time to a project instead."),
        OutsidePresence = (UNPROCESSABLE_ENTITY, "attendance.outside_presence", "センターにいなかった時間は割り振れません。", "Only time you were at the center can be allocated."),
        NotClosedBySystem = (CONFLICT, "attendance.not_closed_by_system", "自動でチェックアウトされた記録だけを訂正できます。", "Only a check-out closed by the system can be corrected."),
        AlreadyProposed = (CONFLICT, "attendance.already_proposed", "この記録の訂正はすでに申請中です。", "A correction of this session is already waiting."),
        AlreadyDecided = (CONFLICT, "attendance.already_decided", "この訂正はすでに処理されています。", "This correction has already been decided."),
        RateBackdated = (CONFLICT, "attendance.rate_backdated", "承認済みの月({month})に及ぶ単価は設定できません。翌月以降の日付にしてください。", "A rate cannot change an approved month ({month}); start it after that month."),
        RateTaken = (CONFLICT, "attendance.rate_taken", "この日から始まる単価がすでにあります。", "A rate already starts on that day."),
        NotAWorker = (UNPROCESSABLE_ENTITY, "attendance.not_a_worker", "この拠点のワーカーではありません。", "This person is not a worker of this site."),
        MonthPaid = (CONFLICT, "attendance.month_paid", "この月は支払済みのため、差し戻せません。", "This month has been paid, so it cannot be reopened."),
        CorrectionPending = (CONFLICT, "attendance.correction_pending", "ワーカーの訂正申請に答えてから承認してください。", "Decide the worker's proposed correction before approving."),
        AssignmentOverlap = (CONFLICT, "attendance.assignment_overlap", "この期間にはすでに同じプロジェクトの担当があります。", "The person is already assigned to this project for part of that period."),
        OtherSiteProject = (UNPROCESSABLE_ENTITY, "attendance.other_site_project", "この拠点のプロジェクトではありません。", "This project is not one of this site's."),
    }
}
