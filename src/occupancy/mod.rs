//! Occupancy: the staff's live view of a site (a snapshot from the database, then a stream of
//! fresh snapshots fed by the domain events), the evacuation roll call, and the site's plan.
//! On top of every area it reads; it writes only its own tables.

pub mod errors;
pub mod http;
pub mod live;
pub mod plan;
pub mod roll_call;
pub mod rules;
pub mod snapshot;
pub mod store;

pub use errors::OccupancyError;
