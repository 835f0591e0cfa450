//! Pay's error codes, with their texts in both languages.

crate::error_codes! {
    /// Why a pay request is refused.
    pub enum PayError {
        /// `{month}` the close it would pay late, `{due}` the day, `{days}` counted from the close.
        TooLate = (UNPROCESSABLE_ENTITY, "pay.too_late", "この支払ルールでは{month}分の支払日が{due}となり、締め日から{days}日目です。フリーランス法により、締め日から60日以内(締め日を1日目として)に支払う必要があります。", "Under this rule the month {month} would be paid on {due}, day {days} counting the close as day 1; the freelance act requires payment within 60 days of the close."),
        BadPayDay = (UNPROCESSABLE_ENTITY, "pay.bad_pay_day", "支払日は1〜31日で指定してください(31は月末)。", "The pay day is 1 to 31 (31 means the month's last day)."),
        BadMonthsAfter = (UNPROCESSABLE_ENTITY, "pay.bad_months_after", "支払月は締めの翌月(1)か翌々月(2)です。", "Payment falls in the month after the close (1) or the one after (2)."),
        BadInvoiceNumber = (UNPROCESSABLE_ENTITY, "pay.bad_invoice_number", "登録番号は T に続く13桁の数字です。", "A registration number is T followed by 13 digits."),
        NoRate = (CONFLICT, "pay.no_rate", "{day}の時間に単価がありません。", "The hours of {day} have no rate."),
    }
}
