//! A TOML error as a user reads it: one line, `origin:line:column: message`, in dnsim's
//! words rather than serde's.
//!
//! toml renders an error over several lines with a caret under the column; a command's bad
//! input is one line. serde names things by their Rust types: an enum's values are
//! "variants" (in dnsim a variant is a design), and a number is "u8" or "u64". Here a value
//! is a "value", and a number names the values its field takes: the knob's range when the
//! error sits on a knob (the caller says which keys are knobs), else "a whole number".

/// `error` in `text` (whose origin, a file's path or a built-in's name, leads the line), as
/// one line. `range_of` gives a knob's allowed values by its key (`system.enactors`,
/// `faults.stall.ms`), `None` for any other key.
pub fn toml_error_line(
    origin: &str,
    text: &str,
    error: &toml::de::Error,
    range_of: &dyn Fn(&str) -> Option<(u64, u64)>,
) -> String {
    let span = error.span();
    let position = span
        .as_ref()
        .map(|span| {
            let before = &text[..span.start];
            let line = before.matches('\n').count() + 1;
            let column = span.start - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!(":{line}:{column}")
        })
        .unwrap_or_default();
    let number = match span
        .and_then(|span| key_at(text, span.start))
        .and_then(|key| range_of(&key))
    {
        Some((low, high)) => format!("a whole number from {low} to {high}"),
        None => "a whole number".to_string(),
    };
    let message: Vec<String> = error
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| in_plain_words(l, &number))
        .collect();
    format!("{origin}{position}: {}", message.join("; "))
}

/// One line of serde's message in dnsim's words (`number`: what a number field takes).
fn in_plain_words(line: &str, number: &str) -> String {
    let line = line.replace("unknown variant", "unknown value");
    for rust in ["u8", "u16", "u32", "u64"] {
        let expected = format!("expected {rust}");
        if let Some(at) = line.find(&expected) {
            let rest = &line[at + expected.len()..];
            // Whole words only: `expected u8` must not rewrite the start of `expected u80`.
            if !rest.starts_with(|c: char| c.is_ascii_alphanumeric()) {
                return format!("{}expected {number}{rest}", &line[..at]);
            }
        }
    }
    line.replace("expected f64", "expected a number")
}

/// The dotted key (`section.name`, or `section.name.field` inside an inline table) whose
/// value holds byte `at` of `text`, if it can be read off the line.
fn key_at(text: &str, at: usize) -> Option<String> {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let section = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find_map(|l| l.strip_prefix('[').and_then(|l| l.strip_suffix(']')))?;
    let before = &text[line_start..at];
    let (name, inline) = before.split_once('=')?;
    let mut key = format!("{}.{}", section.trim(), name.trim());
    // Inside `{ a = 1, b = [2, 3] }`: the field whose `=` comes last before the value.
    if let Some(fields) = inline.split_once('{').map(|(_, fields)| fields) {
        let field = fields.rsplit(',').find(|part| part.contains('='))?;
        key = format!("{key}.{}", field.split('=').next()?.trim());
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_of_a_value_is_read_off_its_line() {
        let text = "[system]\nenactors = 3\n[faults]\nstall = { probability = 0.1, ms = [5, 9] }\n";
        let at = |needle: &str| text.find(needle).unwrap();
        assert_eq!(key_at(text, at("3\n")).as_deref(), Some("system.enactors"));
        assert_eq!(key_at(text, at("[5")).as_deref(), Some("faults.stall.ms"));
        assert_eq!(
            key_at(text, at("0.1")).as_deref(),
            Some("faults.stall.probability")
        );
        assert_eq!(key_at(text, at("[system]")), None);
    }

    #[test]
    fn rust_type_names_become_the_values_allowed() {
        let number = "a whole number from 1 to 64";
        assert_eq!(
            in_plain_words("invalid value: integer `300`, expected u8", number),
            "invalid value: integer `300`, expected a whole number from 1 to 64"
        );
        assert_eq!(in_plain_words("expected u80", number), "expected u80");
        assert_eq!(
            in_plain_words("unknown variant `x`, expected one of `a`", number),
            "unknown value `x`, expected one of `a`"
        );
    }
}
