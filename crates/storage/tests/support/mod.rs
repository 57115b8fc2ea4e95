pub mod pg_server;
