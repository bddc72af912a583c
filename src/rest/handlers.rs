//! The REST adapter's one entry point: route, then validation, then authentication and
//! permission, then the query core, as WordPress orders its checks.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, Response};
use axum::response::IntoResponse;

use crate::auth::Identity;
use crate::customers::{Companies, IdOrEmail, Want};
use crate::error::AppError;
use crate::playground;
use crate::rest::customer_json::{own_parts, CustomerWriter, Site};
use crate::rest::describe::{self, LIST_ROUTE};
use crate::rest::params::{self, RawParams};
use crate::rest::response::{Answer, Shaping};
use crate::rest::routes::{self, Route};
use crate::rest::{companies, embed};
use crate::state::AppState;

/// `/wp-json/…`, any method.
pub async fn wp_json(State(state): State<AppState>, request: Request) -> Response<Body> {
    let path = request.uri().path();
    let route_path = path.strip_prefix("/wp-json").unwrap_or(path).to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    serve(&state, request, &route_path, &query).await
}

/// `/`: WordPress's `?rest_route=` fallback, else the playground.
pub async fn root(State(state): State<AppState>, request: Request) -> Response<Body> {
    let query = request.uri().query().unwrap_or_default().to_owned();
    let params = RawParams::parse(&query);
    match params.get("rest_route") {
        Some(params::Raw::Scalar(route)) => {
            let route = route.clone();
            serve(&state, request, &route, &query).await
        }
        // The site's home page, as a WordPress site's is: the playground (its links are
        // relative, so it works here too), with the header that leads clients to the API.
        // `WPAPI.discover` reads it with a HEAD, which its HTTP client does not redirect.
        _ if request.method() == Method::GET || request.method() == Method::HEAD => {
            let mut response = playground::page().await.into_response();
            response
                .headers_mut()
                .insert(header::LINK, api_link(&state.site));
            response
        }
        _ => Answer::error(&AppError::NoRoute).finish(
            &Shaping::new(&params, request.method(), None, false),
            &state.site,
            &state.cors,
        ),
    }
}

/// `Link: <…/wp-json/>; rel="https://api.w.org/"`, which WordPress sends with its pages and
/// REST answers so that clients discover the API from the site's address.
pub fn api_link(site: &Site) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "<{}/>; rel=\"https://api.w.org/\"",
        site.rest_url("")
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("</wp-json/>; rel=\"https://api.w.org/\""))
}

async fn serve(
    state: &AppState,
    request: Request,
    route_path: &str,
    query: &str,
) -> Response<Body> {
    let params = RawParams::parse(query);
    let method = routes::effective_method(request.method(), request.headers(), &params);
    let identity = request
        .extensions()
        .get::<Identity>()
        .cloned()
        .unwrap_or(Identity::Anonymous);
    let shaping = Shaping::new(
        &params,
        &method,
        request.headers().get(header::ORIGIN),
        identity.is_authenticated(),
    );
    let route = routes::resolve(route_path);
    let answer = answer(state, &identity, route, &method, &params, &shaping).await;
    answer.finish(&shaping, &state.site, &state.cors)
}

async fn answer(
    state: &AppState,
    identity: &Identity,
    route: Option<Route>,
    method: &Method,
    params: &RawParams,
    shaping: &Shaping,
) -> Answer {
    let Some(route) = route else {
        return Answer::error(&AppError::NoRoute);
    };
    let may_read = identity.require_customer_access().is_ok();
    let allow = |answer: Answer, public: bool| {
        if public || may_read {
            answer.header("Allow", "GET".into())
        } else {
            answer
        }
    };
    match (method.clone(), route) {
        (Method::OPTIONS, Route::CustomerList) => allow(
            Answer::ok(shaping.payload(&describe::list_route(&state.site))),
            false,
        ),
        (Method::OPTIONS, Route::Customer(_)) => allow(
            Answer::ok(shaping.payload(&describe::single_route())),
            false,
        ),
        (Method::GET | Method::HEAD, Route::SiteIndex) => allow(
            Answer::ok(shaping.payload(&describe::site_index(&state.site))),
            true,
        ),
        (Method::GET | Method::HEAD, Route::NamespaceIndex) => allow(
            Answer::ok(shaping.payload(&describe::namespace_index(&state.site))),
            true,
        ),
        (Method::GET | Method::HEAD, Route::CustomerList) => {
            match list(state, identity, params, shaping).await {
                Ok(answer) => allow(answer, false),
                Err(error @ (AppError::InvalidParams(_) | AppError::PageOutOfRange)) => {
                    allow(Answer::error(&error), false)
                }
                Err(error) => Answer::error(&error),
            }
        }
        (Method::GET | Method::HEAD, Route::CompanyList) => {
            match companies::list(state, identity, params, shaping).await {
                Ok(answer) => allow(answer, false),
                Err(error) => Answer::error(&error),
            }
        }
        (Method::GET | Method::HEAD, Route::Company(id)) => {
            match companies::single(state, identity, id, shaping).await {
                Ok(answer) => allow(answer, false),
                Err(error) => Answer::error(&error),
            }
        }
        (Method::GET | Method::HEAD, Route::Customer(key)) => {
            match single(state, identity, key, params, shaping).await {
                Ok(answer) => allow(answer, false),
                Err(error) => Answer::error(&error),
            }
        }
        _ => Answer::error(&AppError::NoRoute),
    }
}

async fn list(
    state: &AppState,
    identity: &Identity,
    params: &RawParams,
    shaping: &Shaping,
) -> Result<Answer, AppError> {
    let query = params::list(params).map_err(AppError::InvalidParams)?.query;
    identity.require_customer_access()?;
    let window = query.window;
    let reads = state.reads.clone();
    let embed = embed::wants_company(params);
    let want = if embed {
        Want::rendered().with_companies(Companies::Read)
    } else {
        Want::rendered()
    };
    let page = state
        .db
        .read(move |conn| Ok(query.page(conn, &reads, want)?))
        .await?;
    let total = page.total.unwrap_or_default();
    let total_pages = page.total_pages().unwrap_or_default();
    if window.page > total_pages && total > 0 {
        return Err(AppError::PageOutOfRange);
    }
    // A customer as the plugin renders it is ~800 bytes.
    let mut body = Vec::with_capacity(1024 * page.customers.len() + 2);
    let writer = CustomerWriter::new(&state.site);
    body.push(b'[');
    for (at, c) in page.customers.iter().enumerate() {
        if at > 0 {
            body.push(b',');
        }
        match &c.own_json {
            Some(own) => writer.write(&mut body, own, c),
            None => {
                let known = page.known_companies.contains(&c.company_id);
                writer.write(&mut body, &own_parts(c, known), c)
            }
        }
        if embed {
            let company = page.companies.get(&c.company_id).map(|company| &**company);
            embed::append_company(&mut body, c.company_id, company, &state.site);
        }
    }
    body.push(b']');
    let mut answer = Answer::ok(shaping.encoded(body))
        .header("X-WP-Total", total.to_string())
        .header("X-WP-TotalPages", total_pages.to_string());
    let links = pagination_links(state, params, window.page, total_pages);
    if !links.is_empty() {
        answer = answer.header("Link", links);
    }
    Ok(answer)
}

/// WordPress's `rel="prev"` / `rel="next"` links: the same query, another page.
fn pagination_links(state: &AppState, params: &RawParams, page: i64, total_pages: i64) -> String {
    let rest = params.to_query_only(params::LIST_PARAMS_BUT_PAGE);
    let url = |page: i64| {
        let separator = if rest.is_empty() { "" } else { "&" };
        format!(
            "{}?{rest}{separator}page={page}",
            state.site.rest_url(LIST_ROUTE)
        )
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!(
            "<{}>; rel=\"prev\"",
            url((page - 1).min(total_pages.max(1)))
        ));
    }
    if total_pages > page {
        links.push(format!("<{}>; rel=\"next\"", url(page + 1)));
    }
    links.join(", ")
}

async fn single(
    state: &AppState,
    identity: &Identity,
    key: IdOrEmail,
    params: &RawParams,
    shaping: &Shaping,
) -> Result<Answer, AppError> {
    identity.require_customer_access()?;
    let embed = embed::wants_company(params);
    let found = state
        .db
        .read(move |conn| {
            if !embed {
                let found = key.find_knowing_company(conn)?;
                return Ok(found.map(|(customer, known)| (customer, known, None)));
            }
            let found = key.find_with_company(conn)?;
            Ok(found.map(|(customer, mut companies)| {
                let company = companies.remove(&customer.company_id);
                (customer, company.is_some(), company)
            }))
        })
        .await?;
    let (customer, company_known, company) = found.ok_or(AppError::CustomerNotFound)?;
    let mut body = Vec::with_capacity(1024);
    CustomerWriter::new(&state.site).write(
        &mut body,
        &own_parts(&customer, company_known),
        &customer,
    );
    if embed {
        embed::append_company(
            &mut body,
            customer.company_id,
            company.as_deref(),
            &state.site,
        );
    }
    Ok(Answer::ok(shaping.encoded(body)))
}
