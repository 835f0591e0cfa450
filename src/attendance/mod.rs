//! Attendance: a worker's month at a site, from kiosk presence and remote hours, per client
//! project; its submission, approval (which locks it, in the database) and audited changes.
//! Issue 18 builds it in steps: the rules and the schema first (rules.rs, migration 0012).

pub mod errors;
pub mod http;
pub mod month;
pub mod rules;
pub mod store;
