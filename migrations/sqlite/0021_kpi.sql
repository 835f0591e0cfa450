-- The federation's numbers (issue 21): client orders per project (the municipality the work
-- was given to, when it is not the project's own), operating costs per fiscal year (per
-- municipality, or 0 for the corporation), baselines and targets per municipality (0 for the
-- whole programme), fiscal year and KPI, and the municipality viewers (kpi's own read-only
-- grant, given by an administrator). Fiscal years are named by the calendar year of their
-- April.

CREATE TABLE kpi_orders (
    id              INTEGER PRIMARY KEY,
    project_id      INTEGER NOT NULL REFERENCES client_projects(id),
    ordered_on      TEXT NOT NULL CHECK (length(ordered_on) = 10),
    amount          INTEGER NOT NULL CHECK (amount >= 0),
    municipality_id INTEGER REFERENCES municipalities(id),
    note            TEXT NOT NULL DEFAULT '',
    created_by      INTEGER NOT NULL REFERENCES persons(id),
    created_at      INTEGER NOT NULL
);
CREATE INDEX kpi_orders_day ON kpi_orders (ordered_on);

CREATE TABLE kpi_costs (
    fiscal_year     INTEGER NOT NULL,
    municipality_id INTEGER NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount >= 0),
    set_by          INTEGER NOT NULL REFERENCES persons(id),
    set_at          INTEGER NOT NULL,
    PRIMARY KEY (fiscal_year, municipality_id)
);

CREATE TABLE kpi_targets (
    fiscal_year     INTEGER NOT NULL,
    municipality_id INTEGER NOT NULL,
    kpi             TEXT NOT NULL,
    baseline        INTEGER,
    target          INTEGER,
    set_by          INTEGER NOT NULL REFERENCES persons(id),
    set_at          INTEGER NOT NULL,
    PRIMARY KEY (fiscal_year, municipality_id, kpi)
);

CREATE TABLE kpi_viewers (
    person_id       INTEGER NOT NULL REFERENCES persons(id),
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    granted_by      INTEGER NOT NULL REFERENCES persons(id),
    granted_at      INTEGER NOT NULL,
    PRIMARY KEY (person_id, municipality_id)
);

-- The KPI sums a fiscal year of records by their instants, from the indexes alone.
CREATE INDEX kpi_presence_year ON presence_sessions (checked_in_at, site_id, person_id, checked_out_at);
CREATE INDEX kpi_remote_year ON time_entries (kind, starts_at, ends_at, timesheet_id);
