//! The `modnas` binary as a user runs it: commands, bad input, resume and distributed search
//! (workers on SQLite, and on PostgreSQL where its programs are installed).

mod common;
#[path = "../../../storage/tests/support/pg_server.rs"]
mod pg_server;

mod bad_inputs;
mod commands;
mod dashboard;
mod dashboard_views;
mod distributed;
mod downstream_long_build;
mod resume;
