//! Occupancy: the staff's live view of a site (a snapshot from the database, then a stream of
//! fresh snapshots fed by the domain events), the evacuation roll call, the site's plan, and
//! the utilisation history.
//! On top of every area it reads; it writes only its own tables.

pub mod errors;
pub mod history;
pub mod http;
pub mod live;
pub mod plan;
pub mod roll_call;
pub mod rules;
pub mod snapshot;
pub mod store;

pub use errors::OccupancyError;
