//! Reading YAML or JSON documents with source locations.
//!
//! Every document guardhouse reads (gateway configs, test cases) goes through
//! [`Document::parse`]: the text becomes a `serde_json::Value` plus a table from each
//! node's path to its line and column, so both syntax errors and later semantic errors
//! ("duplicate guard id", "module not found") can point at `file:line:column`.

use std::collections::HashMap;
use std::fmt;

use marked_yaml::types::{MarkedScalarNode, Node};
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};
use yaml_rust2::Event;

/// The deepest nesting of lists and mappings a document may have (serde_json's limit for
/// JSON): deeper input is refused before any tree is built, so no recursive step over it
/// (conversion, validation, drop) can exhaust a thread's stack.
pub const MAX_NESTING: usize = 128;

/// A 1-based line and column in a source document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// An error in a source document, with where it is and, when we can guess, a fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    /// The file name (or another label, e.g. `<request>`).
    pub origin: String,
    pub location: Option<Location>,
    /// The path of the offending node, e.g. `security_guards[1].priority`.
    pub path: String,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(loc) = self.location {
            write!(f, ":{}:{}", loc.line, loc.column)?;
        }
        write!(f, ": ")?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for SourceError {}

/// A parsed document: its value and where each node came from.
#[derive(Debug, Clone)]
pub struct Document {
    pub origin: String,
    pub value: Value,
    spans: HashMap<String, Location>,
}

impl Document {
    /// Parses YAML (of which JSON is a subset) into a value with locations.
    ///
    /// Plain scalars are resolved as YAML 1.2 core schema (`null`, `true`, `42`, `1.5`);
    /// quoted scalars stay strings.
    pub fn parse(origin: &str, text: &str) -> Result<Self, SourceError> {
        check_nesting(origin, text)?;
        let options = marked_yaml::LoaderOptions::default()
            .error_on_duplicate_keys(true)
            .prevent_coercion(true);
        let node = marked_yaml::parse_yaml_with_options(0, text, options)
            .map_err(|e| load_error(origin, e))?;
        let mut spans = HashMap::new();
        let value = to_json(&node, String::new(), &mut spans);
        Ok(Self {
            origin: origin.to_string(),
            value,
            spans,
        })
    }

    /// Wraps a value that did not come from text (e.g. built in code or sent as JSON).
    pub fn from_value(origin: &str, value: Value) -> Self {
        Self {
            origin: origin.to_string(),
            value,
            spans: HashMap::new(),
        }
    }

    /// The location of the node at `path` (`a.b[2].c`), or of its nearest ancestor.
    pub fn location(&self, path: &str) -> Option<Location> {
        let mut p = path;
        loop {
            if let Some(loc) = self.spans.get(p) {
                return Some(*loc);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }

    /// An error about the node at `path`.
    pub fn error(&self, path: &str, message: impl Into<String>) -> SourceError {
        SourceError {
            origin: self.origin.clone(),
            location: self.location(path),
            path: path.to_string(),
            message: message.into(),
            hint: None,
        }
    }

    /// Deserializes the whole document, turning serde errors into located errors with a
    /// suggestion for misspelled keys.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, SourceError> {
        self.deserialize_at("", &self.value)
    }

    /// Deserializes `value`, found at `base` in this document.
    pub fn deserialize_at<T: DeserializeOwned>(
        &self,
        base: &str,
        value: &Value,
    ) -> Result<T, SourceError> {
        self.deserialize_from(base, value)
    }

    /// [`Document::deserialize_at`] of an owned value: its strings, lists and maps move
    /// into `T` instead of being copied.
    pub fn deserialize_value_at<T: DeserializeOwned>(
        &self,
        base: &str,
        value: Value,
    ) -> Result<T, SourceError> {
        self.deserialize_from(base, value)
    }

    fn deserialize_from<'de, T, D>(&self, base: &str, value: D) -> Result<T, SourceError>
    where
        T: serde::Deserialize<'de>,
        D: serde::Deserializer<'de, Error = serde_json::Error>,
    {
        serde_path_to_error::deserialize(value).map_err(|err| {
            let inner = err.path().to_string();
            let path = join_path(base, if inner == "." { "" } else { &inner });
            let message = err.inner().to_string();
            let hint = suggest_field(&message);
            SourceError {
                hint,
                ..self.error(&path, message)
            }
        })
    }
}

/// Joins a base path and a relative one (`security_guards[0]` + `limits` → `…[0].limits`).
pub fn join_path(base: &str, rest: &str) -> String {
    match (base.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (_, true) => base.to_string(),
        _ if rest.starts_with('[') => format!("{base}{rest}"),
        _ => format!("{base}.{rest}"),
    }
}

/// For serde's "unknown field `x`, expected one of `a`, `b`", the closest expected name.
fn suggest_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, expected) = rest.split_once('`')?;
    let best = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|cand| (strsim::damerau_levenshtein(field, cand), cand))
        .min()?;
    (best.0 <= 3.max(field.len() / 3)).then(|| format!("did you mean `{}`?", best.1))
}

fn load_error(origin: &str, err: marked_yaml::LoadError) -> SourceError {
    use marked_yaml::LoadError as E;
    let (marker, message) = match &err {
        E::TopLevelMustBeMapping(m) => (Some(*m), "the document must be a mapping".to_string()),
        E::TopLevelMustBeSequence(m) => (Some(*m), "the document must be a list".to_string()),
        E::UnexpectedAnchor(m) => (Some(*m), "YAML anchors are not supported".to_string()),
        E::MappingKeyMustBeScalar(m) => (Some(*m), "mapping keys must be scalars".to_string()),
        E::UnexpectedTag(m) => (Some(*m), "YAML tags are not supported".to_string()),
        E::ScanError(m, e) => (Some(*m), format!("malformed YAML/JSON: {}", e.info())),
        E::DuplicateKey(inner) => (
            inner.key.span().start().copied(),
            format!("duplicate key `{}`", inner.key.as_str()),
        ),
    };
    SourceError {
        origin: origin.to_string(),
        location: marker.map(|m| Location {
            line: m.line(),
            column: m.column(),
        }),
        path: String::new(),
        message,
        hint: None,
    }
}

/// The error message for input nested deeper than [`MAX_NESTING`] (YAML or JSON).
pub fn too_deep() -> String {
    format!("lists and mappings are nested deeper than {MAX_NESTING} levels")
}

/// Refuses a document nested deeper than [`MAX_NESTING`], naming where the limit is
/// crossed. Streams the parser's events (no tree, no recursion); syntax errors are left
/// to the loader, which reports them with its own wording.
fn check_nesting(origin: &str, text: &str) -> Result<(), SourceError> {
    let too_deep = |mark: yaml_rust2::scanner::Marker| SourceError {
        origin: origin.to_string(),
        location: Some(Location {
            line: mark.line(),
            column: mark.col() + 1,
        }),
        path: String::new(),
        message: too_deep(),
        hint: None,
    };
    let mut parser = yaml_rust2::parser::Parser::new_from_str(text);
    let mut depth = 0usize;
    loop {
        match parser.next_token() {
            Ok((Event::SequenceStart(..) | Event::MappingStart(..), mark)) => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(too_deep(mark));
                }
            }
            Ok((Event::SequenceEnd | Event::MappingEnd, _)) => depth = depth.saturating_sub(1),
            // The scanner looks ahead and has its own bound on flow (`[`/`{`) nesting.
            Err(e) if e.info() == "recursion limit exceeded" => return Err(too_deep(*e.marker())),
            Ok((Event::StreamEnd, _)) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

fn mark(spans: &mut HashMap<String, Location>, path: &str, span: &marked_yaml::Span) {
    if let Some(start) = span.start() {
        spans.entry(path.to_string()).or_insert(Location {
            line: start.line(),
            column: start.column(),
        });
    }
}

/// Converts a node to JSON, recording where each path starts: a mapping entry is located
/// at its key (what an error's path names), a list item at the item.
fn to_json(node: &Node, path: String, spans: &mut HashMap<String, Location>) -> Value {
    mark(spans, &path, node.span());
    match node {
        Node::Scalar(s) => scalar(s),
        Node::Sequence(seq) => Value::Array(
            seq.iter()
                .enumerate()
                .map(|(i, n)| to_json(n, format!("{path}[{i}]"), spans))
                .collect(),
        ),
        Node::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map.iter() {
                let key = k.as_str().to_string();
                let child = join_path(&path, &key);
                mark(spans, &child, k.span());
                out.insert(key, to_json(v, child, spans));
            }
            Value::Object(out)
        }
    }
}

fn scalar(s: &MarkedScalarNode) -> Value {
    let text = s.as_str();
    if !s.may_coerce() {
        return Value::String(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(i) = text.parse::<i64>() {
        return Value::Number(i.into());
    }
    if let Ok(u) = text.parse::<u64>() {
        return Value::Number(u.into());
    }
    let looks_numeric = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    if looks_numeric && let Some(n) = text.parse::<f64>().ok().and_then(Number::from_f64) {
        return Value::Number(n);
    }
    Value::String(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn resolves_plain_scalars_and_keeps_quoted_strings() {
        let doc = Document::parse(
            "t.yaml",
            "a: 50\nb: \"50\"\nc: true\nd: 1.5\ne: ~\nf: [x, 'y']\n",
        )
        .unwrap();
        assert_eq!(
            doc.value,
            serde_json::json!({"a": 50, "b": "50", "c": true, "d": 1.5, "e": null, "f": ["x", "y"]})
        );
    }

    #[test]
    fn json_is_accepted() {
        let doc = Document::parse("t.json", r#"{"a": {"b": [1, 2, "3"]}}"#).unwrap();
        assert_eq!(doc.value, serde_json::json!({"a": {"b": [1, 2, "3"]}}));
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let err = Document::parse("bad.yaml", "a: 1\nb: [1, 2\n").unwrap_err();
        assert_eq!(err.origin, "bad.yaml");
        assert!(err.location.is_some(), "{err}");
        assert!(err.to_string().starts_with("bad.yaml:"), "{err}");
        assert!(err.message.contains("malformed YAML/JSON"), "{err}");
    }

    #[test]
    fn locations_of_nested_nodes() {
        let doc = Document::parse("t.yaml", "top:\n  - id: a\n  - id: b\n    x: 1\n").unwrap();
        assert_eq!(
            doc.location("top[1].x"),
            Some(Location { line: 4, column: 5 })
        );
        assert_eq!(doc.location("top[1].missing"), doc.location("top[1]"));
    }

    /// A hostile document 10^5 levels deep (block and flow style, YAML and JSON) is
    /// refused with the limit named; at the limit it still loads.
    #[test]
    fn nesting_is_bounded() {
        let deep = 100_000;
        let docs = [
            format!("a:\n  {}x", "- ".repeat(deep)),
            format!("a: {}{}", "[".repeat(deep), "]".repeat(deep)),
            format!(
                "{}{}",
                "{\"a\":".repeat(deep),
                "1".to_string() + &"}".repeat(deep)
            ),
        ];
        for doc in &docs {
            let err = Document::parse("deep.yaml", doc).unwrap_err();
            assert!(err.message.contains("deeper than 128 levels"), "{err}");
            assert!(err.location.is_some(), "{err}");
        }
        let at_limit = format!("a: {}1{}", "[".repeat(127), "]".repeat(127));
        assert!(Document::parse("ok.yaml", &at_limit).is_ok());
        let over = format!("a: {}1{}", "[".repeat(128), "]".repeat(128));
        assert!(Document::parse("over.yaml", &over).is_err());
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        id: String,
        priority: i64,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Top {
        items: Vec<Item>,
    }

    #[test]
    fn unknown_fields_are_located_and_get_a_suggestion() {
        let doc = Document::parse("t.yaml", "items:\n  - id: a\n    priorty: 3\n").unwrap();
        let err = doc.deserialize::<Top>().unwrap_err();
        assert_eq!(err.path, "items[0].priorty");
        assert_eq!(err.location, Some(Location { line: 3, column: 5 }));
        assert_eq!(err.hint.as_deref(), Some("did you mean `priority`?"));
    }

    #[test]
    fn type_errors_are_located() {
        let doc = Document::parse("t.yaml", "items:\n  - id: a\n    priority: high\n").unwrap();
        let err = doc.deserialize::<Top>().unwrap_err();
        assert_eq!(err.path, "items[0].priority");
        assert_eq!(err.location.map(|l| l.line), Some(3));
    }
}
