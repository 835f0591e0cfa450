//! Integration tests: the real app over HTTP, every case on SQLite and on PostgreSQL.

// Tests and the bench may panic on a slip: that is how they fail. Tables of cases run long.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod access;
mod architecture;
mod attendance_lock;
mod attendance_month;
mod attendance_props;
mod attendance_timesheets;
mod harness;
mod helpers;

mod auth;
mod authorization;
mod booking;
mod booking_codes;
mod booking_events;
mod booking_fast;
mod booking_props;
mod bookings_mine;
mod childcare;
mod childcare_props;
mod childcare_stored;
mod childcare_tablet;
mod console;
mod console_search;
mod demo_history;
mod events;
mod faults;
mod import;
mod import_invitations;
mod import_roles;
mod kiosk;
mod kiosk_scan;
mod kiosk_tx;
mod kpi;
mod kpi_export;
mod kpi_review;
mod mail;
mod occupancy;
mod occupancy_history;
mod openapi;
mod pay;
mod pay_agree;
mod pay_bank;
mod pay_exports;
mod pay_runs;
mod pay_terms;
mod pay_year;
mod pg_roles;
mod polish;
mod series_going;
mod sites;
mod stored_rows;
mod system;
mod training;
mod training_roles;
mod validation;
mod web;
