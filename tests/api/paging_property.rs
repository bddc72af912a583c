//! Paging through any filter and order visits every matching customer exactly once, in order.
//! The expected set comes from an independent model of the filters over the demo data. The
//! servers' thresholds are small, so that the demo data crosses every one of them: every
//! read of the core is walked, with and without the derived data, in every column set.

use std::collections::HashSet;

use kbs_graphql::customers::{CustomerQuery, OrderBy, SortOrder, Window};
use proptest::prelude::*;

use crate::helpers::{Columns, TestApp};
use crate::model::{demo_records, ordered_ids};

/// A list filter that is absent more often than not, so that combinations still match rows.
fn sometimes(
    values: impl Strategy<Value = i32>,
    len: std::ops::Range<usize>,
) -> impl Strategy<Value = Vec<i32>> {
    prop::option::weighted(0.3, prop::collection::vec(values, len))
        .prop_map(Option::unwrap_or_default)
}

fn ids() -> impl Strategy<Value = Vec<i32>> {
    sometimes(1..260i32, 1..120)
}

/// Any query, or one of the shapes the derived data serves by itself: a `search` or a `name`
/// alone, or companies alone (or nothing); id order (every list's default) comes up most.
fn query() -> impl Strategy<Value = CustomerQuery> {
    (any_query(), 0..4u8, needles()).prop_map(|(mut q, shape, needle)| {
        if shape > 0 {
            q.include.clear();
            q.exclude.clear();
            q.user_ids.clear();
            q.emails.clear();
            q.name = None;
            q.search = None;
        }
        match shape {
            1 => q.search = Some(needle.to_owned()),
            2 => q.name = Some(needle.to_owned()),
            _ => {}
        }
        match shape {
            1 | 2 => q.companies.clear(),
            // One company, whose deep pages the stored positions serve.
            3 => q.companies.truncate(1),
            _ => {}
        }
        q
    })
}

fn needles() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "", "a", "an", "ö", "example", ".org", "smith", "ÉL", "_", "%", "o'b", "ith", "+1@", "e.c",
        "ÖZT", "a \"b", "e s", "@ex", "mple.com", "zoë", "100%", "brown", "ng",
    ])
}

fn any_query() -> impl Strategy<Value = CustomerQuery> {
    let emails = prop::sample::select(vec![
        "zoe.unicode@example.com",
        "GRACE@example.test",
        "x@example.com",
    ]);
    (
        (
            ids(),
            ids(),
            sometimes(1000..1260i32, 1..120),
            sometimes(0..20i32, 1..6),
        ),
        (
            prop::option::weighted(0.2, prop::collection::vec(emails, 1..3))
                .prop_map(Option::unwrap_or_default),
            prop::option::weighted(0.3, needles()),
            prop::option::weighted(0.3, needles()),
        ),
        (
            prop::sample::select(vec![
                OrderBy::Id,
                OrderBy::Id,
                OrderBy::Id,
                OrderBy::UserId,
                OrderBy::Name,
                OrderBy::Email,
                OrderBy::CompanyId,
                OrderBy::Date,
            ]),
            prop::bool::ANY,
        ),
    )
        .prop_map(
            |((include, exclude, user_ids, companies), (emails, name, search), (order_by, asc))| {
                CustomerQuery {
                    include,
                    exclude,
                    user_ids,
                    companies,
                    emails: emails.into_iter().map(str::to_owned).collect(),
                    name: name.map(str::to_owned),
                    search: search.map(str::to_owned),
                    order: if asc { SortOrder::Asc } else { SortOrder::Desc },
                    order_by,
                    window: Window::default(),
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn paging_visits_every_match_exactly_once_in_order(
        mut q in query(),
        per_page in 1..40i64,
        indexed in prop::bool::ANY,
        columns in prop::sample::select(Columns::ALL.to_vec()),
        with_total in prop::bool::ANY,
    ) {
        // Scanned, or served by the derived data: the same answers either way.
        let app = TestApp::demo_reaching_every_read_shared(indexed);
        let expected = ordered_ids(&q, &demo_records());

        let mut seen = Vec::new();
        for page in 1.. {
            q.window = Window::new(page, per_page, None).unwrap();
            let result = app.page(&q, columns, with_total);
            prop_assert_eq!(result.total, with_total.then_some(expected.len() as i64));
            if result.customers.is_empty() {
                break;
            }
            if with_total {
                prop_assert_eq!(result.has_next_page(), Some(seen.len() as i64 + (result.customers.len() as i64) < expected.len() as i64));
            }
            seen.extend(result.customers.iter().map(|c| i64::from(c.id)));
        }
        let unique: HashSet<_> = seen.iter().collect();
        prop_assert_eq!(unique.len(), seen.len(), "no customer twice");
        prop_assert_eq!(seen, expected);
    }
}
