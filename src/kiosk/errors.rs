//! The kiosk area's error codes, with their texts.

use crate::error_codes;

error_codes! {
    /// Why a scan, a credential change or a kiosk device request is refused.
    pub enum KioskError {
        UnknownCredential = (NOT_FOUND, "kiosk.unknown_credential", "このコードやカードは登録されていません。受付にお声がけください。", "This code or card is not known. Please ask at reception."),
        RevokedCode = (FORBIDDEN, "kiosk.revoked_code", "このQRコードは無効になっています。新しいコードをお使いください。", "This QR code has been revoked. Please use your new code."),
        ExpiredCode = (FORBIDDEN, "kiosk.expired_code", "QRコードの有効期限が切れています。アプリで最新のコードを表示してください。", "This QR code has expired. Please show the current code in the app."),
        UnknownCard = (NOT_FOUND, "kiosk.unknown_card", "このカードは登録されていません。受付にお声がけください。", "This card is not registered. Please ask at reception."),
        WrongPin = (FORBIDDEN, "kiosk.wrong_pin", "会員番号またはPINが違います。", "The member number or PIN is not right."),
        PinLocked = (TOO_MANY_REQUESTS, "kiosk.pin_locked", "PINの入力を15分間停止しています。QRコードかカードをお使いください。", "PIN entry is locked for 15 minutes. Please use your QR code or card."),
        BadScanTime = (UNPROCESSABLE_ENTITY, "kiosk.bad_scan_time", "スキャン時刻が古すぎるか未来です。", "The scan time is too old or in the future."),
        LatePin = (UNPROCESSABLE_ENTITY, "kiosk.late_pin", "PINは後から送ることができません。もう一度入力してください。", "A PIN cannot be sent later. Please enter it again."),
        SiteClosed = (CONFLICT, "kiosk.site_closed", "ただいま閉館中です。", "The site is closed now."),
        NotThisSite = (FORBIDDEN, "kiosk.not_this_site", "この拠点のご予約がありません。", "You have no booking at this site."),
        NoBooking = (CONFLICT, "kiosk.no_booking", "今の時間のご予約がありません。アプリで席を予約してください。", "You have no booking now. Please book a desk in the app."),
        /// `{names}`: the children, joined in each language.
        ChildInRoom = (CONFLICT, "kiosk.child_in_room", "お子さま({names})がまだ託児室にいます。先にお迎えをお願いします。", "Your child ({names}) is still in the childcare room: please pick them up first."),
        AlreadyIn = (CONFLICT, "kiosk.already_in", "チェックイン済みです。", "Already checked in."),
        /// The booking was released (no-show) or cancelled between the scan's read and its write.
        BookingReleased = (CONFLICT, "kiosk.booking_released", "このご予約はたった今取り消されました。もう一度スキャンするか、受付にお声がけください。", "This booking was released a moment ago. Please scan again or ask at reception."),
        /// A secure room's door reader (paired by the access area) scanning at the entrance; the
        /// code keeps the name the kiosk page and clients already know.
        DoorAtEntrance = (FORBIDDEN, "access.door_at_entrance", "扉の読み取り機は入口のチェックインに使えません。", "A door reader cannot be used for check-in at the entrance."),
        NoCode = (UNPROCESSABLE_ENTITY, "kiosk.no_code", "QRコードが読み取れませんでした。", "No QR code could be read."),
        /// `{w}`, `{h}`: the image's size; `{max}`: the largest side taken.
        ImageTooLarge = (PAYLOAD_TOO_LARGE, "kiosk.image_too_large", "画像が大きすぎます({w}×{h})。一辺{max}ピクセル以下にしてください。", "The image is too large ({w}×{h}). Send at most {max} pixels a side."),
        BadPin = (UNPROCESSABLE_ENTITY, "kiosk.bad_pin", "PINは4〜6桁の数字です。", "A PIN is 4 to 6 digits."),
        NoMemberNumber = (UNPROCESSABLE_ENTITY, "kiosk.no_member_number", "会員番号がないためPINは使えません。", "Without a member number a PIN cannot be used."),
        BadCardId = (UNPROCESSABLE_ENTITY, "kiosk.bad_card_id", "カードIDは8〜32桁の16進数です。", "A card id is 8 to 32 hex digits."),
        RateLimited = (TOO_MANY_REQUESTS, "kiosk.rate_limited", "間違ったコードが続きました。15分ほど待ってからお試しください。", "Too many wrong codes. Please wait about 15 minutes and try again."),
        InvalidCode = (UNAUTHORIZED, "kiosk.invalid_code", "コードが違うか、有効期限が切れています。", "The code is wrong or has expired."),
    }
}
