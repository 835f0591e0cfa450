//! The error codes of the people area, with their texts.

crate::error_codes! {
    /// Why a person or a team is refused.
    pub enum PeopleError {
        BadEmail = (UNPROCESSABLE_ENTITY, "person.bad_email", "メールアドレスの形式が正しくありません。", "This is not a valid e-mail address."),
        BadKana = (UNPROCESSABLE_ENTITY, "person.bad_kana", "フリガナはひらがなかカタカナで入力してください。", "Write the kana reading in hiragana or katakana."),
        BadPhone = (UNPROCESSABLE_ENTITY, "person.bad_phone", "電話番号は数字とハイフンで20文字以内で入力してください。", "Write the phone number with digits and hyphens, at most 20 characters."),
        BadMemberNumber = (UNPROCESSABLE_ENTITY, "person.bad_member_number", "会員番号は英数字とハイフンで20文字以内です。", "The member number is letters, digits and hyphens, at most 20."),
        UnknownMunicipality = (UNPROCESSABLE_ENTITY, "person.unknown_municipality", "その自治体はありません。", "There is no such municipality."),
        UnknownTeam = (UNPROCESSABLE_ENTITY, "person.unknown_team", "そのチームはありません。", "There is no such team."),
        RolesRequired = (UNPROCESSABLE_ENTITY, "person.roles_required", "拠点と役割を一つ以上指定してください。", "Give the site and at least one role on it."),
        PasswordByLink = (UNPROCESSABLE_ENTITY, "person.password_by_link", "他の人のパスワードは設定できません。招待(作成時は invite、作成後は /persons/{id}/invitation)で本人が決めます。", "Nobody sets another person's password: they choose it through an invitation (invite when creating, /persons/{id}/invitation after)."),
        RolesSeparately = (UNPROCESSABLE_ENTITY, "person.roles_separately", "役割は /persons/{id}/roles で変更してください。", "Change roles through /persons/{id}/roles."),
        BadLeader = (UNPROCESSABLE_ENTITY, "team.bad_leader", "リーダーはこの拠点のワーカーから選んでください。", "The leader must be a worker of this site."),
        InvitationInvalid = (GONE, "invitation.invalid", "この招待リンクは使用済みか、有効期限が切れています。拠点の担当者に再送を依頼してください。", "This invitation link was already used or has expired. Ask your site to send a new one."),
        InviteInactive = (CONFLICT, "invitation.inactive", "無効になっているアカウントには招待を送れません。", "An inactive account cannot be invited."),
        InviteSeparately = (UNPROCESSABLE_ENTITY, "invitation.separately", "既存のアカウントへの招待は /persons/{id}/invitation で送ってください。", "Invite an existing account through /persons/{id}/invitation."),
        ImportTooLarge = (PAYLOAD_TOO_LARGE, "import.too_large", "ファイルが大きすぎます(上限 {limit} MB)。", "The file is too large (the limit is {limit} MB)."),
        ImportTooManyRows = (PAYLOAD_TOO_LARGE, "import.too_many_rows", "行が多すぎます(上限 {limit} 行)。ファイルを分けてください。", "Too many rows (the limit is {limit}). Split the file."),
        ImportUnreadable = (UNPROCESSABLE_ENTITY, "import.unreadable", "ファイルを読めません。CSV(UTF-8 か Shift_JIS)か XLSX で保存してください。", "The file cannot be read. Save it as CSV (UTF-8 or Shift_JIS) or XLSX."),
        ImportUnclosedQuote = (UNPROCESSABLE_ENTITY, "import.unclosed_quote", "{row} 行目の引用符(\")が閉じられていません。", "The quote (\") opened on row {row} is never closed."),
        ImportEmpty = (UNPROCESSABLE_ENTITY, "import.empty", "見出し行とデータ行がありません。", "The file has no header row and data rows."),
        ImportMissingColumn = (UNPROCESSABLE_ENTITY, "import.missing_column", "「{column}」の列がありません。", "The file has no \"{column}\" column."),
        ImportDuplicateColumn = (UNPROCESSABLE_ENTITY, "import.duplicate_column", "「{column}」の列が二つあります。", "The column \"{column}\" appears twice."),
        ImportBadLanguage = (UNPROCESSABLE_ENTITY, "import.bad_language", "言語は ja か en で入力してください。", "Write the language as ja or en."),
        ImportOtherSite = (UNPROCESSABLE_ENTITY, "import.other_site", "この行は別の拠点のものです。拠点ごとに取り込んでください。", "This row is for another site: import each site's rows there."),
        ImportDuplicateNumber = (UNPROCESSABLE_ENTITY, "import.duplicate_member_number", "この会員番号はファイル内に複数あります。", "This member number appears more than once in the file."),
        ImportDuplicateEmail = (UNPROCESSABLE_ENTITY, "import.duplicate_email", "このメールアドレスはファイル内に複数あります。", "This e-mail address appears more than once in the file."),
        ImportEmailTaken = (UNPROCESSABLE_ENTITY, "import.email_taken", "このメールアドレスは別の会員番号の人が使っています。", "Someone with another member number has this e-mail address."),
        ImportNotYours = (UNPROCESSABLE_ENTITY, "import.not_managed", "この会員は他の拠点でも活動しているため、管理者が変更します。", "This member also works elsewhere: an administrator changes them."),
        ImportRowsInvalid = (UNPROCESSABLE_ENTITY, "import.rows_invalid", "{count} 行に誤りがあるため、何も取り込みませんでした。", "{count} rows have errors: nothing was imported."),
        ImportBadRole = (UNPROCESSABLE_ENTITY, "import.bad_role", "役割は ワーカー・トレーナー・保育士・受付 のいずれかで入力してください。", "Write the role as worker, trainer, caregiver or reception."),
        ImportRoleNotImportable = (UNPROCESSABLE_ENTITY, "import.role_not_importable", "施設長と管理者の役割はファイルからは付けられません。利用者画面で個別に設定してください。", "Director and administrator roles are not given by a file: set them person by person in the console."),
        ImportRaced = (CONFLICT, "import.conflict", "取り込み中に他の変更がありました。もう一度確認してください。", "Someone else changed these people meanwhile. Check the file again."),
    }
}
