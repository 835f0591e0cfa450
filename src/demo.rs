//! Demo data: the Shiojiri telework center and a small Omachi site, staff for every role,
//! about thirty workers in teams, two client companies, and a demo kiosk. Loaded once into
//! an empty database (and by `kado demo`).

pub mod history;

use crate::auth::{Role, password};
use crate::clock::Clock;
use crate::db::{Db, Tx};
use crate::error::Lang;
use crate::ids::{MunicipalityId, PersonId};
use crate::people::{self, Person, Team};
use crate::sites::{self, Closure, Municipality, OpeningHours, Site, Space, SpaceKind};

/// The password of every demo account.
pub const PASSWORD: &str = "kado-demo";
/// The pairing code of the demo kiosk (valid for a year after loading).
pub const KIOSK_CODE: &str = "20262026";

/// The demo logins, as (role, e-mail), for the README and the start-up banner.
pub const LOGINS: [(&str, &str); 7] = [
    ("global admin", "admin@kado.example"),
    ("director, Shiojiri", "director@shiojiri.kado.example"),
    ("reception, Shiojiri", "reception@shiojiri.kado.example"),
    ("caregiver, Shiojiri", "caregiver@shiojiri.kado.example"),
    ("trainer, Shiojiri", "trainer@shiojiri.kado.example"),
    ("director, Omachi", "director@omachi.kado.example"),
    ("worker, Shiojiri (K-0001)", "worker01@kado.example"),
];

const MUNICIPALITIES: [(&str, &str, &str); 5] = [
    ("202151", "塩尻市", "Shiojiri"),
    ("202029", "松本市", "Matsumoto"),
    ("202207", "安曇野市", "Azumino"),
    ("202118", "大町市", "Omachi"),
    ("152161", "糸魚川市", "Itoigawa"),
];

/// (name, kana) of the demo workers.
const WORKERS: [(&str, &str); 30] = [
    ("佐藤 花子", "サトウ ハナコ"),
    ("鈴木 美咲", "スズキ ミサキ"),
    ("高橋 健一", "タカハシ ケンイチ"),
    ("田中 由美", "タナカ ユミ"),
    ("伊藤 直子", "イトウ ナオコ"),
    ("渡辺 陽子", "ワタナベ ヨウコ"),
    ("山本 恵", "ヤマモト メグミ"),
    ("中村 翔太", "ナカムラ ショウタ"),
    ("小林 真理", "コバヤシ マリ"),
    ("加藤 綾", "カトウ アヤ"),
    ("吉田 誠", "ヨシダ マコト"),
    ("山田 千尋", "ヤマダ チヒロ"),
    ("佐々木 香織", "ササキ カオリ"),
    ("山口 舞", "ヤマグチ マイ"),
    ("松本 彩", "マツモト アヤ"),
    ("井上 聡", "イノウエ サトシ"),
    ("木村 裕子", "キムラ ユウコ"),
    ("林 智子", "ハヤシ トモコ"),
    ("斎藤 亮", "サイトウ リョウ"),
    ("清水 早苗", "シミズ サナエ"),
    ("山崎 瞳", "ヤマザキ ヒトミ"),
    ("森 和也", "モリ カズヤ"),
    ("池田 麻衣", "イケダ マイ"),
    ("橋本 奈々", "ハシモト ナナ"),
    ("阿部 久美子", "アベ クミコ"),
    ("石川 拓也", "イシカワ タクヤ"),
    ("山下 愛", "ヤマシタ アイ"),
    ("中島 幸子", "ナカジマ サチコ"),
    ("前田 明美", "マエダ アケミ"),
    ("藤田 純", "フジタ ジュン"),
];

/// Loads the demo data when the database has no site yet; whether it did.
pub async fn load_if_empty(db: &Db, clock: &Clock) -> anyhow::Result<bool> {
    let sites: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sites")
        .fetch_one(&db.pool)
        .await?;
    if sites > 0 {
        return Ok(false);
    }
    load(db, clock).await
}

/// Loads the demo data unless it was loaded before; whether it did. Safe when several
/// instances start at once: the first to claim the marker loads, the others wait and skip.
pub async fn load(db: &Db, clock: &Clock) -> anyhow::Result<bool> {
    let now = clock.epoch();
    let hash = password::hash(PASSWORD)?;
    let mut tx = db.begin().await?;
    if !claim(&mut tx, now).await? {
        return Ok(false);
    }
    let towns = municipalities(&mut tx, now).await?;
    let (shiojiri_site, shiojiri, omachi) = two_sites(&mut tx, &towns, now).await?;
    let secure_rooms = spaces(&mut tx, shiojiri, omachi).await?;
    let caregivers = staff(&mut tx, shiojiri, omachi, &hash, now).await?;
    workers(&mut tx, (shiojiri, omachi), &towns, &hash, now).await?;
    children(&mut tx, now).await?;
    shifts(&mut tx, &shiojiri_site, shiojiri, &caregivers, clock).await?;
    clients(&mut tx, shiojiri, &secure_rooms).await?;
    kiosk(&mut tx, shiojiri, now).await?;
    training(&mut tx, &shiojiri_site, shiojiri.into(), clock).await?;
    plan(&mut tx, shiojiri).await?;
    assignments(&mut tx, shiojiri, now).await?;
    first_look(&mut tx, shiojiri, omachi).await?;
    secure_rooms_demo(&mut tx, shiojiri, clock).await?;
    kpi_demo(&mut tx, shiojiri, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Claims the demo marker: false when another start loaded (or is loading) the data.
async fn claim(tx: &mut Tx, now: i64) -> anyhow::Result<bool> {
    let claimed = sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('demo_loaded', $1) ON CONFLICT (key) DO NOTHING",
    )
    .bind(now.to_string())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        return Ok(false);
    }
    Ok(claimed > 0)
}

async fn municipalities(tx: &mut Tx, now: i64) -> anyhow::Result<Vec<MunicipalityId>> {
    let mut towns = Vec::new();
    for (code, ja, en) in MUNICIPALITIES {
        let m = Municipality {
            id: 0.into(),
            code: code.into(),
            name_ja: ja.into(),
            name_en: en.into(),
            active: true,
        };
        towns.push(sites::store::save_municipality(tx, &m, now).await?);
    }
    Ok(towns)
}

/// Shiojiri (the full center) and Omachi (a small satellite): the Shiojiri site as entered,
/// and both ids.
async fn two_sites(
    tx: &mut Tx,
    towns: &[MunicipalityId],
    now: i64,
) -> anyhow::Result<(Site, i64, i64)> {
    let hours = |days: &[&str], open: &str, close: &str| -> Vec<OpeningHours> {
        days.iter()
            .map(|d| OpeningHours {
                weekday: d.to_string(),
                open: open.into(),
                close: close.into(),
            })
            .collect()
    };
    let year_end = vec![Closure {
        from: "12-29".into(),
        to: "01-03".into(),
        note: "年末年始 / Year-end break".into(),
    }];
    let weekdays = ["mon", "tue", "wed", "thu", "fri"];
    let shiojiri_site = Site {
        id: 0.into(),
        municipality_id: towns[0],
        name_ja: "塩尻市テレワークセンター".into(),
        name_en: "Shiojiri Telework Center".into(),
        time_zone: "Asia/Tokyo".into(),
        opening_hours: [
            hours(&weekdays, "08:30", "18:00"),
            hours(&["sat"], "09:00", "13:00"),
        ]
        .concat(),
        annual_closures: year_end.clone(),
        ..Site::default()
    };
    let shiojiri = sites::store::save_site(tx, &shiojiri_site, now).await?.0;
    let omachi = sites::store::save_site(
        tx,
        &Site {
            id: 0.into(),
            municipality_id: towns[3],
            name_ja: "大町サテライトオフィス".into(),
            name_en: "Omachi Satellite Office".into(),
            time_zone: "Asia/Tokyo".into(),
            opening_hours: hours(&weekdays, "09:00", "17:00"),
            annual_closures: year_end,
            ..Site::default()
        },
        now,
    )
    .await?
    .0;
    Ok((shiojiri_site, shiojiri, omachi))
}

/// Desks, rooms (three secure), a meeting room and the childcare room; the secure rooms' ids.
async fn spaces(tx: &mut Tx, shiojiri: i64, omachi: i64) -> anyhow::Result<Vec<i64>> {
    let mut secure_rooms = Vec::new();
    for i in 1..=40 {
        let mut attributes = Vec::new();
        if i % 2 == 1 {
            attributes.push("monitor".to_string());
        }
        if i > 30 {
            attributes.push("quiet_zone".to_string());
        }
        if i <= 4 {
            attributes.push("wheelchair_accessible".to_string());
        }
        space(
            tx,
            shiojiri,
            SpaceKind::Desk,
            &format!("D-{i:02}"),
            1,
            attributes,
        )
        .await?;
    }
    for i in 1..=10 {
        let kind = if i <= 3 {
            SpaceKind::SecureRoom
        } else {
            SpaceKind::Room
        };
        let id = space(
            tx,
            shiojiri,
            kind,
            &format!("R-{i:02}"),
            4,
            vec!["monitor".into()],
        )
        .await?;
        if i <= 3 {
            secure_rooms.push(id);
        }
    }
    space(
        tx,
        shiojiri,
        SpaceKind::MeetingRoom,
        "TV会議室",
        8,
        vec!["monitor".into()],
    )
    .await?;
    space(tx, shiojiri, SpaceKind::ChildcareRoom, "託児室", 12, vec![]).await?;
    for i in 1..=12 {
        space(tx, omachi, SpaceKind::Desk, &format!("D-{i:02}"), 1, vec![]).await?;
    }
    Ok(secure_rooms)
}

/// The staff of every role; the caregivers' ids.
async fn staff(
    tx: &mut Tx,
    shiojiri: i64,
    omachi: i64,
    hash: &str,
    now: i64,
) -> anyhow::Result<Vec<PersonId>> {
    // (e-mail, name, kana, role on a site; none for the global admin)
    type Staff<'a> = (&'a str, &'a str, &'a str, Option<(i64, Role)>);
    let staff: [Staff; 7] = [
        (
            "admin@kado.example",
            "本部 管理者",
            "ホンブ カンリシャ",
            None,
        ),
        (
            "director@shiojiri.kado.example",
            "上條 ディレクター",
            "カミジョウ",
            Some((shiojiri, Role::Director)),
        ),
        (
            "reception@shiojiri.kado.example",
            "百瀬 受付",
            "モモセ",
            Some((shiojiri, Role::Reception)),
        ),
        (
            "caregiver@shiojiri.kado.example",
            "赤羽 保育士",
            "アカハネ",
            Some((shiojiri, Role::Caregiver)),
        ),
        (
            "trainer@shiojiri.kado.example",
            "古畑 講師",
            "フルハタ",
            Some((shiojiri, Role::Trainer)),
        ),
        (
            "director@omachi.kado.example",
            "丸山 ディレクター",
            "マルヤマ",
            Some((omachi, Role::Director)),
        ),
        (
            "caregiver2@shiojiri.kado.example",
            "中沢 保育士",
            "ナカザワ",
            Some((shiojiri, Role::Caregiver)),
        ),
    ];
    let mut caregivers = Vec::new();
    for (email, name, kana, grant) in staff {
        let mut p = blank_person(email, name, kana);
        p.is_admin = grant.is_none();
        let id = people::store::save(tx, &p, Some(hash), now).await?;
        if let Some((site, role)) = grant {
            crate::auth::store::grant(tx, id, site, role).await?;
            if role == Role::Caregiver {
                caregivers.push(id);
            }
        }
    }
    Ok(caregivers)
}

/// Thirty workers in four teams: 1-24 at Shiojiri, 25-30 at Omachi.
async fn workers(
    tx: &mut Tx,
    (shiojiri, omachi): (i64, i64),
    towns: &[MunicipalityId],
    hash: &str,
    now: i64,
) -> anyhow::Result<()> {
    let mut teams = Vec::new();
    for (site_id, name) in [
        (shiojiri, "AIアノテーション"),
        (shiojiri, "3D地図データ"),
        (shiojiri, "バックオフィス"),
        (omachi, "大町チーム"),
    ] {
        let mut t = Team {
            id: 0.into(),
            site_id: site_id.into(),
            name: name.into(),
            leader_id: None,
            active: true,
            member_ids: vec![],
        };
        t.id = people::store::save_team(tx, &t).await?;
        teams.push(t);
    }
    for (i, (name, kana)) in WORKERS.iter().enumerate() {
        let n = i + 1;
        // Workers 1-24 at Shiojiri in three teams; 25-30 at Omachi. A team's first member
        // leads it.
        let team = &mut teams[if n <= 24 { (n - 1) % 3 } else { 3 }];
        let mut p = blank_person(&format!("worker{n:02}@kado.example"), name, kana);
        p.member_number = Some(format!("K-{n:04}"));
        p.home_municipality_id = Some(towns[if n <= 24 { n % 3 } else { 3 + n % 2 }]);
        p.team_id = Some(team.id);
        p.phone = format!("090-0000-{n:04}");
        if n % 10 == 0 {
            p.language = Lang::En;
        }
        let id = people::store::save(tx, &p, Some(hash), now).await?;
        crate::auth::store::grant(tx, id, team.site_id, Role::Worker).await?;
        team.leader_id = team.leader_id.or(Some(id));
    }
    for t in &teams {
        people::store::save_team(tx, t).await?;
    }
    Ok(())
}

async fn children(tx: &mut Tx, now: i64) -> anyhow::Result<()> {
    // Children of a few workers (member numbers 1, 2, 4, 7), with an allergy to show.
    let mut guardians = std::collections::HashMap::new();
    for (name, kana, birth, allergies, worker) in [
        ("佐藤 春翔", "サトウ ハルト", "2023-05-10", "卵", 1),
        ("鈴木 結衣", "スズキ ユイ", "2025-08-01", "", 2),
        ("田中 蓮", "タナカ レン", "2026-02-14", "", 4),
        ("田中 陽菜", "タナカ ヒナ", "2021-09-09", "小麦", 4),
        ("山本 湊", "ヤマモト ミナト", "2022-12-01", "", 7),
    ] {
        let guardian = match guardians.get(&worker) {
            Some(id) => *id,
            None => {
                let id: i64 = sqlx::query_scalar("SELECT id FROM persons WHERE member_number = $1")
                    .bind(format!("K-{worker:04}"))
                    .fetch_one(&mut **tx)
                    .await?;
                guardians.insert(worker, id);
                id
            }
        };
        let child: i64 = sqlx::query_scalar(
            "INSERT INTO children (name, name_kana, birth_date, allergies, medical_notes, active, created_at)
             VALUES ($1, $2, $3, $4, '', 1, $5) RETURNING id",
        )
        .bind(name)
        .bind(kana)
        .bind(birth)
        .bind(allergies)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query("INSERT INTO child_guardians (child_id, person_id) VALUES ($1, $2)")
            .bind(child)
            .bind(guardian)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn shifts(
    tx: &mut Tx,
    shiojiri_site: &Site,
    shiojiri: i64,
    caregivers: &[PersonId],
    clock: &Clock,
) -> anyhow::Result<()> {
    // Both caregivers on duty whenever Shiojiri is open in the next four weeks.
    let (tz, weekly, annual_closures) =
        sites::validate_site(&mut crate::error::Validator::new(), shiojiri_site)
            .ok_or_else(|| anyhow::anyhow!("demo site has a bad time zone"))?;
    let schedule = sites::rules::Schedule {
        tz,
        weekly,
        annual_closures,
        open_on_holidays: false,
        exceptions: Default::default(),
    };
    let today = clock.now().with_timezone(&schedule.tz).date_naive();
    for date in today.iter_days().take(29) {
        let Some(h) = schedule.day(date).hours else {
            continue;
        };
        let (Ok(from), Ok(to)) = (
            schedule.instant(date, h.open),
            schedule.instant(date, h.close),
        ) else {
            continue;
        };
        for caregiver in caregivers {
            sqlx::query(
                "INSERT INTO caregiver_shifts (site_id, person_id, starts_at, ends_at, created_by)
                 VALUES ($1, $2, $3, $4, $2)",
            )
            .bind(shiojiri)
            .bind(caregiver)
            .bind(from.timestamp())
            .bind(to.timestamp())
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

async fn clients(tx: &mut Tx, shiojiri: i64, secure_rooms: &[i64]) -> anyhow::Result<()> {
    for (company, project, room) in [
        (
            "信州データラボ株式会社",
            "自動運転向け3D地図",
            secure_rooms[0],
        ),
        ("アルプスAI株式会社", "画像アノテーション", secure_rooms[1]),
    ] {
        let client: i64 = sqlx::query_scalar(
            "INSERT INTO client_companies (site_id, name, active) VALUES ($1, $2, 1) RETURNING id",
        )
        .bind(shiojiri)
        .bind(company)
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO client_projects (client_id, name, secure_room_id, active) VALUES ($1, $2, $3, 1)",
        )
        .bind(client)
        .bind(project)
        .bind(room)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Whether the demo kiosk's pairing code can still be used (it works once).
pub async fn kiosk_code_unused(db: &crate::db::Db, now: i64) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM kiosk_devices
         WHERE pairing_code_hash = $1 AND pairing_expires_at > $2 AND revoked_at IS NULL",
    )
    .bind(password::token_hash(KIOSK_CODE))
    .bind(now)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// The entrance kiosk, to be paired once with [`KIOSK_CODE`] within a year.
async fn kiosk(tx: &mut Tx, shiojiri: i64, now: i64) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO kiosk_devices (site_id, name, pairing_code_hash, pairing_expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(shiojiri)
    .bind("入口キオスク / Entrance kiosk")
    .bind(password::token_hash(KIOSK_CODE))
    .bind(now + 365 * 24 * 3600)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Training: two courses, Shiojiri's onboarding programme, and a session of each on the next
/// two open weekdays. Online (no room), so the demo holds no bookings; nobody is enrolled, so
/// the demo workers' scans stay as they were.
async fn training(
    tx: &mut Tx,
    shiojiri_site: &Site,
    site_id: crate::ids::SiteId,
    clock: &Clock,
) -> anyhow::Result<()> {
    use crate::training::store::{CourseFields, insert_course, set_programme};
    let now = clock.now();
    let course = |name_ja, name_en, description, minutes, validity_months| CourseFields {
        name_ja,
        name_en,
        description,
        kind: "onboarding",
        sessions_required: 1,
        minimum_minutes: minutes,
        validity_months,
        active: true,
    };
    let intro = insert_course(
        tx,
        &course(
            "KADO はじめての研修",
            "Getting started at KADO",
            "施設の使い方、予約、キオスク、託児。",
            45,
            None,
        ),
        Some(site_id),
        now.timestamp(),
    )
    .await?;
    let security = insert_course(
        tx,
        &course(
            "情報セキュリティ",
            "Information security",
            "機密情報の扱い、セキュアルームの利用。",
            90,
            Some(12),
        ),
        // Shared by every site: administrators manage it.
        None,
        now.timestamp(),
    )
    .await?;
    set_programme(tx, Some(site_id), &[intro, security]).await?;
    let trainer: PersonId =
        sqlx::query_scalar("SELECT id FROM persons WHERE email = 'trainer@shiojiri.kado.example'")
            .fetch_one(&mut **tx)
            .await?;
    let (tz, weekly, annual_closures) =
        sites::validate_site(&mut crate::error::Validator::new(), shiojiri_site)
            .ok_or_else(|| anyhow::anyhow!("demo site has a bad time zone"))?;
    let schedule = sites::rules::Schedule {
        tz,
        weekly,
        annual_closures,
        open_on_holidays: false,
        exceptions: Default::default(),
    };
    let today = now.with_timezone(&tz).date_naive();
    let days = today.iter_days().skip(1).take(14).filter(|d| {
        schedule
            .day(*d)
            .hours
            .is_some_and(|h| h.close >= chrono::NaiveTime::MIN + chrono::Duration::hours(17))
    });
    for (date, course) in days.zip([intro, security]) {
        let at = |h| schedule.instant(date, chrono::NaiveTime::MIN + chrono::Duration::hours(h));
        let (Ok(from), Ok(to)) = (at(10), at(12)) else {
            continue;
        };
        let plan = crate::training::Schedule {
            course,
            site: site_id,
            room: None,
            trainer,
            range: (from, to),
            capacity: 8,
            by: trainer,
        };
        crate::training::schedule(tx, &plan, None, now)
            .await
            .map_err(|e| anyhow::anyhow!("demo training session: {e:?}"))?;
    }
    Ok(())
}

async fn space(
    tx: &mut Tx,
    site_id: i64,
    kind: SpaceKind,
    name: &str,
    capacity: i64,
    attributes: Vec<String>,
) -> sqlx::Result<i64> {
    let s = Space {
        id: 0.into(),
        site_id: site_id.into(),
        kind,
        name: name.into(),
        capacity,
        attributes,
        active: true,
    };
    sites::store::save_space(tx, &s).await.map(|id| id.0)
}

fn blank_person(email: &str, name: &str, kana: &str) -> Person {
    Person {
        id: 0.into(),
        member_number: None,
        email: email.into(),
        name: name.into(),
        name_kana: kana.into(),
        phone: String::new(),
        home_municipality_id: None,
        language: Lang::Ja,
        team_id: None,
        is_admin: false,
        active: true,
        roles: vec![],
    }
}

/// Shiojiri's plan for the staff's live map: four rows of ten desks, the rooms along the
/// bottom, the TV-conference room and the childcare room on the right (Omachi keeps the
/// automatic grid).
async fn plan(tx: &mut Tx, shiojiri: i64) -> anyhow::Result<()> {
    let mut places: Vec<(String, [i64; 4])> = Vec::new();
    for i in 0..40i64 {
        let (row, col) = (i / 10, i % 10);
        let y = [60, 130, 250, 320][row as usize];
        places.push((format!("D-{:02}", i + 1), [40 + col * 55, y, 45, 60]));
    }
    for i in 0..10i64 {
        places.push((format!("R-{:02}", i + 1), [40 + i * 95, 520, 85, 120]));
    }
    places.push(("TV会議室".into(), [640, 60, 320, 180]));
    places.push(("託児室".into(), [640, 280, 320, 200]));
    let mut rows = Vec::new();
    for (name, rect) in places {
        let id: i64 = sqlx::query_scalar("SELECT id FROM spaces WHERE site_id = $1 AND name = $2")
            .bind(shiojiri)
            .bind(&name)
            .fetch_one(&mut **tx)
            .await?;
        rows.push((crate::ids::SpaceId(id), rect));
    }
    crate::occupancy::store::put_positions(tx, crate::ids::SiteId(shiojiri), &rows).await?;
    Ok(())
}

/// Shiojiri's first two teams work on the two client projects at 1,000 yen an hour from the
/// start of the fiscal year (April), so "My month" has projects to put hours on.
async fn assignments(tx: &mut Tx, shiojiri: i64, now: i64) -> anyhow::Result<()> {
    use crate::attendance::store::{NewAssignment, insert_assignment, insert_rate};
    use chrono::Datelike;
    let today = chrono::DateTime::from_timestamp(now, 0)
        .unwrap_or_default()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    let year = if today.month() >= 4 {
        today.year()
    } else {
        today.year() - 1
    };
    let from = format!("{year}-04-01");
    let director: PersonId =
        sqlx::query_scalar("SELECT id FROM persons WHERE email = 'director@shiojiri.kado.example'")
            .fetch_one(&mut **tx)
            .await?;
    let projects: Vec<crate::ids::ProjectId> = sqlx::query_scalar(
        "SELECT p.id FROM client_projects p JOIN client_companies c ON c.id = p.client_id
          WHERE c.site_id = $1 ORDER BY p.id",
    )
    .bind(shiojiri)
    .fetch_all(&mut **tx)
    .await?;
    let teams: Vec<(PersonId, String)> = sqlx::query_as(
        "SELECT p.id, t.name FROM persons p JOIN teams t ON t.id = p.team_id
          WHERE t.site_id = $1 ORDER BY p.id",
    )
    .bind(shiojiri)
    .fetch_all(&mut **tx)
    .await?;
    for (person, team) in teams {
        let project = match team.as_str() {
            "3D地図データ" => projects.first(),
            "AIアノテーション" => projects.get(1),
            _ => None,
        };
        let Some(&project) = project else { continue };
        let a = NewAssignment {
            person,
            project,
            starts_on: &from,
            ends_on: None,
            by: director,
        };
        let id = insert_assignment(tx, &a, now).await?;
        insert_rate(tx, id, &from, 1000, director, now).await?;
    }
    Ok(())
}

/// What a new user sees first (issue 22): the sites' addresses, which e-mails and calendar
/// events carry.
async fn first_look(tx: &mut Tx, shiojiri: i64, omachi: i64) -> anyhow::Result<()> {
    for (site, ja, en) in [
        (
            shiojiri,
            "〒399-0000 長野県塩尻市大門1-1",
            "1-1 Daimon, Shiojiri, Nagano 399-0000",
        ),
        (
            omachi,
            "〒398-0000 長野県大町市大町1-1",
            "1-1 Omachi, Omachi, Nagano 398-0000",
        ),
    ] {
        sqlx::query("UPDATE sites SET address_ja = $1, address_en = $2 WHERE id = $3")
            .bind(ja)
            .bind(en)
            .bind(site)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Secure room R-02 for the image annotation project, which requires information security:
/// workers 20 and 21 are on its roster with NDAs (21's expires in 20 days: the review lists
/// it) and are cleared once their security training is complete. are left for
/// directors to set up.
async fn secure_rooms_demo(tx: &mut Tx, shiojiri: i64, clock: &Clock) -> anyhow::Result<()> {
    let now = clock.now();
    let day = |days: i64| {
        (now + chrono::Duration::days(days))
            .format("%Y-%m-%d")
            .to_string()
    };
    let room: i64 =
        sqlx::query_scalar("SELECT id FROM spaces WHERE site_id = $1 AND name = 'R-02'")
            .bind(shiojiri)
            .fetch_one(&mut **tx)
            .await?;
    let project: i64 =
        sqlx::query_scalar("SELECT id FROM client_projects WHERE name = '画像アノテーション'")
            .fetch_one(&mut **tx)
            .await?;
    let course: i64 = sqlx::query_scalar(
        "SELECT id FROM training_courses WHERE name_en = 'Information security'",
    )
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO access_rooms (space_id, site_id, roster_enough) VALUES ($1, $2, 0)")
        .bind(room)
        .bind(shiojiri)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO access_room_projects (space_id, project_id) VALUES ($1, $2)")
        .bind(room)
        .bind(project)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO access_requirements (project_id, course_id) VALUES ($1, $2)")
        .bind(project)
        .bind(course)
        .execute(&mut **tx)
        .await?;
    for (n, nda_days) in [(20, 120), (21, 20)] {
        let person: i64 = sqlx::query_scalar("SELECT id FROM persons WHERE email = $1")
            .bind(format!("worker{n:02}@kado.example"))
            .fetch_one(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO access_rosters (site_id, project_id, person_id, valid_from, valid_to, created_at)
             VALUES ($1, $2, $3, $4, NULL, $5)",
        )
        .bind(shiojiri)
        .bind(project)
        .bind(person)
        .bind(day(-90))
        .bind(now.timestamp())
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO access_ndas (site_id, project_id, person_id, signed_on, expires_on, document_ref, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(shiojiri)
        .bind(project)
        .bind(person)
        .bind(day(-90))
        .bind(day(nda_days))
        .bind(format!("NDA-ALPS-{n:03}"))
        .bind(now.timestamp())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The KPI page's own records: this fiscal year's orders on Shiojiri's first project (one
/// given to Omachi), the corporation's costs, and the programme's baselines and targets as
/// the committee's table has them.
async fn kpi_demo(tx: &mut Tx, shiojiri: i64, now: i64) -> anyhow::Result<()> {
    use crate::kpi::store::{NewOrder, TargetRow, insert_order, set_cost, set_target};
    let today = chrono::DateTime::from_timestamp(now, 0)
        .unwrap_or_default()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    let year = crate::kpi::rules::fiscal_year(today);
    let admin: PersonId =
        sqlx::query_scalar("SELECT id FROM persons WHERE is_admin = 1 ORDER BY id")
            .fetch_one(&mut **tx)
            .await?;
    let project: Option<crate::ids::ProjectId> = sqlx::query_scalar(
        "SELECT MIN(p.id) FROM client_projects p JOIN client_companies c ON c.id = p.client_id
          WHERE c.site_id = $1",
    )
    .bind(shiojiri)
    .fetch_one(&mut **tx)
    .await?;
    let omachi: Option<crate::ids::MunicipalityId> =
        sqlx::query_scalar("SELECT id FROM municipalities WHERE code = '202118'")
            .fetch_optional(&mut **tx)
            .await?;
    if let Some(project) = project {
        for (month, amount, given_to) in [
            (4, 1_200_000, None),
            (6, 800_000, omachi),
            (9, 1_500_000, None),
        ] {
            let day = format!("{year}-{month:02}-15");
            if day.as_str() > today.to_string().as_str() {
                continue;
            }
            let order = NewOrder {
                project,
                ordered_on: &day,
                amount,
                given_to,
                note: "demo",
            };
            insert_order(tx, &order, admin, now).await?;
        }
    }
    set_cost(tx, (year, 0), 900_000, admin, now).await?;
    for (kpi, baseline, target) in [
        ("earners", 250, 270),
        ("orders_yen", 250_000_000, 262_000_000),
        ("net_yen", 0, 10_000_000),
        ("municipalities", 5, 5),
    ] {
        let row = TargetRow {
            municipality_id: 0,
            kpi: kpi.into(),
            baseline: Some(baseline),
            target: Some(target),
        };
        set_target(tx, year, &row, admin, now).await?;
    }
    Ok(())
}
