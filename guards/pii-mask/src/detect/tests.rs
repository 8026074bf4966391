use super::*;

fn found(text: &str) -> Vec<(Category, &str)> {
    find(text, &Category::ALL)
        .into_iter()
        .map(|s| (s.category, &text[s.start..s.end]))
        .collect()
}

fn only(text: &str, category: Category) -> Vec<&str> {
    found(text)
        .into_iter()
        .filter(|(c, _)| *c == category)
        .map(|(_, v)| v)
        .collect()
}

#[test]
fn emails() {
    assert_eq!(
        only("mail alice@example.com now", Category::Email),
        ["alice@example.com"]
    );
    assert_eq!(
        only("<bob.smith+tag@mail.co.uk>.", Category::Email),
        ["bob.smith+tag@mail.co.uk"]
    );
    for text in [
        "a@b",
        "user@localhost",
        "@example.com",
        "x@1.2",
        "see @alice",
    ] {
        assert!(only(text, Category::Email).is_empty(), "{text}");
    }
}

#[test]
fn cards_need_a_valid_luhn_checksum() {
    assert_eq!(
        only("card 4111 1111 1111 1111 ok", Category::Card),
        ["4111 1111 1111 1111"]
    );
    assert_eq!(
        only("4111-1111-1111-1111", Category::Card),
        ["4111-1111-1111-1111"]
    );
    assert_eq!(
        only("amex 378282246310005", Category::Card),
        ["378282246310005"]
    );
    assert_eq!(
        only("mc:5500000000000004;", Category::Card),
        ["5500000000000004"]
    );
    assert!(found("card 4111 1111 1111 1112 ok").is_empty());
    assert!(
        found("id 41111111111111110000").is_empty(),
        "too many digits"
    );
    assert!(
        found("sku A4111111111111111").is_empty(),
        "glued to letters"
    );
    assert!(luhn_valid(b"79927398713"));
    assert!(!luhn_valid(b"79927398710"));
}

#[test]
fn phones() {
    for phone in [
        "+1 (555) 123-4567",
        "555-123-4567",
        "(555) 123-4567",
        "+44 20 7946 0958",
        "555.123.4567",
        "+4915112345678",
    ] {
        assert_eq!(
            only(&format!("call {phone} today"), Category::Phone),
            [phone],
            "{phone}"
        );
    }
    for text in [
        "2024-01-15",
        "192.168.100.200",
        "10.100.200.1",
        "version 1.2.3",
        "order 12345",
        "5551234567",
        "ts 1700000000000",
    ] {
        assert!(found(text).is_empty(), "{text}: {:?}", found(text));
    }
}

#[test]
fn prefixed_secrets() {
    let ghp = format!("ghp_{}", "a1B2c3D4e5".repeat(4));
    for secret in [
        "sk-proj-abcdefghijklmnopqrstuvwx1234",
        ghp.as_str(),
        "AKIAIOSFODNN7EXAMPLE",
        "xoxb-123456789012-abcdefghij",
        "AIzaSyA1234567890abcdefghijklmnopqrstuv",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ] {
        assert_eq!(
            only(&format!("key={secret}."), Category::Secret),
            [secret],
            "{secret}"
        );
    }
    assert!(found("sk-short ghp_tooshort AKIA1234").is_empty());
}

#[test]
fn generic_high_entropy_tokens() {
    assert_eq!(
        only(
            "token Zx8Kq2LmP9vR4tY7wB3nH6jD1sF5gA0c end",
            Category::Secret
        )
        .len(),
        1
    );
    for text in [
        "3f786850e387550fdab836ed7e6dc881de23001b",
        "123e4567-e89b-12d3-a456-426614174000",
        "getUserAccountInformationById2024",
        "/Users/alice/Documents/Project2024/report.txt",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA11",
    ] {
        assert!(only(text, Category::Secret).is_empty(), "{text}");
    }
}

#[test]
fn private_key_blocks() {
    let text =
        "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow==\n-----END RSA PRIVATE KEY-----\nbye";
    let spans = only(text, Category::Secret);
    assert_eq!(spans.len(), 1);
    assert!(spans[0].starts_with("-----BEGIN RSA") && spans[0].ends_with("KEY-----"));
    assert!(found("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----").is_empty());
}

#[test]
fn masking_replaces_spans() {
    let text = "Mail alice@example.com, card 4111 1111 1111 1111, phone +1 555 123 4567, key sk-abcdefghijklmnopqrstuvwxyz";
    let masked = mask(text, &find(text, &Category::ALL));
    assert_eq!(
        masked,
        "Mail [EMAIL], card ****-****-****-1111, phone [PHONE], key [SECRET]"
    );
}

#[test]
fn disabled_categories_are_skipped() {
    let text = "alice@example.com 4111111111111111";
    let spans = find(text, &[Category::Card]);
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].category, Category::Card);
}
