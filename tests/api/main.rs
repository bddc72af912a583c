//! One integration binary: every test starts the real router (or the real binary) on a
//! temporary database.

mod auth;
mod cache;
mod cli;
mod connections;
mod cost;
mod derived;
mod full_disk;
mod graphql_errors;
mod graphql_list;
mod graphql_lookup;
mod graphql_plans;
mod helpers;
mod import_export;
mod import_scale;
mod load;
mod mariadb;
mod model;
mod paging_property;
mod playground;
mod process;
mod read_only;
mod read_paths;
mod rest_companies;
mod rest_routes;
mod rest_shape;
mod rest_validation;
mod schema;
mod server;
mod sync;
mod sync_database;
mod sync_database_messages;
mod sync_messages;
mod sync_recorded;
mod transports_agree;
mod zero_dates;
