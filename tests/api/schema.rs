//! The checked-in SDL is the schema the code serves.

#[test]
fn schema_graphql_is_the_printed_schema() {
    let checked_in = std::fs::read_to_string("schema.graphql").expect("schema.graphql at the root");
    let printed = kbs_graphql::graphql::sdl();
    assert!(
        checked_in == printed,
        "schema.graphql is stale: regenerate it with `cargo run -- schema > schema.graphql`"
    );
}

#[test]
fn the_contract_names_are_all_there() {
    let sdl = kbs_graphql::graphql::sdl();
    for fragment in [
        "type Query {",
        "customer(idOrEmail: ID!): Customer",
        "page: Int = 1",
        "perPage: Int = 10",
        "offset: Int",
        "include: [Int!]",
        "exclude: [Int!]",
        "userId: [Int!]",
        "email: [String!]",
        "name: String",
        "search: String",
        "company: [Int!]",
        "order: SortOrder = DESC",
        "orderBy: CustomerOrderBy = ID",
        "): CustomerPage!",
        "notes(limit: Int): [String!]!",
        // The contract's `DateTime!`, made nullable by the sync issue: a site's zero date.
        "dateCreated: DateTime\n",
        "scalar DateTime",
    ] {
        assert!(sdl.contains(fragment), "missing {fragment:?}");
    }
}
