//! The KPI area's error codes, with their texts in both languages.

crate::error_codes! {
    /// Why a KPI request is refused.
    pub enum KpiError {
        BadYear = (UNPROCESSABLE_ENTITY, "kpi.bad_year", "年度は2000〜2099の西暦(4月の年)で指定してください。", "The fiscal year is a year from 2000 to 2099 (the year of its April)."),
        NegativeAmount = (UNPROCESSABLE_ENTITY, "kpi.negative_amount", "金額は0円以上の整数で入力してください。", "The amount is a whole number of yen, 0 or more."),
        BadTarget = (UNPROCESSABLE_ENTITY, "kpi.bad_target", "基準値・目標値は0以上1兆以下、増加目標は-1兆以上1兆以下の整数で入力してください(純額は-1兆以上)。", "A baseline or target is a whole number from 0 to one trillion (down to minus one trillion for the net amount); an increase aimed at, from minus one trillion to one trillion."),
        BadKpi = (UNPROCESSABLE_ENTITY, "kpi.bad_kpi", "指標の種類が正しくありません。", "Unknown KPI."),
        UnknownMunicipality = (UNPROCESSABLE_ENTITY, "kpi.unknown_municipality", "その自治体はありません。", "No such municipality."),
        UnknownProject = (UNPROCESSABLE_ENTITY, "kpi.unknown_project", "そのプロジェクトはありません。", "No such project."),
        ForeignMunicipality = (FORBIDDEN, "kpi.foreign_municipality", "所長が受注を計上できるのは、自分が所長を務める拠点のある自治体だけです。", "A director counts an order only in a municipality where they direct a site."),
    }
}

/// A refusal whose own code (not the generic `validation`) names the field it concerns.
pub fn refuse(field: &str, code: KpiError) -> crate::error::ApiError {
    crate::error::on_field(code, field, None)
}
