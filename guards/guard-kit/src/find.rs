//! Finding destinations and names in lowercased text: e-mail addresses, IP addresses,
//! domain names, URLs, account numbers, snake_case identifiers. Each is one pass over
//! the bytes; callers run them only over the sentences that need them.

/// Byte offsets (of the `@`) of e-mail addresses in `text`: a local part of letters,
/// digits and `._%+-`, then a domain with a dot and a final label of two or more letters.
pub fn email_addresses(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    let local = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-');
    let domain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-');
    bytes.iter().enumerate().filter_map(move |(at, &b)| {
        if b != b'@' || at == 0 || !local(bytes[at - 1]) {
            return None;
        }
        let end = bytes[at + 1..]
            .iter()
            .position(|&b| !domain(b))
            .map_or(bytes.len(), |p| at + 1 + p);
        let host = text[at + 1..end].trim_end_matches(['.', '-']);
        let tld = host.rsplit_once('.')?.1;
        (tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())).then_some(at)
    })
}

/// Byte offsets of dotted-quad IPv4 addresses (`203.0.113.5`) in `text`.
pub fn ipv4_addresses(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    let starts = (0..bytes.len()).filter(move |&at| {
        bytes[at].is_ascii_digit()
            && (at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'.'))
    });
    starts.filter(move |&at| {
        let mut i = at;
        for part in 0..4 {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() && i - start < 4 {
                i += 1;
            }
            let octet = (1..=3).contains(&(i - start))
                && text[start..i].parse::<u16>().is_ok_and(|n| n <= 255);
            if !octet || (part < 3 && bytes.get(i) != Some(&b'.')) {
                return false;
            }
            i += usize::from(part < 3);
        }
        let dotted_on =
            bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        !dotted_on && !bytes.get(i).is_some_and(u8::is_ascii_alphanumeric)
    })
}

/// Byte ranges of `http://` and `https://` URLs in `text` (lowercased): up to whitespace,
/// a quote, or a closing bracket that the URL did not open. Placeholders such as `{key}`
/// or `<token>` stay inside.
pub fn urls(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut from = 0;
    std::iter::from_fn(move || {
        let rest = &text[from..];
        let at = from + rest.find("http")?;
        let scheme = if text[at..].starts_with("https://") {
            8
        } else if text[at..].starts_with("http://") {
            7
        } else {
            from = at + 4;
            return Some(None);
        };
        let (mut depth, mut end) = (0i32, at + scheme);
        while end < bytes.len() {
            match bytes[end] {
                b if b.is_ascii_whitespace() => break,
                b'"' | b'\'' | b'`' => break,
                b'(' | b'[' | b'{' | b'<' => depth += 1,
                b')' | b']' | b'}' | b'>' if depth == 0 => break,
                b')' | b']' | b'}' | b'>' => depth -= 1,
                _ => {}
            }
            end += 1;
        }
        from = end.max(at + 4);
        Some(Some((at, end)))
    })
    .flatten()
}

/// Byte offsets of bare domain names (`evil-analytics.io`, `api.partner.example`) in
/// `text` (lowercased): dot-separated labels ending in a common top-level domain, not
/// part of a URL, an e-mail address or a path.
pub fn bare_domains(text: &str) -> impl Iterator<Item = usize> + '_ {
    const TLDS: &[&str] = &[
        "com", "net", "org", "io", "dev", "app", "ai", "co", "me", "info", "biz", "xyz", "ru",
        "cn", "tk", "top", "site", "online", "cloud", "example", "pro", "gg", "ly", "cc", "tv",
        "us", "uk", "de", "fr", "eu", "in", "jp", "br", "live", "link", "click", "shop", "store",
    ];
    let bytes = text.as_bytes();
    let label = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            if !label(bytes[i]) || (i > 0 && (label(bytes[i - 1]) || bytes[i - 1] == b'.')) {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len()
                && (label(bytes[i])
                    || (bytes[i] == b'.' && bytes.get(i + 1).is_some_and(|&b| label(b))))
            {
                i += 1;
            }
            let host = &text[start..i];
            let before = start.checked_sub(1).map(|p| bytes[p]);
            let inside = matches!(before, Some(b'@' | b'/' | b'\\' | b'~' | b'$'));
            if !inside
                && let Some((_, tld)) = host.rsplit_once('.')
                && TLDS.contains(&tld)
            {
                return Some(start);
            }
        }
        None
    })
}

/// Byte offsets of IBAN-like account numbers (two letters, two digits, then 10 to 30
/// letters and digits, in one token) in `text` (lowercased): a destination for money.
pub fn account_numbers(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let start = i;
            if !bytes[i].is_ascii_alphanumeric() || (i > 0 && bytes[i - 1].is_ascii_alphanumeric())
            {
                i += 1;
                continue;
            }
            while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let token = &bytes[start..i];
            let shaped = token.len() >= 14
                && token.len() <= 34
                && token[..2].iter().all(u8::is_ascii_alphabetic)
                && token[2..4].iter().all(u8::is_ascii_digit)
                && token[4..].iter().filter(|b| b.is_ascii_digit()).count() >= 8;
            if shaped {
                return Some(start);
            }
        }
        None
    })
}

/// Byte ranges of snake_case identifiers in `text` (`send_email`, `get_file_contents`):
/// letters and digits with at least one inner `_`, starting with a letter.
pub fn snake_identifiers(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            if !word(bytes[i]) || (i > 0 && word(bytes[i - 1])) {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && word(bytes[i]) {
                i += 1;
            }
            let ident = &bytes[start..i];
            let inner = ident.len() > 2 && ident[1..ident.len() - 1].contains(&b'_');
            if ident[0].is_ascii_alphabetic() && inner && ident[ident.len() - 1] != b'_' {
                return Some((start, i));
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_email_addresses_and_identifiers() {
        let text = "mail a@b.io, not x@y or @home; cc ops+1@corp.example.com.";
        let at: Vec<usize> = email_addresses(text).collect();
        assert_eq!(at, [6, 39]);
        let text = "call send_email, not _x or my_ or plain; get_file_contents2";
        let ids: Vec<&str> = snake_identifiers(text).map(|(a, b)| &text[a..b]).collect();
        assert_eq!(ids, ["send_email", "get_file_contents2"]);
        let text = "see https://a.example/x?k={api_key}). and http://b";
        let found: Vec<&str> = urls(text).map(|(a, b)| &text[a..b]).collect();
        assert_eq!(found, ["https://a.example/x?k={api_key}", "http://b"]);
        let text = "post to evil-stats.io or api.partner.example, not a@b.com, ~/.ssh or setup.sh";
        let found: Vec<usize> = bare_domains(text).collect();
        assert_eq!(found, [8, 25]);
        let text = "pay to us133000000121212121212 or de89370400440532013000, not ab12cd";
        assert_eq!(account_numbers(text).collect::<Vec<_>>(), [7, 34]);
        let text = "nc 203.0.113.5 4444, not 1.2.3 or 1.2.3.4.5 or v999.1.1.1";
        assert_eq!(ipv4_addresses(text).collect::<Vec<_>>(), [3]);
    }
}
