//! Parse errors as one readable line. The parser reports a syntax error as a drawing of the
//! offending line (`" --> 1:13\n  |\n1 | …\n  = expected name"`), which clients print as
//! is; the position already goes in the error's `locations`, so the message says what was
//! expected and what was found there.

use async_graphql::Pos;

/// The message for a parse error the parser wrote as `message`, at `at` in `query`; other
/// parse errors (one line already) stay as they are.
pub fn readable(message: &str, query: &str, at: Option<Pos>) -> String {
    if !message.contains('\n') {
        return message.to_owned();
    }
    let expected = message
        .lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix("= "))
        .unwrap_or("a valid GraphQL document");
    let found = at.map(|at| found(query, at));
    match found {
        Some(found) => format!("Syntax error: {expected}, found {found}."),
        None => format!("Syntax error: {expected}."),
    }
}

/// What stands at `at` (1-based line and column, in characters): a word, one character, or
/// the end of the document.
fn found(query: &str, at: Pos) -> String {
    let rest = query.lines().nth(at.line.saturating_sub(1)).map(|line| {
        line.chars()
            .skip(at.column.saturating_sub(1))
            .collect::<String>()
    });
    let rest = match rest {
        Some(rest) if !rest.trim().is_empty() => rest,
        // Past the last character of its line: what follows is the next line's, or nothing.
        _ => {
            let offset = query
                .lines()
                .take(at.line)
                .map(|line| line.len() + 1)
                .sum::<usize>();
            match query.get(offset.min(query.len())..).map(str::trim_start) {
                Some(next) if !next.is_empty() => next.to_owned(),
                _ => return "the end of the document".to_owned(),
            }
        }
    };
    let rest = rest.trim_start();
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if word.is_empty() {
        format!("\"{}\"", rest.chars().next().unwrap_or_default())
    } else {
        format!("\"{word}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(query: &str) -> (String, Option<Pos>) {
        let error = async_graphql::parser::parse_query(query).unwrap_err();
        let positions = error.positions().next();
        (error.to_string(), positions)
    }

    #[test]
    fn syntax_errors_read_as_one_line() {
        for (query, message) in [
            (
                "{ customers { nodes { id  } }",
                "Syntax error: expected selection, found the end of the document.",
            ),
            (
                "{ customer(idOrEmail: ) { id } }",
                "Syntax error: expected value, found \")\".",
            ),
            (
                "query {\n  customers(perPage: 5 {\n    totalCount\n  }\n}",
                "Syntax error: expected name, found \"{\".",
            ),
        ] {
            let (raw, at) = error_of(query);
            assert!(raw.contains('\n'), "{raw}");
            let readable = readable(&raw, query, at);
            assert!(!readable.contains('\n'), "{readable}");
            assert!(
                readable.starts_with(message.split(',').next().unwrap()),
                "{query:?}: {readable}"
            );
            assert_eq!(readable, message, "{query:?}");
        }
    }

    #[test]
    fn one_line_errors_stay() {
        assert_eq!(
            readable("Unknown fragment", "{ x }", None),
            "Unknown fragment"
        );
    }
}
