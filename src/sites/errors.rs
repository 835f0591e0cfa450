//! The error codes of the sites area, with their texts.

crate::error_codes! {
    /// Why a municipality, a site, its calendar or a space is refused.
    pub enum SitesError {
        /// Fill `{min}` and `{max}`.
        /// Fill `{zone}`: as given in ja, quoted and escaped in en.
        UnknownTimeZone = (UNPROCESSABLE_ENTITY, "site.unknown_time_zone", "タイムゾーン「{zone}」は存在しません(例: Asia/Tokyo)。", "Unknown time zone {zone} (for example Asia/Tokyo)."),
        BadWeekday = (UNPROCESSABLE_ENTITY, "site.bad_weekday", "曜日は mon, tue, wed, thu, fri, sat, sun のいずれかです。", "The weekday must be one of mon, tue, wed, thu, fri, sat, sun."),
        BadTime = (UNPROCESSABLE_ENTITY, "site.bad_time", "時刻は 15分単位の HH:MM で入力してください(例: 09:00)。", "Times are HH:MM on the quarter hour, e.g. 09:00."),
        CloseBeforeOpen = (UNPROCESSABLE_ENTITY, "site.close_before_open", "閉館時刻は開館時刻より後にしてください。", "The closing time must be after the opening time."),
        DuplicateWeekday = (UNPROCESSABLE_ENTITY, "site.duplicate_weekday", "同じ曜日が二度あります。", "This weekday is listed twice."),
        BadMonthDay = (UNPROCESSABLE_ENTITY, "site.bad_month_day", "日付は MM-DD で入力してください(例: 12-29)。", "Dates are MM-DD, e.g. 12-29."),
        UnknownMunicipality = (UNPROCESSABLE_ENTITY, "site.unknown_municipality", "その自治体はありません。", "There is no such municipality."),
        BadMunicipalityCode = (UNPROCESSABLE_ENTITY, "municipality.bad_code", "自治体コードは6桁の数字です(例: 202151)。", "The municipality code is six digits, e.g. 202151."),
        /// A calendar asked for a range the wrong way round or too long.
        /// An exception's hours: `{problem}` is [`BAD_HOURS`] or [`HALF_HOURS`].
        BadHours = (UNPROCESSABLE_ENTITY, "site.bad_hours", "{problem}してください。", "{problem}."),
        HoursRequired = (UNPROCESSABLE_ENTITY, "site.hours_required", "この曜日は通常休館のため、開館時刻と閉館時刻を入力してください。", "The site is usually closed on this weekday: give the opening and closing time."),
        /// Fill `{max}`.
        BadCapacity = (UNPROCESSABLE_ENTITY, "space.bad_capacity", "定員は 1 から {max} の間で入力してください。", "The capacity must be between 1 and {max}."),
        /// Fill `{name}`: as given in ja, quoted and escaped in en.
        UnknownAttribute = (UNPROCESSABLE_ENTITY, "space.unknown_attribute", "「{name}」という設備はありません。", "Unknown attribute {name}."),
        /// Fill `{held}`.
        HasBookings = (CONFLICT, "space.has_bookings", "このスペースには今後の予約が{held}件あります。先に移動か取り消しをしてください。", "This space has {held} upcoming booking(s); move or cancel them first."),
    }
}

/// The `{problem}` of [`SitesError::BadHours`] for times that do not parse or close before
/// they open (ja, en).
pub const BAD_HOURS: (&str, &str) = (
    "時刻は 15分単位の HH:MM で、閉館を開館より後に",
    "Times are HH:MM on the quarter hour, closing after opening",
);

/// The `{problem}` of [`SitesError::BadHours`] for one time without the other (ja, en).
pub const HALF_HOURS: (&str, &str) = (
    "開館時刻と閉館時刻は両方入力",
    "Give both the opening and the closing time",
);
