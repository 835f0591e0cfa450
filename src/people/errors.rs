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
        RolesSeparately = (UNPROCESSABLE_ENTITY, "person.roles_separately", "役割は /persons/{id}/roles で変更してください。", "Change roles through /persons/{id}/roles."),
        BadLeader = (UNPROCESSABLE_ENTITY, "team.bad_leader", "リーダーはこの拠点のワーカーから選んでください。", "The leader must be a worker of this site."),
    }
}
