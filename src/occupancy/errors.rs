//! The live view's error codes, with their texts in both languages.

crate::error_codes! {
    /// Why a live-view or roll-call request is refused.
    pub enum OccupancyError {
        NotOnList = (UNPROCESSABLE_ENTITY, "roll_call.not_on_list", "この人は点呼の名簿にいません。", "This person is not on the roll call's list."),
        Ended = (CONFLICT, "roll_call.ended", "この点呼は終了しています。", "This roll call has ended."),
        BadPosition = (UNPROCESSABLE_ENTITY, "occupancy.bad_position", "位置は 0〜1000 の範囲で、図面からはみ出さないように指定してください。", "Positions lie between 0 and 1000 and stay on the plan."),
        UnknownSpace = (UNPROCESSABLE_ENTITY, "occupancy.unknown_space", "この拠点のスペースを選んでください。", "Choose a space of this site."),
        BadRange = (UNPROCESSABLE_ENTITY, "occupancy.bad_range", "期間は開始日から終了日まで 366 日以内で指定してください。", "Give a range from a start date to an end date of at most 366 days."),
        TooManyStreams = (TOO_MANY_REQUESTS, "occupancy.too_many_streams", "この方の館内画面の接続が上限({max})に達しています。使っていない画面やタブを閉じてください。", "You have the most live screens open allowed ({max}). Please close a screen or tab you do not use."),
        StreamsFull = (SERVICE_UNAVAILABLE, "occupancy.streams_full", "館内画面の接続数が上限に達しています。しばらくしてからもう一度開いてください。", "The service has as many live screens open as it takes. Please try again in a moment."),
        BadMarkTime = (UNPROCESSABLE_ENTITY, "roll_call.bad_marked_at", "確認時刻は RFC 3339 形式で指定してください。", "marked_at must be an RFC 3339 instant."),
    }
}
