//! Name comparison: confusable skeletons, edit distance, URL hosts.

/// Folds a name to a "skeleton" so that names a person would read as the same compare
/// equal: lowercase, Cyrillic/Greek/fullwidth look-alikes and accented Latin letters mapped
/// to plain ASCII, `0`→`o`, `1`/`|`→`l`, and `rn`→`m`, `vv`→`w`. A small hand-picked
/// subset of Unicode TR39 confusables, enough for server names.
pub fn skeleton(name: &str) -> String {
    let mut folded = String::with_capacity(name.len());
    for c in name.trim().chars() {
        match capital_confusable(c) {
            Some(ascii) => folded.push(ascii),
            None => c.to_lowercase().for_each(|lc| folded.push(confusable(lc))),
        }
    }
    folded.replace("rn", "m").replace("vv", "w")
}

/// Greek and Cyrillic capitals that look like a Latin capital (whose lowercase differs
/// from theirs: capital eta looks like H, small eta like n).
fn capital_confusable(c: char) -> Option<char> {
    Some(match c {
        'Α' | 'А' => 'a',
        'Β' | 'В' => 'b',
        'Ε' | 'Е' => 'e',
        'Ζ' => 'z',
        'Η' | 'Н' => 'h',
        'Ι' | 'І' => 'i',
        'Κ' | 'К' => 'k',
        'Μ' | 'М' => 'm',
        'Ν' => 'n',
        'Ο' | 'О' => 'o',
        'Ρ' | 'Р' => 'p',
        'Τ' | 'Т' => 't',
        'Υ' | 'У' => 'y',
        'Χ' | 'Х' => 'x',
        'Ь' => 'b',
        'С' => 'c',
        'Ѕ' => 's',
        'Ј' => 'j',
        _ => return None,
    })
}

fn confusable(c: char) -> char {
    match c {
        // Cyrillic
        'а' => 'a',
        'в' => 'b',
        'е' | 'ё' => 'e',
        'һ' => 'h',
        'і' | 'ї' => 'i',
        'ј' => 'j',
        'к' => 'k',
        'ӏ' => 'l',
        'ь' => 'b',
        'м' => 'm',
        'н' => 'h',
        'о' => 'o',
        'р' => 'p',
        'ԛ' => 'q',
        'с' => 'c',
        'ѕ' => 's',
        'т' => 't',
        'у' => 'y',
        'ԝ' => 'w',
        'х' => 'x',
        'ԁ' => 'd',
        'ɡ' => 'g',
        // Greek
        'α' => 'a',
        'β' => 'b',
        'ε' => 'e',
        'η' => 'n',
        'ι' => 'i',
        'κ' => 'k',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        'γ' => 'y',
        // Latin with diacritics
        'à'..='å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è'..='ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
        'ì'..='ï' | 'ī' | 'į' | 'ı' => 'i',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò'..='ö' | 'ø' | 'ō' | 'ő' => 'o',
        'ù'..='ü' | 'ū' | 'ů' | 'ű' => 'u',
        'ý' | 'ÿ' => 'y',
        'ś' | 'š' => 's',
        'ź' | 'ż' | 'ž' => 'z',
        'ł' => 'l',
        // ASCII look-alikes
        '0' => 'o',
        '1' | '|' => 'l',
        // Fullwidth ASCII
        '\u{FF01}'..='\u{FF5E}' => {
            char::from_u32(u32::from(c) - 0xFF01 + 0x21).map_or(c, confusable)
        }
        c => c,
    }
}

/// Whether `name` mixes Latin letters with Cyrillic or Greek ones.
pub fn is_mixed_script(name: &str) -> bool {
    let latin = name.chars().any(|c| c.is_ascii_alphabetic());
    let other = name
        .chars()
        .any(|c| matches!(c, '\u{0370}'..='\u{03FF}' | '\u{0400}'..='\u{052F}'));
    latin && other
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions) over chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (i, row) in d.chunks_mut(width).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// The largest edit distance that counts as a typosquat of a name of `len` characters:
/// none for names of up to 3 characters, 1 for 4–5, `max` from 6 on (short names are too
/// close to each other for a larger distance to mean anything).
pub fn typo_budget(len: usize, max: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=5 => max.min(1),
        _ => max,
    }
}

/// The lowercase host of a URL (`https://user@Host.Example:443/x` → `host.example`);
/// a string without a scheme is read as `host[:port][/path]`.
pub fn url_host(url: &str) -> String {
    let rest = url
        .trim()
        .split_once("://")
        .map_or(url.trim(), |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    host.trim_end_matches('.').to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skeletons_fold_look_alikes() {
        assert_eq!(skeleton("gіthub"), "github"); // Cyrillic і
        assert_eq!(skeleton("GitΗub"), "github"); // Greek capital eta
        assert_eq!(skeleton("ｆｉｌｅｓ"), "files");
        assert_eq!(skeleton("g00gle"), "google");
        assert_eq!(skeleton("rnicrosoft"), "microsoft");
        assert_eq!(skeleton("pаypal"), skeleton("paypal"));
        assert!(is_mixed_script("pаypal"));
        assert!(!is_mixed_script("paypal"));
    }

    #[test]
    fn distances_count_transpositions_once() {
        assert_eq!(edit_distance("github", "github"), 0);
        assert_eq!(edit_distance("github", "gihtub"), 1);
        assert_eq!(edit_distance("github", "githb"), 1);
        assert_eq!(edit_distance("github", "gitlab"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(typo_budget(3, 2), 0);
        assert_eq!(typo_budget(5, 2), 1);
        assert_eq!(typo_budget(6, 2), 2);
    }

    #[test]
    fn url_hosts() {
        assert_eq!(
            url_host("https://user@Files.Example.com:443/mcp?x#y"),
            "files.example.com"
        );
        assert_eq!(url_host("files.example.com/mcp"), "files.example.com");
        assert_eq!(url_host("http://[::1]:8080/"), "::1");
        assert_eq!(url_host("https://example.com./"), "example.com");
    }
}
