//! Childcare's error codes, with their texts in both languages.

use crate::error::{ApiError, ErrorCode, FieldError, Text};

crate::error_codes! {
    /// Why a childcare request is refused.
    pub enum ChildcareError {
        Unavailable = (NOT_FOUND, "childcare.unavailable", "この拠点には託児室がありません。", "This site has no childcare room."),
        /// `{at}`: the first full segment (HH:MM); `{frees}`: when a place frees there, or empty.
        Full = (CONFLICT, "childcare.full", "{at}からの時間帯は託児室が満員です(保育士の人数または部屋の定員)。{frees}", "The childcare room is full from {at} (caregivers on duty or room size).{frees}"),
        ChildOverlap = (CONFLICT, "childcare.child_overlap", "このお子さまはその時間にすでに予約があります。", "This child already has a place at that time."),
        NotBorn = (UNPROCESSABLE_ENTITY, "childcare.not_born", "生年月日がその日より後です。", "The child's birth date is after that day."),
        NotWithinBooking = (CONFLICT, "childcare.not_within_booking", "託児はご自身の席の予約の時間内で申し込んでください。", "A childcare place must lie within your own desk or room booking at this site."),
        NotCancellable = (CONFLICT, "childcare.not_cancellable", "この託児予約は取り消せません。", "This childcare place can no longer be cancelled."),
        /// `{minutes}`: how early a child may be handed over.
        NotOnDuty = (FORBIDDEN, "childcare.not_on_duty", "お子さまの受け渡しは勤務中の保育士(または施設長)が記録します。シフトが登録されているか確認してください。", "A hand-over is recorded by a caregiver on duty (or the site's director). Please check that your shift is entered."),
        PickupCodeLocked = (FORBIDDEN, "childcare.pickup_code_locked", "間違ったコードが続いたため、この方のお迎えコードは15分間使えません。保護者のお迎えはできます。", "Too many wrong codes: this person's pick-up code is locked for 15 minutes. A guardian can still collect."),
        AlreadyHere = (CONFLICT, "childcare.already_here", "このお子さまはすでに受け入れ済みで、在室中です。", "This child was already received and is in the room."),
        NotNow = (CONFLICT, "childcare.not_now", "お預かりは予約時間の{minutes}分前から終了までです。", "Drop-off is from {minutes} minutes before the place starts until it ends."),
        NotInRoom = (CONFLICT, "childcare.not_in_room", "このお子さまは託児室にいません。", "This child is not in the childcare room."),
        PickupNotAuthorised = (FORBIDDEN, "childcare.pickup_not_authorised", "この方にはお子さまをお渡しできません。保護者または登録された方のみです。", "This child can be handed only to a guardian or a registered authorised person."),
        /// `{count}`: how many segments would be short.
        ShiftChangeLeavesSegmentShort = (CONFLICT, "childcare.shift_change_leaves_segment_short", "この変更では{count}の時間帯で保育士が足りなくなります。", "This change would leave {count} segment(s) short of caregivers."),
        ShiftOverlap = (CONFLICT, "childcare.shift_overlap", "この保育士はその時間にすでにシフトがあります。", "This caregiver already has a shift at that time."),
        BadShift = (UNPROCESSABLE_ENTITY, "childcare.bad_shift", "終了は開始より後にしてください。", "The end must be after the start."),
        NotACaregiver = (UNPROCESSABLE_ENTITY, "childcare.not_a_caregiver", "この拠点の保育士を選んでください。", "Choose a caregiver of this site."),
        BadBirthDate = (UNPROCESSABLE_ENTITY, "child.bad_birth_date", "生年月日を YYYY-MM-DD で入力してください(12歳まで)。", "Give the birth date as YYYY-MM-DD (children up to 12)."),
        BadAgeBasis = (UNPROCESSABLE_ENTITY, "validation.bad_choice", "age か class を選んでください。", "Choose age or class."),
        BadChildIds = (UNPROCESSABLE_ENTITY, "validation.child_ids", "お子さまの指定が正しくありません(番号をカンマで区切って10人まで)。", "child_ids must be up to 10 numbers separated by commas."),
        /// A desk booking's places cannot move with it (see [`does_not_fit_from`] for the
        /// text naming the full segment).
        DoesNotFitBooking = (CONFLICT, "booking.childcare_does_not_fit", "この予約の託児は新しい時間に収まりません。", "The childcare places of this booking do not fit in its new time."),
        NotBookedToday = (CONFLICT, "childcare.not_booked_today", "この方のお子さまには今の時間の託児予約がありません。空きがあればアプリから今すぐ予約できます。", "This person's children have no childcare place now. If a place fits, they can book one now in the app."),
        BadQr = (UNPROCESSABLE_ENTITY, "childcare.bad_qr", "QRコードを読み取れませんでした(期限切れまたは無効)。もう一度表示してもらってください。", "This QR code is not valid now (expired or revoked): ask for it to be shown again."),
        NotNapping = (CONFLICT, "childcare.not_napping", "このお子さまは午睡中ではありません。", "This child is not napping."),
        AlreadyNapping = (CONFLICT, "childcare.already_napping", "このお子さまはすでに午睡中です。", "This child is already napping."),
        BadPosition = (UNPROCESSABLE_ENTITY, "childcare.bad_position", "姿勢は back、side、front のいずれかです。", "The position is back, side or front."),
        BadNoteKind = (UNPROCESSABLE_ENTITY, "childcare.bad_note_kind", "種類は meal、toilet、mood、note のいずれかです。", "The kind is meal, toilet, mood or note."),
        ChildInRoom = (CONFLICT, "booking.childcare_in_room", "お子さまが託児室にいるため、この予約は移動できません。", "A child of this booking is in the childcare room, so the booking cannot move."),
    }
}

/// The refusal with one field error carrying `message` (the detail keeps the code's text).
pub fn on_field(code: ChildcareError, field: &str, message: Option<Text>) -> ApiError {
    crate::error::on_field(code, field, message)
}

/// The refusal of a desk-booking move whose places would meet a full room from `at` (HH:MM).
pub fn does_not_fit_from(at: &str) -> ApiError {
    let text = Text::new(
        format!("{at}からの時間帯は託児室が満員のため、この予約の託児を一緒に移せません。"),
        format!(
            "The childcare room is full from {at}: the childcare places of this booking cannot move with it."
        ),
    );
    let code = ChildcareError::DoesNotFitBooking;
    ApiError::Client {
        status: code.status(),
        code: code.code(),
        detail: text.clone(),
        errors: vec![FieldError {
            field: "start".into(),
            code: code.code(),
            message: text,
        }],
        retry_after: None,
    }
}
