//! WordPress-style query parameters: PHP's array syntax, comma lists, and the REST API's
//! two-phase validation with its exact error messages.

use crate::customers::{CustomerQuery, OrderBy, SortOrder, Window, DEFAULT_PER_PAGE, MAX_PER_PAGE};
use crate::error::InvalidParam;

/// A parameter as PHP's `parse_str` leaves it: a string, or an array from `name[]=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Raw {
    Scalar(String),
    List(Vec<String>),
}

/// The query string's parameters in order of first appearance; a repeated scalar keeps its
/// last value and `name[]` / `name[key]` collect into a list, as in PHP.
#[derive(Debug, Clone, Default)]
pub struct RawParams(Vec<(String, Raw)>);

impl RawParams {
    pub fn parse(query: &str) -> RawParams {
        let mut params: Vec<(String, Raw)> = Vec::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let (name, is_list) = match key.find('[') {
                Some(open) if key.ends_with(']') && open > 0 => (&key[..open], true),
                _ => (&key[..], false),
            };
            let slot = params.iter_mut().find(|(n, _)| n == name);
            match (slot, is_list) {
                (Some((_, Raw::List(items))), true) => items.push(value.into_owned()),
                (Some((_, raw)), true) => *raw = Raw::List(vec![value.into_owned()]),
                (Some((_, raw)), false) => *raw = Raw::Scalar(value.into_owned()),
                (None, true) => params.push((name.to_owned(), Raw::List(vec![value.into_owned()]))),
                (None, false) => params.push((name.to_owned(), Raw::Scalar(value.into_owned()))),
            }
        }
        RawParams(params)
    }

    pub fn get(&self, name: &str) -> Option<&Raw> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, raw)| raw)
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The parameters in query-string order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(n, _)| n.as_str())
    }

    /// The query string again with only the named parameters (for pagination links).
    pub fn to_query_only(&self, keep: &[&str]) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (name, raw) in &self.0 {
            if !keep.contains(&name.as_str()) {
                continue;
            }
            match raw {
                Raw::Scalar(value) => {
                    out.append_pair(name, value);
                }
                Raw::List(items) => {
                    for item in items {
                        out.append_pair(&format!("{name}[]"), item);
                    }
                }
            }
        }
        out.finish()
    }
}

/// PHP's `is_numeric` followed by WordPress's `rest_is_integer`: optional white space and
/// sign, digits with an optional fraction and exponent, and an integral value ("5", "5.0",
/// "1e2"). Returns the value, saturated to `i64`.
pub fn rest_integer(text: &str) -> Option<i64> {
    let trimmed =
        text.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c'));
    let body = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let numeric = (!whole.is_empty() || !fraction.is_empty())
        && digits(whole)
        && digits(fraction)
        && exponent.is_none_or(|e| {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && digits(e)
        });
    if !numeric {
        return None;
    }
    let value: f64 = trimmed.parse().ok()?;
    (value.is_finite() && value.fract() == 0.0).then_some(value as i64)
}

/// WordPress's `wp_parse_list`: a list param given as one string splits on commas and spaces.
fn list_items(raw: &Raw) -> Vec<String> {
    match raw {
        Raw::List(items) => items.clone(),
        Raw::Scalar(text) => text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect(),
    }
}

/// The list route's arguments, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParams {
    pub query: CustomerQuery,
}

#[derive(Default)]
struct Checks {
    errors: Vec<InvalidParam>,
}

impl Checks {
    fn fail(&mut self, name: &str, message: String, code: &str, data: serde_json::Value) {
        self.errors.push(InvalidParam {
            name: name.to_owned(),
            message,
            code: code.to_owned(),
            data,
        });
    }

    fn not_of_type(&mut self, name: &str, shown: &str, kind: &str) {
        self.fail(
            name,
            format!("{shown} is not of type {kind}."),
            "rest_invalid_type",
            serde_json::json!({ "param": shown }),
        );
    }

    fn string(&mut self, params: &RawParams, name: &str) -> Option<String> {
        match params.get(name)? {
            Raw::Scalar(value) => Some(value.clone()),
            Raw::List(_) => {
                self.not_of_type(name, name, "string");
                None
            }
        }
    }

    fn integer(&mut self, params: &RawParams, name: &str) -> Option<i64> {
        let value = match params.get(name)? {
            Raw::Scalar(value) => rest_integer(value),
            Raw::List(_) => None,
        };
        if value.is_none() {
            self.not_of_type(name, name, "integer");
        }
        value
    }

    /// `page` (from 1) and `per_page` (1 to 100), in WordPress's order.
    fn paging(&mut self, params: &RawParams) -> (Option<i64>, Option<i64>) {
        let page = self.integer(params, "page");
        let page = self.at_least("page", page, 1);
        let per_page = self.integer(params, "per_page").filter(|n| {
            let within = (1..=MAX_PER_PAGE).contains(n);
            if !within {
                let message = format!(
                    "per_page must be between 1 (inclusive) and {MAX_PER_PAGE} (inclusive)"
                );
                self.fail(
                    "per_page",
                    message,
                    "rest_out_of_bounds",
                    serde_json::Value::Null,
                );
            }
            within
        });
        (page, per_page)
    }

    fn at_least(&mut self, name: &str, value: Option<i64>, min: i64) -> Option<i64> {
        let value = value?;
        if value < min {
            self.fail(
                name,
                format!("{name} must be greater than or equal to {min}"),
                "rest_out_of_bounds",
                serde_json::Value::Null,
            );
            return None;
        }
        Some(value)
    }

    fn one_of<T: Copy>(
        &mut self,
        params: &RawParams,
        name: &str,
        choices: &[(&str, T)],
        listed: &str,
    ) -> Option<T> {
        let value = self.string(params, name)?;
        let found = choices
            .iter()
            .find(|(text, _)| *text == value)
            .map(|(_, v)| *v);
        if found.is_none() {
            self.fail(
                name,
                format!("{name} is not one of {listed}."),
                "rest_not_in_enum",
                serde_json::Value::Null,
            );
        }
        found
    }

    fn integers(&mut self, params: &RawParams, name: &str) -> Vec<i32> {
        let Some(raw) = params.get(name) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in list_items(raw).iter().enumerate() {
            match rest_integer(item) {
                Some(value) => {
                    out.push(value.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
                }
                None => {
                    // WordPress reports the first bad item of an array and stops there.
                    self.not_of_type(name, &format!("{name}[{i}]"), "integer");
                    return Vec::new();
                }
            }
        }
        out
    }

    fn strings(&mut self, params: &RawParams, name: &str) -> Vec<String> {
        params.get(name).map(list_items).unwrap_or_default()
    }
}

/// The parameters the list route reads (and the answer's shaping), but `page`: what its
/// pagination links carry to the next page. Anything else a client sent stays out of them.
pub const LIST_PARAMS_BUT_PAGE: &[&str] = &[
    "context",
    "per_page",
    "search",
    "offset",
    "order",
    "orderby",
    "include",
    "id",
    "exclude",
    "exclude_id",
    "user_id",
    "company",
    "email",
    "name",
    "number",
    "_fields",
    "_envelope",
];

const ORDERS: [(&str, SortOrder); 2] = [("asc", SortOrder::Asc), ("desc", SortOrder::Desc)];
const ORDER_BYS: [(&str, OrderBy); 6] = [
    ("id", OrderBy::Id),
    ("user_id", OrderBy::UserId),
    ("name", OrderBy::Name),
    ("email", OrderBy::Email),
    ("company_id", OrderBy::CompanyId),
    ("date", OrderBy::Date),
];

/// The companies list's page and page size (WordPress's posts controller checks them alike).
pub fn company_page(params: &RawParams) -> Result<(i64, i64), Vec<InvalidParam>> {
    let mut checks = Checks::default();
    let (page, per_page) = checks.paging(params);
    match checks.errors.is_empty() {
        true => Ok((page.unwrap_or(1), per_page.unwrap_or(DEFAULT_PER_PAGE))),
        false => Err(checks.errors),
    }
}

/// Validates the list route's parameters as WordPress does: phase one (`context`, `page`,
/// `per_page`, `search`, in that order) and, only if it passed, phase two (every other typed
/// parameter, in query-string order). Unknown parameters are ignored.
pub fn list(params: &RawParams) -> Result<ListParams, Vec<InvalidParam>> {
    let mut checks = Checks::default();
    checks.string(params, "context");
    let (page, per_page) = checks.paging(params);
    let search = checks.string(params, "search");
    if !checks.errors.is_empty() {
        return Err(checks.errors);
    }

    let mut query = CustomerQuery {
        search: search.filter(|s| !s.is_empty()),
        ..CustomerQuery::default()
    };
    let mut offset = None;
    for name in params.names() {
        match name {
            "offset" => {
                let value = checks.integer(params, name);
                offset = checks.at_least(name, value, 0);
            }
            "order" => {
                let listed = "asc and desc";
                if let Some(order) = checks.one_of(params, name, &ORDERS, listed) {
                    query.order = order;
                }
            }
            "orderby" => {
                let listed = "id, user_id, name, email, company_id, and date";
                if let Some(order_by) = checks.one_of(params, name, &ORDER_BYS, listed) {
                    query.order_by = order_by;
                }
            }
            "include" | "id" => query.include.extend(checks.integers(params, name)),
            "exclude" | "exclude_id" => query.exclude.extend(checks.integers(params, name)),
            "user_id" => query.user_ids = checks.integers(params, name),
            "company" => query.companies = checks.integers(params, name),
            "email" => query.emails = checks.strings(params, name),
            "name" => query.name = checks.string(params, name).filter(|n| !n.is_empty()),
            // Accepted and validated for the plugin's clients; it has no effect.
            "number" => {
                checks.integer(params, name);
            }
            _ => {}
        }
    }
    if !checks.errors.is_empty() {
        return Err(checks.errors);
    }
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
    query.window = Window::new(page, per_page, offset).map_err(|e| {
        vec![InvalidParam {
            name: "page".into(),
            message: e.to_string(),
            code: "rest_out_of_bounds".into(),
            data: serde_json::Value::Null,
        }]
    })?;
    Ok(ListParams { query })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_array_syntax_and_repeats() {
        let params = RawParams::parse("a=1&a=2&b[]=x&b[]=y&c[0]=z&d=1&d[]=2");
        assert_eq!(params.get("a"), Some(&Raw::Scalar("2".into())));
        assert_eq!(
            params.get("b"),
            Some(&Raw::List(vec!["x".into(), "y".into()]))
        );
        assert_eq!(params.get("c"), Some(&Raw::List(vec!["z".into()])));
        assert_eq!(params.get("d"), Some(&Raw::List(vec!["2".into()])));
        assert_eq!(params.names().collect::<Vec<_>>(), ["a", "b", "c", "d"]);
    }

    #[test]
    fn integers_follow_php_and_wordpress() {
        for (text, value) in [
            ("5", Some(5)),
            ("05", Some(5)),
            ("5.0", Some(5)),
            ("1e2", Some(100)),
            (" 7", Some(7)),
            ("-3", Some(-3)),
            ("+4", Some(4)),
            ("1.5", None),
            ("abc", None),
            ("", None),
            ("0x1A", None),
            ("1e", None),
            (".", None),
            ("5 5", None),
        ] {
            assert_eq!(rest_integer(text), value, "{text:?}");
        }
    }

    #[test]
    fn comma_lists_and_brackets_give_the_same_filter() {
        let commas = list(&RawParams::parse("include=1,2, 3")).unwrap();
        let brackets = list(&RawParams::parse("include[]=1&include[]=2&include[]=3")).unwrap();
        assert_eq!(commas.query.include, [1, 2, 3]);
        assert_eq!(commas, brackets);
    }
}
