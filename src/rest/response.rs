//! Finishing a REST answer the way WordPress does: its headers, `_fields`, `_envelope`,
//! HEAD without a body, and CORS.

use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, Method, Response, StatusCode};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::error::AppError;
use crate::rest::customer_json::Site;
use crate::rest::params::{Raw, RawParams};

/// Which origins may read REST answers from a browser: any (WordPress's default) or a list.
#[derive(Debug, Clone, Default)]
pub enum CorsOrigins {
    #[default]
    Any,
    Only(Vec<String>),
}

impl CorsOrigins {
    /// `*` (or nothing) for any origin, else a comma-separated list.
    pub fn parse(text: &str) -> CorsOrigins {
        let origins: Vec<String> = text
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        if origins.is_empty() || origins.iter().any(|o| o == "*") {
            CorsOrigins::Any
        } else {
            CorsOrigins::Only(origins)
        }
    }

    pub fn allows(&self, origin: &str) -> bool {
        match self {
            CorsOrigins::Any => true,
            CorsOrigins::Only(list) => list.iter().any(|o| o.eq_ignore_ascii_case(origin)),
        }
    }
}

/// The body before the envelope features: kept as a `Value` only when `_fields` or
/// `_envelope` need to look inside it, else already encoded.
pub enum Payload {
    Json(Value),
    Encoded(Vec<u8>),
}

/// What a request asked of the envelope features, and who asked.
pub struct Shaping {
    pub fields: Option<Vec<String>>,
    pub envelope: bool,
    pub head: bool,
    pub origin: Option<HeaderValue>,
    pub authenticated: bool,
}

impl Shaping {
    pub fn new(
        params: &RawParams,
        method: &Method,
        origin: Option<&HeaderValue>,
        authenticated: bool,
    ) -> Shaping {
        let fields = params.get("_fields").map(|raw| {
            let items = match raw {
                Raw::Scalar(text) => text.split(',').map(str::to_owned).collect(),
                Raw::List(items) => items.clone(),
            };
            items
                .into_iter()
                .map(|f| f.trim().to_owned())
                .filter(|f| !f.is_empty())
                .collect()
        });
        Shaping {
            fields,
            envelope: params.has("_envelope"),
            head: method == Method::HEAD,
            origin: origin.cloned(),
            authenticated,
        }
    }

    /// Whether `_fields` or `_envelope` must look inside the body.
    fn looks_inside(&self) -> bool {
        self.fields.is_some() || self.envelope
    }

    /// Serializes `data`, as a `Value` only when something must look inside it.
    pub fn payload(&self, data: &impl Serialize) -> Payload {
        if self.looks_inside() {
            Payload::Json(serde_json::to_value(data).expect("serializable"))
        } else {
            Payload::Encoded(serde_json::to_vec(data).expect("serializable"))
        }
    }

    /// A body already written as JSON, read back as a `Value` only when something must look
    /// inside it.
    pub fn encoded(&self, json: Vec<u8>) -> Payload {
        if self.looks_inside() {
            Payload::Json(serde_json::from_slice(&json).expect("our own JSON"))
        } else {
            Payload::Encoded(json)
        }
    }
}

/// A REST answer before the features of every WordPress route are applied.
pub struct Answer {
    pub status: StatusCode,
    pub payload: Payload,
    /// The route's own headers (what `_envelope` lists): totals, `Link`, `Allow`.
    pub headers: Vec<(&'static str, String)>,
    pub is_error: bool,
}

impl Answer {
    pub fn ok(payload: Payload) -> Answer {
        Answer {
            status: StatusCode::OK,
            payload,
            headers: Vec::new(),
            is_error: false,
        }
    }

    pub fn error(error: &AppError) -> Answer {
        error.log();
        let mut answer = Answer {
            status: error.status(),
            payload: Payload::Json(error_body(error)),
            headers: Vec::new(),
            is_error: true,
        };
        if let Some(seconds) = error.retry_after() {
            answer.headers.push(("Retry-After", seconds.to_string()));
        }
        answer
    }

    pub fn header(mut self, name: &'static str, value: String) -> Answer {
        self.headers.push((name, value));
        self
    }

    /// Applies `_fields` and `_envelope`, drops the body of a HEAD, and adds the headers
    /// every WordPress REST answer carries.
    pub fn finish(self, shaping: &Shaping, site: &Site, cors: &CorsOrigins) -> Response<Body> {
        let Answer {
            status,
            payload,
            headers,
            is_error,
        } = self;
        let payload = match (payload, &shaping.fields) {
            (Payload::Json(value), Some(fields)) if !is_error => {
                Payload::Json(filter_fields(value, fields))
            }
            (payload, _) => payload,
        };
        let (status, text, own_headers) = if shaping.envelope {
            let body = match payload {
                Payload::Json(value) => value,
                Payload::Encoded(bytes) => serde_json::from_slice(&bytes).expect("our own JSON"),
            };
            let listed = if is_error {
                Value::Array(Vec::new())
            } else {
                Value::Object(
                    headers
                        .iter()
                        .map(|(name, value)| {
                            let value = value
                                .parse::<i64>()
                                .map(Value::from)
                                .unwrap_or_else(|_| Value::String(value.clone()));
                            ((*name).to_owned(), value)
                        })
                        .collect(),
                )
            };
            let envelope = json!({"body": body, "status": status.as_u16(), "headers": listed});
            (
                StatusCode::OK,
                envelope.to_string().into_bytes(),
                Vec::new(),
            )
        } else {
            let text = match payload {
                Payload::Json(value) => value.to_string().into_bytes(),
                Payload::Encoded(bytes) => bytes,
            };
            (status, text, headers)
        };

        let mut response = Response::new(if shaping.head {
            Body::empty()
        } else {
            Body::from(text)
        });
        *response.status_mut() = status;
        let out = response.headers_mut();
        let mut set = |name: HeaderName, value: &str| {
            if let Ok(value) = HeaderValue::from_str(value) {
                out.append(name, value);
            }
        };
        set(header::CONTENT_TYPE, "application/json; charset=UTF-8");
        set(
            header::LINK,
            &format!("<{}/>; rel=\"https://api.w.org/\"", site.rest_url("")),
        );
        set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
        set(HeaderName::from_static("x-robots-tag"), "noindex");
        set(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            "X-WP-Total, X-WP-TotalPages, Link",
        );
        set(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type",
        );
        for (name, value) in &own_headers {
            // `from_bytes` lowercases, as header names are case-insensitive.
            if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
                set(name, value);
            }
        }
        if shaping.authenticated {
            set(header::EXPIRES, "Wed, 11 Jan 1984 05:00:00 GMT");
            set(
                header::CACHE_CONTROL,
                "no-cache, must-revalidate, max-age=0, no-store, private",
            );
        }
        if let Some(origin) = shaping.origin.as_ref().and_then(|o| o.to_str().ok()) {
            if cors.allows(origin) {
                set(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                set(
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    "OPTIONS, GET, POST, PUT, PATCH, DELETE",
                );
                set(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
            }
        }
        set(header::VARY, "Origin");
        response
    }
}

/// An error's body in WordPress's shape: `code`, `message`, and `data` with the status (and a
/// parameter error's details).
pub fn error_body(error: &AppError) -> Value {
    let status = error.status();
    let mut data = json!({"status": status.as_u16()});
    if let AppError::InvalidParams(invalid) = error {
        let params: Map<String, Value> = invalid
            .iter()
            .map(|p| (p.name.clone(), Value::String(p.message.clone())))
            .collect();
        let details: Map<String, Value> = invalid
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    json!({"code": p.code, "message": p.message, "data": p.data}),
                )
            })
            .collect();
        data["params"] = Value::Object(params);
        data["details"] = Value::Object(details);
    }
    json!({"code": error.wordpress_code(), "message": error.wordpress_message(), "data": data})
}

/// WordPress's `rest_filter_response_fields`: keep the listed keys (dots reach into nested
/// objects), in the body's own order; on a list, in each item.
pub fn filter_fields(value: Value, fields: &[String]) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| filter_fields(item, fields))
                .collect(),
        ),
        Value::Object(object) => {
            let paths: Vec<Vec<&str>> = fields.iter().map(|f| f.split('.').collect()).collect();
            Value::Object(keep_paths(object, &paths))
        }
        other => other,
    }
}

fn keep_paths(object: Map<String, Value>, paths: &[Vec<&str>]) -> Map<String, Value> {
    let mut kept = Map::new();
    for (key, value) in object {
        let matching: Vec<&Vec<&str>> = paths.iter().filter(|p| p[0] == key).collect();
        if matching.is_empty() {
            continue;
        }
        if matching.iter().any(|p| p.len() == 1) {
            kept.insert(key, value);
            continue;
        }
        if let Value::Object(inner) = value {
            let rest: Vec<Vec<&str>> = matching.iter().map(|p| p[1..].to_vec()).collect();
            kept.insert(key, Value::Object(keep_paths(inner, &rest)));
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_listed_keys_in_order_and_reach_into_objects() {
        let value = json!({"id": 1, "name": "A", "phone": {"primary": "1", "additional": "2"},
            "address": {"city": "X", "zip": "Y"}, "_links": {}});
        let fields = ["phone.primary", "id", "address.city"].map(str::to_owned);
        assert_eq!(
            filter_fields(value, &fields).to_string(),
            r#"{"id":1,"phone":{"primary":"1"},"address":{"city":"X"}}"#
        );
    }

    #[test]
    fn cors_origins_parse() {
        assert!(CorsOrigins::parse("*").allows("https://any.example"));
        let only = CorsOrigins::parse("https://a.example, https://b.example/");
        assert!(only.allows("https://b.example"));
        assert!(!only.allows("https://c.example"));
    }
}
