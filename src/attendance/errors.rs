//! Attendance's error codes, with their texts in both languages.

crate::error_codes! {
    /// Why an attendance request is refused.
    pub enum AttendanceError {
        MonthLocked = (CONFLICT, "attendance.month_locked", "この月は承認済みのため変更できません(変更するには所長が理由を添えて再開します)。", "This month is approved and locked (a director can reopen it, with a reason)."),
        AlreadySubmitted = (CONFLICT, "attendance.already_submitted", "この月はすでに提出されています。", "This month has already been submitted."),
        NotSubmitted = (CONFLICT, "attendance.not_submitted", "この月はまだ提出されていません。", "This month has not been submitted."),
        BadMonth = (UNPROCESSABLE_ENTITY, "validation.bad_month", "月は YYYY-MM で入力してください(2000〜2100年)。", "Months are YYYY-MM, in the years 2000 to 2100."),
        NotApproved = (CONFLICT, "attendance.not_approved", "承認済みの月だけを再開できます。", "Only an approved month can be reopened."),
    }
}
