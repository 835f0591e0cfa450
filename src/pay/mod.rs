//! Paying the workers: an approved month's amount per project and its due date under the
//! site's payment rule (within the freelance act's 60 days), the worker's statements, the
//! director's payments of a month, and marking them paid.

pub mod rules;

pub mod bank;
pub mod errors;
pub mod export;
pub mod http;
pub mod kana;
pub mod payments;
pub mod statement;
pub mod store;
pub mod terms;
pub mod zengin;
