//! The federation's numbers: per municipality and fiscal year, the KPIs the partner cities
//! report (workers registered, active and earning, hours, amounts paid, client orders, the
//! programme's net result, municipalities with a site) with their baselines and targets, the
//! month-by-month trend, and the onboarding funnel. It only reads other areas' tables; its
//! own are the orders, costs, targets and the municipality viewers.

pub mod rules;

pub mod errors;
pub mod export;
pub mod funnel;
pub mod http;
pub mod ledger;
pub mod report;
pub mod scope;
pub mod store;
