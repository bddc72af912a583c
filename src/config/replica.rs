//! `serve`'s settings for a replica: where it keeps its data from, how often, and how stale it
//! may grow before it says it is not ready.

use std::time::Duration;

use clap::Args;

use crate::config::values::parse_duration;
use crate::sync::SyncOptions;

#[derive(Debug, Clone, Args)]
pub struct ReplicaArgs {
    /// Keep the data synced from this source, in the background: a site
    /// (`https://help.example.com`, with --sync-user and KBS_APP_PASSWORD) or its WordPress
    /// database (`mysql://USER@HOST:PORT/DB`, the password in KBS_SOURCE_PASSWORD). Each sync
    /// reads the source whole and swaps the data in only when it changed. The demo data is
    /// not loaded.
    #[arg(long, env = "KBS_SYNC_FROM")]
    pub sync_from: Option<String>,

    /// Time between syncs (`30s`, `5m`, `1h`); after a failure the next try comes after the
    /// same time, doubling up to 8 times it.
    #[arg(long, env = "KBS_SYNC_INTERVAL", default_value = "5m", value_parser = parse_duration)]
    pub sync_interval: Duration,

    /// The site's WordPress user, for a REST source (its application password from
    /// KBS_APP_PASSWORD).
    #[arg(long, env = "KBS_SYNC_USER")]
    pub sync_user: Option<String>,

    /// The user's application password, for a REST source.
    #[arg(long, env = "KBS_APP_PASSWORD", hide_env_values = true, hide = true)]
    pub sync_app_password: Option<String>,

    /// The database user's password when the source URL holds none.
    #[arg(long, env = "KBS_SOURCE_PASSWORD", hide_env_values = true, hide = true)]
    pub sync_source_password: Option<String>,

    /// The WordPress tables' prefix in the source database ($table_prefix in wp-config.php).
    #[arg(long, env = "KBS_SYNC_TABLE_PREFIX", default_value = "wp_")]
    pub sync_table_prefix: String,

    /// `/readyz` answers 503 when the data was last confirmed from its source longer ago than
    /// this (`10m`), so that a load balancer drains a replica that lost its source. Off by
    /// default.
    #[arg(long, env = "KBS_MAX_STALENESS", value_parser = parse_duration)]
    pub max_staleness: Option<Duration>,
}

impl ReplicaArgs {
    /// The sync each interval runs: the whole source, swapped in only when it changed.
    pub fn sync_options(&self) -> Option<SyncOptions> {
        let from = self.sync_from.as_ref()?;
        let mut options = SyncOptions::new(from);
        options.user = self.sync_user.clone();
        options.app_password = self.sync_app_password.clone();
        options.source_password = self.sync_source_password.clone();
        options.table_prefix = self.sync_table_prefix.clone();
        options.replace = true;
        options.unless_unchanged = true;
        Some(options)
    }
}
