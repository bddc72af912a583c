//! Talking to a KB Support site's REST API: Basic authentication, timeouts, and retries with
//! backoff on the failures that retrying can cure.

use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::sync::SyncError;

/// Attempts per request: the first and three retries.
const ATTEMPTS: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// What a GET answered, once it answered for good.
pub struct Answer {
    pub status: StatusCode,
    pub total_pages: Option<u64>,
    /// `X-WP-Total`: how many records the whole list holds.
    pub total: Option<u64>,
    pub body: Value,
}

pub struct Site {
    client: Client,
    /// `https://site.example/wp-json`, without a trailing slash.
    api: String,
    user: String,
    password: String,
}

impl Site {
    pub fn new(
        from: &str,
        user: &str,
        password: &str,
        timeout: Duration,
    ) -> Result<Site, SyncError> {
        let from = from.trim_end_matches('/');
        let parsed = reqwest::Url::parse(from).ok();
        if !parsed.is_some_and(|url| matches!(url.scheme(), "http" | "https") && url.has_host()) {
            return Err(SyncError::BadAddress(from.to_owned()));
        }
        let api = if from.ends_with("/wp-json") {
            from.to_owned()
        } else {
            format!("{from}/wp-json")
        };
        let client = Client::builder()
            .timeout(timeout)
            .user_agent(concat!("kbs-graphql/", env!("CARGO_PKG_VERSION"), " sync"))
            .build()
            .map_err(|e| SyncError::Unreachable(e.to_string()))?;
        Ok(Site {
            client,
            api,
            user: user.to_owned(),
            password: password.to_owned(),
        })
    }

    pub fn url(&self, route: &str) -> String {
        format!("{}{route}", self.api)
    }

    /// GETs `route` (under `/wp-json`), retrying timeouts, connection failures, 429 and 5xx.
    /// 401 and 403 end the sync at once: nothing will get better by asking again.
    pub async fn get(&self, route: &str) -> Result<Answer, SyncError> {
        let url = self.url(route);
        let mut backoff = FIRST_BACKOFF;
        let mut last_failure = String::new();
        for attempt in 1..=ATTEMPTS {
            if attempt > 1 {
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
            let sent = self
                .client
                .get(&url)
                .basic_auth(&self.user, Some(&self.password))
                .send()
                .await;
            let response = match sent {
                Ok(response) => response,
                Err(error) => {
                    last_failure = describe(&error);
                    continue;
                }
            };
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                last_failure = format!("HTTP {status}");
                continue;
            }
            let header = |name: &str| {
                let value = response.headers().get(name)?.to_str().ok()?;
                Some(value.trim().to_owned())
            };
            let total_pages = header("x-wp-totalpages").and_then(|v| v.parse().ok());
            let total = header("x-wp-total").and_then(|v| v.parse().ok());
            let content_type = header("content-type").unwrap_or_default();
            if status.is_success() && !content_type.contains("json") {
                // A page of HTML (a login form, a redirect to the home page): no API here.
                return Err(SyncError::NotWordPress {
                    url: response.url().to_string(),
                    content_type,
                });
            }
            let body: Value = match response.json().await {
                Ok(body) => body,
                Err(error) if status.is_success() => {
                    last_failure = format!("unreadable answer: {}", describe(&error));
                    continue;
                }
                Err(_) => Value::Null,
            };
            let message = || body["message"].as_str().unwrap_or("").to_owned();
            if status == StatusCode::UNAUTHORIZED {
                return Err(SyncError::Unauthenticated {
                    url,
                    message: message(),
                });
            }
            if status == StatusCode::FORBIDDEN {
                return Err(SyncError::Forbidden {
                    url,
                    user: self.user.clone(),
                    message: message(),
                });
            }
            return Ok(Answer {
                status,
                total_pages,
                total,
                body,
            });
        }
        Err(SyncError::Failed {
            url,
            reason: last_failure,
        })
    }
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        error.to_string()
    }
}
