-- Foundation: settings, municipalities, sites and spaces, people and roles, teams, clients,
-- sessions, login throttling, kiosk devices. Instants are INTEGER epoch seconds (UTC);
-- flags are INTEGER 0/1 (the same on PostgreSQL, so one SQL text serves both).

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE municipalities (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name_ja    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL
);

CREATE TABLE sites (
    id               INTEGER PRIMARY KEY,
    municipality_id  INTEGER NOT NULL REFERENCES municipalities(id),
    name_ja          TEXT NOT NULL,
    name_en          TEXT NOT NULL,
    time_zone        TEXT NOT NULL DEFAULT 'Asia/Tokyo',
    opening_hours    TEXT NOT NULL DEFAULT '[]',
    annual_closures  TEXT NOT NULL DEFAULT '[]',
    open_on_holidays INTEGER NOT NULL DEFAULT 0 CHECK (open_on_holidays IN (0, 1)),
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at       INTEGER NOT NULL
);

CREATE TABLE site_exceptions (
    site_id    INTEGER NOT NULL REFERENCES sites(id),
    day        TEXT NOT NULL,
    open       INTEGER NOT NULL CHECK (open IN (0, 1)),
    open_time  TEXT,
    close_time TEXT,
    note       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (site_id, day)
);

CREATE TABLE spaces (
    id         INTEGER PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES sites(id),
    kind       TEXT NOT NULL CHECK (kind IN ('desk', 'room', 'secure_room', 'meeting_room', 'childcare_room')),
    name       TEXT NOT NULL,
    capacity   INTEGER NOT NULL CHECK (capacity >= 1),
    attributes TEXT NOT NULL DEFAULT '[]',
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    UNIQUE (site_id, name)
);

CREATE TABLE teams (
    id        INTEGER PRIMARY KEY,
    site_id   INTEGER NOT NULL REFERENCES sites(id),
    name      TEXT NOT NULL,
    leader_id INTEGER,
    active    INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    UNIQUE (site_id, name)
);

CREATE TABLE persons (
    id                   INTEGER PRIMARY KEY,
    member_number        TEXT UNIQUE,
    email                TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    name_kana            TEXT NOT NULL DEFAULT '',
    phone                TEXT NOT NULL DEFAULT '',
    home_municipality_id INTEGER REFERENCES municipalities(id),
    language             TEXT NOT NULL DEFAULT 'ja' CHECK (language IN ('ja', 'en')),
    team_id              INTEGER REFERENCES teams(id),
    password_hash        TEXT NOT NULL,
    is_admin             INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    active               INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at           INTEGER NOT NULL
);

CREATE TABLE role_grants (
    person_id INTEGER NOT NULL REFERENCES persons(id),
    site_id   INTEGER NOT NULL REFERENCES sites(id),
    role      TEXT NOT NULL CHECK (role IN ('worker', 'reception', 'caregiver', 'trainer', 'director')),
    PRIMARY KEY (person_id, site_id, role)
);
CREATE INDEX role_grants_site ON role_grants (site_id, role);

CREATE TABLE client_companies (
    id      INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites(id),
    name    TEXT NOT NULL,
    active  INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    UNIQUE (site_id, name)
);

CREATE TABLE client_projects (
    id             INTEGER PRIMARY KEY,
    client_id      INTEGER NOT NULL REFERENCES client_companies(id),
    name           TEXT NOT NULL,
    secure_room_id INTEGER REFERENCES spaces(id),
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    UNIQUE (client_id, name)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES persons(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_person ON sessions (person_id);

CREATE TABLE login_failures (
    id  INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at  INTEGER NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);

CREATE TABLE kiosk_devices (
    id                 INTEGER PRIMARY KEY,
    site_id            INTEGER NOT NULL REFERENCES sites(id),
    name               TEXT NOT NULL,
    pairing_code_hash  TEXT UNIQUE,
    pairing_expires_at INTEGER,
    token_hash         TEXT UNIQUE,
    created_at         INTEGER NOT NULL,
    paired_at          INTEGER,
    revoked_at         INTEGER,
    last_seen_at       INTEGER
);
