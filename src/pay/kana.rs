//! Account holders' names as banks' transfer files hold them: half-width katakana, upper-case
//! letters, digits, space and ( ) . - / ,  — full-width katakana and hiragana are converted
//! (small kana to their full size, voiced ones to the base and its mark, as banks print them).

const FULL: &str =
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン";
const HALF: &str = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝ";
const SMALL: &str = "ァィゥェォャュョッヮ";
const SMALL_AS: &str = "ｱｲｳｴｵﾔﾕﾖﾂﾜ";
const VOICED: &str = "ガギグゲゴザジズゼゾダヂヅデドバビブベボヴ";
const VOICED_BASE: &str = "ｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾊﾋﾌﾍﾎｳ";
const SEMI: &str = "パピプペポ";
const SEMI_BASE: &str = "ﾊﾋﾌﾍﾎ";

fn at(from: &str, to: &str, c: char) -> Option<char> {
    from.chars()
        .position(|x| x == c)
        .and_then(|i| to.chars().nth(i))
}

fn allowed(c: char) -> bool {
    ('\u{FF71}'..='\u{FF9F}').contains(&c)
        || c == 'ｦ'
        || c.is_ascii_uppercase()
        || c.is_ascii_digit()
        || " ().-/,".contains(c)
}

/// The name in half-width kana, or None when a character cannot be written so (kanji, say).
pub fn to_half_width(name: &str) -> Option<String> {
    let mut out = String::new();
    for c in name.trim().chars() {
        // Hiragana to katakana.
        let c = if ('\u{3041}'..='\u{3096}').contains(&c) {
            char::from_u32(c as u32 + 0x60)?
        } else {
            c
        };
        if let Some(h) = at(FULL, HALF, c).or_else(|| at(SMALL, SMALL_AS, c)) {
            out.push(h);
        } else if let Some(h) = at(VOICED, VOICED_BASE, c) {
            out.push(h);
            out.push('ﾞ');
        } else if let Some(h) = at(SEMI, SEMI_BASE, c) {
            out.push(h);
            out.push('ﾟ');
        } else if c == 'ー' || c == '－' || c == 'ｰ' {
            out.push('-');
        } else if c == '\u{3000}' {
            out.push(' ');
        } else if ('\u{FF01}'..='\u{FF5E}').contains(&c) {
            // Full-width ASCII.
            out.push(char::from_u32(c as u32 - 0xFEE0)?.to_ascii_uppercase());
        } else if c.is_ascii_lowercase() {
            out.push(c.to_ascii_uppercase());
        } else if allowed(c) {
            out.push(c);
        } else {
            return None;
        }
    }
    (!out.is_empty() && out.chars().all(allowed)).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::to_half_width;

    #[test]
    fn names_become_half_width_kana() {
        for (name, half) in [
            ("ヤマダ タロウ", Some("ﾔﾏﾀﾞ ﾀﾛｳ")),
            ("やまだ　たろう", Some("ﾔﾏﾀﾞ ﾀﾛｳ")),
            ("ｻﾄｳ ﾊﾅｺ", Some("ｻﾄｳ ﾊﾅｺ")),
            ("キャノン", Some("ｷﾔﾉﾝ")),
            ("パーク", Some("ﾊﾟ-ｸ")),
            ("ヴィラ", Some("ｳﾞｲﾗ")),
            ("ｶ)ｶﾄﾞ", Some("ｶ)ｶﾄﾞ")),
            ("Smith John", Some("SMITH JOHN")),
            ("ＡＢＣ１", Some("ABC1")),
            ("山田 太郎", None),
            ("ヤマダ★", None),
            ("", None),
            ("   ", None),
        ] {
            assert_eq!(to_half_width(name).as_deref(), half, "{name}");
        }
    }
}
