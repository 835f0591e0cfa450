//! Pay's error codes, with their texts in both languages.

crate::error_codes! {
    /// Why a pay request is refused.
    pub enum PayError {
        /// `{month}` the close it would pay late, `{due}` the day, `{days}` counted from the close.
        TooLate = (UNPROCESSABLE_ENTITY, "pay.too_late", "この支払ルールでは{month}分の支払日が{due}となり、締め日から{days}日目です。フリーランス法により、締め日から60日以内(締め日を1日目として)に支払う必要があります。", "Under this rule the month {month} would be paid on {due}, day {days} counting the close as day 1; the freelance act requires payment within 60 days of the close."),
        BadPayDay = (UNPROCESSABLE_ENTITY, "pay.bad_pay_day", "支払日は1〜31日で指定してください(31は月末)。", "The pay day is 1 to 31 (31 means the month's last day)."),
        BadMonthsAfter = (UNPROCESSABLE_ENTITY, "pay.bad_months_after", "支払月は締めの翌月(1)か翌々月(2)です。", "Payment falls in the month after the close (1) or the one after (2)."),
        BadInvoiceNumber = (UNPROCESSABLE_ENTITY, "pay.bad_invoice_number", "登録番号は T に続く13桁の数字です。", "A registration number is T followed by 13 digits."),
        BadBankCode = (UNPROCESSABLE_ENTITY, "pay.bad_bank_code", "金融機関コードは4桁の数字です。", "The bank code is 4 digits."),
        BadBranchCode = (UNPROCESSABLE_ENTITY, "pay.bad_branch_code", "支店コードは3桁の数字です。", "The branch code is 3 digits."),
        BadAccountType = (UNPROCESSABLE_ENTITY, "pay.bad_account_type", "預金種目は普通(ordinary)・当座(current)・貯蓄(savings)のいずれかです。", "The account type is ordinary, current or savings."),
        BadAccountNumber = (UNPROCESSABLE_ENTITY, "pay.bad_account_number", "口座番号は7桁の数字です(短い場合は先頭を0で埋めてください)。", "The account number is 7 digits (pad a shorter one with leading zeros)."),
        BadHolder = (UNPROCESSABLE_ENTITY, "pay.bad_holder", "口座名義は半角カナで書ける文字(カナ、英大文字、数字、空白と ( ) . - / ,)で、30文字までで入力してください。", "The holder's name must be writable in half-width kana (kana, capital letters, digits, space and ( ) . - / ,), 30 characters at most."),
        /// `{names}`: the workers whose month is not approved.
        Unapproved = (CONFLICT, "pay.unapproved", "承認されていない勤務表があります: {names}", "Some timesheets are not approved: {names}"),
        /// `{names}`: the rows with a character Shift_JIS cannot hold.
        NotCp932 = (CONFLICT, "pay.not_shift_jis", "Shift_JIS(CP932)で表せない文字を含む行があります: {names}。UTF-8 で出力してください。", "Some rows hold characters Shift_JIS (CP932) cannot: {names}. Export in UTF-8 instead."),
        BadClientCode = (UNPROCESSABLE_ENTITY, "pay.bad_client_code", "委託者コードは10桁の数字です。", "The client code is 10 digits."),
        /// `{names}`: the workers without a bank account.
        NoBankAccount = (CONFLICT, "pay.no_bank_account", "口座が登録されていない人がいます: {names}", "Some workers have no bank account: {names}"),
        NoPayer = (CONFLICT, "pay.no_payer", "振込元の口座が設定されていません。", "The account transfers are paid from is not set."),
        /// `{today}`: today in the site's zone.
        PaidOnFuture = (UNPROCESSABLE_ENTITY, "pay.paid_on_future", "支払日が未来の日付です(今日は{today})。", "The payment day is in the future (today is {today})."),
        /// `{close}`: the month's last day.
        PaidOnEarly = (UNPROCESSABLE_ENTITY, "pay.paid_on_early", "支払日が月の締め日({close})より前です。", "The payment day is before the month's close ({close})."),
        PaidTwice = (CONFLICT, "pay.paid_twice", "この勤務表はすでに支払済みです。", "This timesheet is paid already."),
        /// `{id}`: the run asked for.
        NoRun = (NOT_FOUND, "pay.no_run", "この月の支払処理 {id} はありません。", "This month has no payment run {id}."),
        BadRange = (UNPROCESSABLE_ENTITY, "pay.bad_range", "期間は開始月から終了月まで、24か月以内で指定してください。", "A range runs from its first month to its last, 24 months at most."),
        NoRate = (CONFLICT, "pay.no_rate", "{day}の時間に単価がありません。", "The hours of {day} have no rate."),
    }
}
