//! The booking area's error codes, with their texts in both languages.

crate::error_codes! {
    /// Why a booking request is refused.
    pub enum BookingError {
        Overlap = (CONFLICT, "booking.overlap", "その時間はすでに予約されています。", "That space is already booked for that time."),
        PersonOverlap = (CONFLICT, "booking.person_overlap", "その時間にはすでに別の席を予約しています。", "You already have a desk booked at that time."),
        /// `{hours}`: the site's daily limit.
        DailyLimit = (CONFLICT, "booking.daily_limit", "1日に予約できるのは{hours}時間までです。", "You can book at most {hours} hours a day."),
        /// `{max}`: the site's limit of upcoming bookings.
        TooMany = (CONFLICT, "booking.too_many", "同時に持てる予約は{max}件までです。", "You can hold at most {max} upcoming bookings."),
        NoFreeDesk = (CONFLICT, "booking.no_free_desk", "その時間に条件に合う空席はありません。", "No desk matching those wishes is free at that time."),
        NotBookable = (UNPROCESSABLE_ENTITY, "booking.not_bookable", "託児室は託児予約から申し込んでください。", "The childcare room is booked through childcare, not as a seat."),
        /// `{reason}`: what is missing, e.g. "Information security training expired on 3/31/2027."
        SecureRoomAccess = (FORBIDDEN, "booking.secure_room_access", "セキュアルームは入室が許可された人だけが予約できます: {reason}", "Only people cleared for this secure room may book it: {reason}"),
        BadWeekdays = (UNPROCESSABLE_ENTITY, "booking.bad_weekdays", "曜日を mon〜sun で一つ以上選んでください。", "Choose one or more weekdays, mon to sun."),
        SeriesEndRequired = (UNPROCESSABLE_ENTITY, "booking.series_end_required", "終了日か回数を指定してください。", "Give an end date or a count."),
        SeriesEmpty = (UNPROCESSABLE_ENTITY, "booking.series_empty", "その曜日と期間には予約できる日がありません。", "No open date matches those weekdays and dates."),
        /// `{count}`: how many dates are in conflict (each listed in `errors`).
        SeriesConflict = (CONFLICT, "booking.series_conflict", "{count}日分が予約できないため、何も予約していません。", "{count} of the dates cannot be booked, so nothing was booked."),
        NotChangeable = (CONFLICT, "booking.not_changeable", "開始済み、またはキャンセル済みの予約は変更できません。", "This booking has started or is no longer active, so it cannot be changed."),
        Released = (CONFLICT, "booking.released", "チェックインがなかったため、この予約は解放されました。", "This booking was released because nobody checked in."),
        /// `{early}`: the site's check-in margin in minutes.
        NotNow = (CONFLICT, "booking.not_now", "チェックインは開始{early}分前から終了までです。", "Check-in opens {early} minutes before the start and closes at the end."),
        ChildcareLinked = (CONFLICT, "booking.childcare_linked", "この予約には託児の予約があります。託児も取り消すか(childcare=cancel)、残すか(childcare=keep)を選んでください。", "Childcare places are tied to this booking: choose childcare=cancel or childcare=keep."),
        /// Keeping a cancelled desk's places is the desk cancellation's question, so booking
        /// answers it (the code keeps its historical `childcare.` name).
        KeepNotAllowed = (CONFLICT, "childcare.keep_not_allowed", "この拠点では、席の予約を取り消すと託児の予約も取り消されます。", "At this site a childcare place cannot stay without its desk booking."),
        EndBeforeStart = (UNPROCESSABLE_ENTITY, "booking.end_before_start", "終了時刻は開始時刻より後にしてください。", "The end time must be after the start time."),
        OffGrid = (UNPROCESSABLE_ENTITY, "booking.off_grid", "時刻は15分単位(00, 15, 30, 45分)で指定してください。", "Times are on the quarter hour (:00, :15, :30, :45)."),
        TooShort = (UNPROCESSABLE_ENTITY, "booking.too_short", "予約は30分以上にしてください。", "A booking lasts at least 30 minutes."),
        InPast = (CONFLICT, "booking.in_past", "過去の時間は予約できません。", "That time has already passed."),
        /// `{days}`: the site's booking window.
        TooFarAhead = (CONFLICT, "booking.too_far_ahead", "予約できるのは{days}日先までです。", "You can book at most {days} days ahead."),
        /// `{date}`: the day, e.g. 12月8日(火) / Tuesday 8 December 2026; `{reason}`: why
        /// it is closed (a holiday's name, the director's note, ...).
        ClosedDay = (CONFLICT, "booking.closed_day", "{date}は休館日です({reason})。", "The site is closed on {date} ({reason})."),
        /// `{hours}`: that day's hours, e.g. `(この日は9:00〜18:00)` / ` (9:00–18:00 that day)`,
        /// or nothing.
        OutsideOpeningHours = (CONFLICT, "booking.outside_opening_hours", "開館時間内で予約してください{hours}。", "Book within the opening hours{hours}."),
        NonexistentLocalTime = (UNPROCESSABLE_ENTITY, "booking.nonexistent_local_time", "夏時間の切り替えのため、その時刻は存在しません。", "That local time does not exist on that day (daylight saving time starts)."),
        AmbiguousLocalTime = (UNPROCESSABLE_ENTITY, "booking.ambiguous_local_time", "夏時間の切り替えのため、その時刻は2回あり特定できません。別の時刻を選んでください。", "That local time occurs twice on that day (daylight saving time ends); choose another time."),
    }
}
