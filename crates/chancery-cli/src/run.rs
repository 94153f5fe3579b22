//! Dispatch: one function per command family, each a thin call into `chancery-app`.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use chancery_app::{App, AppError, By};
use chancery_domain::Classification;
use chancery_domain::evidence::{
    EngagementSpec, Grade, IncidentSpec, LegalStatus, MeasureType, PartialDate, PolicySpec,
    SourceKind, SourceSpec, Verification,
};
use chancery_domain::ids::{
    CountryCode, PostCode, SectionKey, TalkingPointId, TaskingRef, Username, VocabCode,
};
use chancery_domain::user::{Actor, Role};
use chancery_domain::workflow::Action;
use chancery_store::{Backend, Capture, OpenMode, Store, redact_url};

use crate::args::*;
use crate::output::{Out, print_findings, print_report, print_tasking};

/// Runs one command.
pub async fn run(cli: Cli) -> Result<ExitCode> {
    let out = Out { json: cli.json };
    match cli.command {
        Command::Serve(args) => {
            let app = open(&cli.database, OpenMode::Existing, false).await?;
            serve(app, &args, &cli.database, cli.report_language).await?;
        }
        Command::Init(c) => {
            let app = open(&cli.database, OpenMode::Create, true).await?;
            let summary = app.load_content(&content_dir(c.content)?).await?;
            out.value(&summary, || {
                say!(
                    "initialised {}: {} posts, {} vocabulary terms, {} tasking(s); add the first admin with `chancery user add NAME --role admin --clearance S`",
                    redact_url(&cli.database),
                    summary.posts,
                    summary.vocabulary_terms,
                    summary.taskings.len()
                )
            })?;
        }
        Command::Migrate => {
            open(&cli.database, OpenMode::Create, true).await?;
            say!("{}: migrations applied", redact_url(&cli.database));
        }
        Command::Content(c) => {
            let app = open(&cli.database, OpenMode::Existing, false).await?;
            let summary = app.load_content(&content_dir(c.content)?).await?;
            out.value(&summary, || {
                for (r, new) in &summary.taskings {
                    say!("{r}: {}", if *new { "imported" } else { "unchanged" });
                }
                say!(
                    "indicator catalogue: {} series, {} indicators ({})",
                    summary.series,
                    summary.indicators,
                    if summary.catalogue_changed {
                        "loaded"
                    } else {
                        "unchanged"
                    }
                );
            })?;
        }
        Command::User(cmd) => user(&cli.database, cli.as_user.as_deref(), cmd, out).await?,
        Command::Post(PostCmd::List) => {
            let app = open(&cli.database, OpenMode::Existing, false).await?;
            let posts = app.store.posts().await?;
            out.value(&posts, || {
                for p in &posts {
                    say!(
                        "{:<10} {:<4} {:<16} {}",
                        p.code,
                        p.country,
                        p.region,
                        p.name
                    );
                }
            })?;
        }
        Command::Tasking(cmd) => tasking(&cli.database, cli.as_user.as_deref(), cmd, out).await?,
        Command::Report(cmd) => report(&cli.database, cli.as_user.as_deref(), cmd, out).await?,
        Command::Import(args) => {
            let (app, actor) = open_as(&cli.database, cli.as_user.as_deref()).await?;
            let report = import_statistics(&app, &actor, &args).await?;
            out.value(&report, || print_import(&report))?;
        }
        Command::Lint(r) => {
            let (app, actor) = open_as(&cli.database, cli.as_user.as_deref()).await?;
            let (t, p) = report_ref(&r)?;
            let findings = app.lint(&actor, &t, &p).await?;
            out.value(&findings, || print_findings(&findings))?;
            if !findings.is_empty() {
                return Ok(ExitCode::from(2));
            }
        }
        Command::Compile(args) => {
            return crate::compile::run(&cli.database, cli.as_user.as_deref(), args, out).await;
        }
        Command::Source(cmd) => source(&cli.database, cli.as_user.as_deref(), cmd, out).await?,
        Command::Incident(cmd) => incident(&cli.database, cli.as_user.as_deref(), cmd, out).await?,
        Command::Engagement(cmd) => {
            engagement(&cli.database, cli.as_user.as_deref(), cmd, out).await?
        }
        Command::Policy(cmd) => policy(&cli.database, cli.as_user.as_deref(), cmd, out).await?,
        Command::Audit(AuditCmd::Verify) => {
            let app = open(&cli.database, OpenMode::Existing, false).await?;
            match app.audit_verify().await? {
                Ok(n) => out.value(&serde_json::json!({"ok": true, "events": n}), || {
                    say!("audit chain intact: {n} events verified")
                })?,
                Err(brk) => {
                    if out.json {
                        say!(
                            "{}",
                            serde_json::json!({"ok": false, "seq": brk.seq, "error": brk.to_string()})
                        );
                    }
                    bail!("{brk}");
                }
            }
        }
        Command::Token(cmd) => token(&cli.database, cli.as_user.as_deref(), cmd, out).await?,
        Command::Search(a) => {
            crate::search::run(
                &cli.database,
                cli.as_user.as_deref(),
                a,
                cli.report_language,
                out,
            )
            .await?
        }
        Command::Demo(d) => demo(&cli.database, d, cli.report_language, out).await?,
        Command::Export { output } => {
            let app = open(&cli.database, OpenMode::Existing, false).await?;
            let rows = match &output {
                Some(path) => export_to(&app.store, path).await?,
                None => {
                    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
                    app.store.export(&mut stdout).await?
                }
            };
            if let Some(path) = output {
                say!("exported {rows} rows to {}", path.display());
            }
        }
        Command::ImportAll { file } => {
            let app = open(&cli.database, OpenMode::Create, true).await?;
            let summary = import_file(&app, &file).await?;
            say!(
                "imported {} rows into {} tables; audit chain intact",
                summary.rows,
                summary.tables
            );
        }
        Command::Backup { output } => {
            let app = open(&cli.database, OpenMode::Existing, false).await?;
            match app.store.backend() {
                Backend::Sqlite => {
                    app.store.backup_sqlite(&output).await?;
                    say!(
                        "backed up {} to {}",
                        redact_url(&cli.database),
                        output.display()
                    );
                }
                Backend::Postgres => {
                    let rows = export_to(&app.store, &output).await?;
                    say!(
                        "exported {rows} rows to {} (restore with `chancery restore`)",
                        output.display()
                    );
                }
            }
        }
        Command::Restore { file, force } => restore(&cli.database, &file, force).await?,
        Command::GrantAppRole { role } => {
            let app = open(&cli.database, OpenMode::Existing, false).await?;
            app.store.grant_app_role(&role).await?;
            say!(
                "{role}: may read and write; may not update, delete or truncate {}",
                chancery_store::APPEND_ONLY.join(", ")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn open(url: &str, mode: OpenMode, migrate: bool) -> Result<App> {
    let store = Store::open(url, mode).await?;
    if migrate {
        store.migrate().await?;
    } else {
        store.check_schema().await?;
    }
    Ok(App::new(store))
}

pub(crate) async fn open_as(url: &str, as_user: Option<&str>) -> Result<(App, Actor)> {
    let Some(name) = as_user else {
        bail!("this command acts as a user: pass --as USERNAME (see `chancery user list`)");
    };
    let app = open(url, OpenMode::Existing, false).await?;
    let actor = app.actor(name).await?;
    Ok((app, actor))
}

/// The content folder: the flag, else ./content, else the one next to the sources.
fn content_dir(flag: Option<PathBuf>) -> Result<PathBuf> {
    let candidates = match flag {
        Some(p) => vec![p],
        None => vec![
            PathBuf::from("content"),
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content"),
        ],
    };
    for c in &candidates {
        if c.join("posts.toml").is_file() {
            return Ok(c.clone());
        }
    }
    Err(anyhow!(
        "no content folder found (looked for posts.toml in {}): pass --content DIR",
        candidates
            .iter()
            .map(|c| c.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

fn invalid(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("{e}")
}

fn report_ref(r: &ReportRef) -> Result<(TaskingRef, PostCode)> {
    Ok((
        TaskingRef::parse(&r.reference).map_err(invalid)?,
        PostCode::parse(&r.post).map_err(invalid)?,
    ))
}

fn source_id(s: &str, field: &str) -> Result<i64> {
    s.trim()
        .strip_prefix('S')
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            anyhow!("{field}: {s:?} is not a source id: expected S followed by a number, e.g. S12")
        })
}

fn marking(s: &str) -> Result<Classification> {
    Classification::parse(s).map_err(|e| anyhow!("--marking: {e}"))
}

fn opt_date(s: &Option<String>, field: &str) -> Result<Option<PartialDate>> {
    s.as_deref()
        .map(PartialDate::parse)
        .transpose()
        .map_err(|e| anyhow!("{field}: {e}"))
}

async fn user(db: &str, as_user: Option<&str>, cmd: UserCmd, out: Out) -> Result<()> {
    match cmd {
        UserCmd::Add {
            username,
            role,
            clearance,
            post,
            password_stdin,
        } => {
            let app = open(db, OpenMode::Existing, false).await?;
            let by = match as_user {
                Some(name) => Some(app.actor(name).await?),
                None => None,
            };
            let role: Role = role.parse().map_err(|e| anyhow!("--role: {e}"))?;
            let clearance =
                Classification::parse(&clearance).map_err(|e| anyhow!("--clearance: {e}"))?;
            let post = post
                .as_deref()
                .map(PostCode::parse)
                .transpose()
                .map_err(|e| anyhow!("--post: {e}"))?;
            let new = Actor::new(
                Username::parse(&username).map_err(invalid)?,
                role,
                clearance,
                post,
            )
            .map_err(invalid)?;
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("while reading the password from stdin")?;
                (line.trim_end_matches(['\n', '\r']).to_string(), false)
            } else {
                (chancery_app::random_password()?, true)
            };
            app.add_user(by.as_ref(), &new, Some(&password)).await?;
            if generated {
                say!(
                    "added {} ({}, clearance {}); password (shown once): {password}",
                    new.username,
                    new.role,
                    new.clearance
                );
            } else {
                say!(
                    "added {} ({}, clearance {})",
                    new.username,
                    new.role,
                    new.clearance
                );
            }
        }
        UserCmd::List => {
            let (app, actor) = open_as(db, as_user).await?;
            if actor.role != Role::Admin {
                bail!("not allowed: only an admin may list accounts");
            }
            let users: Vec<serde_json::Value> = app
                .store
                .users()
                .await?
                .into_iter()
                .map(|u| {
                    serde_json::json!({"username": u.actor.username, "role": u.actor.role, "clearance": u.actor.clearance,
                        "post": u.actor.post, "active": u.active})
                })
                .collect();
            out.value(&users, || {
                for u in &users {
                    say!(
                        "{:<22} {:<14} {:<4} {}",
                        u["username"].as_str().unwrap_or(""),
                        u["role"].as_str().unwrap_or(""),
                        u["clearance"].as_str().unwrap_or(""),
                        u["post"].as_str().unwrap_or("-")
                    );
                }
            })?;
        }
    }
    Ok(())
}

async fn tasking(db: &str, as_user: Option<&str>, cmd: TaskingCmd, out: Out) -> Result<()> {
    let (app, actor) = open_as(db, as_user).await?;
    match cmd {
        TaskingCmd::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("while reading {}", file.display()))?;
            let (r, outcome) = app
                .import_tasking(By::User(&actor), &file.display().to_string(), &text)
                .await?;
            say!(
                "{r}: {}",
                if outcome == chancery_store::TaskingImport::Created {
                    "imported as draft"
                } else {
                    "unchanged (already imported)"
                }
            );
        }
        TaskingCmd::Issue { reference } => {
            let r = TaskingRef::parse(&reference).map_err(invalid)?;
            app.issue_tasking(By::User(&actor), &r).await?;
            say!("{r}: issued");
        }
        TaskingCmd::List => {
            let list = app.list_taskings(&actor).await?;
            out.value(&list, || {
                for t in &list {
                    let done = t
                        .completeness
                        .iter()
                        .filter(|c| c.status == "transmitted" || c.status == "accepted")
                        .count();
                    say!(
                        "{}  {:<7} due {}  {}/{} transmitted  {}",
                        t.tasking.reference,
                        t.status.code(),
                        chancery_domain::dates::format(t.tasking.due),
                        done,
                        t.completeness.len(),
                        t.tasking.subject
                    );
                }
            })?;
        }
        TaskingCmd::Show { reference } => {
            let r = TaskingRef::parse(&reference).map_err(invalid)?;
            let view = app.show_tasking(&actor, &r).await?;
            out.value(&view, || print_tasking(&view))?;
        }
    }
    Ok(())
}

async fn report(db: &str, as_user: Option<&str>, cmd: ReportCmd, out: Out) -> Result<()> {
    let (app, actor) = open_as(db, as_user).await?;
    let act = async |r: &ReportRef, action: Action| -> Result<()> {
        let (t, p) = report_ref(r)?;
        let row = app.act(&actor, &t, &p, &action).await?;
        say!("{t} {p}: {} (version {})", row.status, row.version_no);
        Ok(())
    };
    match cmd {
        ReportCmd::New(r) => {
            let (t, p) = report_ref(&r)?;
            app.new_report(&actor, &t, &p).await?;
            say!("{t} {p}: draft started");
        }
        ReportCmd::Show(r) => {
            let (t, p) = report_ref(&r)?;
            let view = app.show_report(&actor, &t, &p).await?;
            out.value(&view, || print_report(&view))?;
        }
        ReportCmd::Edit {
            report,
            section,
            file,
            revision,
        } => {
            let (t, p) = report_ref(&report)?;
            let key = SectionKey::parse(&section).map_err(invalid)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("while reading {}", file.display()))?;
            let (rev, findings) = app
                .save_section(&actor, &t, &p, &key, &text, revision)
                .await
                .map_err(|e| anyhow!("{}: {e}", file.display()))?;
            out.value(
                &serde_json::json!({"revision": rev, "findings": findings}),
                || {
                    say!("{t} {p} {key}: saved revision {rev}");
                    print_findings(&findings);
                },
            )?;
        }
        ReportCmd::Submit(r) => act(&r, Action::Submit).await?,
        ReportCmd::Clear(r) => act(&r, Action::Clear).await?,
        ReportCmd::Transmit {
            report,
            override_reason,
        } => act(&report, Action::Transmit { override_reason }).await?,
        ReportCmd::Accept(r) => act(&r, Action::Accept).await?,
        ReportCmd::Return { report, reason } => act(&report, Action::Return { reason }).await?,
        ReportCmd::Comment {
            report,
            section,
            text,
        } => {
            let (t, p) = report_ref(&report)?;
            let key = section
                .as_deref()
                .map(SectionKey::parse)
                .transpose()
                .map_err(invalid)?;
            app.comment(&actor, &t, &p, key.as_ref(), &text).await?;
            say!("{t} {p}: comment added");
        }
    }
    Ok(())
}

async fn source(db: &str, as_user: Option<&str>, cmd: SourceCmd, out: Out) -> Result<()> {
    let (app, actor) = open_as(db, as_user).await?;
    match cmd {
        SourceCmd::Add(a) => {
            let spec = SourceSpec {
                kind: SourceKind::parse(&a.kind).map_err(|e| anyhow!("--kind: {e}"))?,
                publisher: a.publisher,
                title: a.title,
                url: a.url,
                published: opt_date(&a.published, "--published")?,
                language: a.language,
                marking: marking(&a.marking)?,
                derived_from: a
                    .derived_from
                    .as_deref()
                    .map(|s| source_id(s, "--derived-from"))
                    .transpose()?,
            };
            let capture = match &a.capture {
                Some(path) => Some(Capture {
                    name: path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    media_type: "application/octet-stream".into(),
                    bytes: std::fs::read(path)
                        .with_context(|| format!("while reading --capture {}", path.display()))?,
                }),
                None => None,
            };
            let id = app.add_source(&actor, &spec, capture.as_ref()).await?;
            let row = app.visible_source(&actor, id).await?;
            say!(
                "S{id}: recorded (grade F6 until graded){}",
                row.capture_sha256
                    .map(|h| format!("; capture sha256 {h}"))
                    .unwrap_or_default()
            );
        }
        SourceCmd::Grade {
            source,
            grade,
            rationale,
        } => {
            let id = source_id(&source, "source")?;
            let grade = Grade::parse(&grade).map_err(|e| anyhow!("grade {grade:?}: {e}"))?;
            app.grade_source(&actor, id, grade, &rationale).await?;
            say!("S{id}: graded {grade} by {}", actor.username);
        }
        SourceCmd::List => {
            let list = app.list_sources(&actor).await?;
            let rows: Vec<serde_json::Value> = list
                .iter()
                .map(|s| {
                    serde_json::json!({"id": format!("S{}", s.id), "spec": s.spec, "grade": s.grade.to_string(),
                        "graded_by": s.graded_by, "grade_rationale": s.grade_rationale, "capture_sha256": s.capture_sha256})
                })
                .collect();
            out.value(&rows, || {
                for s in &list {
                    say!(
                        "S{:<4} {}  {}: {}",
                        s.id,
                        s.grade,
                        s.spec.publisher,
                        s.spec.title
                    );
                }
            })?;
        }
    }
    Ok(())
}

async fn incident(
    db: &str,
    as_user: Option<&str>,
    cmd: RecordCmd<IncidentArgs>,
    out: Out,
) -> Result<()> {
    let (app, actor) = open_as(db, as_user).await?;
    match cmd {
        RecordCmd::Add(a) => {
            let spec = IncidentSpec {
                post: PostCode::parse(&a.post).map_err(|e| anyhow!("--post: {e}"))?,
                occurred: PartialDate::parse(&a.occurred)
                    .map_err(|e| anyhow!("--occurred: {e}"))?,
                occurred_until: opt_date(&a.until, "--until")?,
                country: CountryCode::parse(&a.country).map_err(|e| anyhow!("--country: {e}"))?,
                region: a.region,
                locality: a.locality,
                category: VocabCode::parse(&a.category).map_err(|e| anyhow!("--category: {e}"))?,
                victims: a.victims,
                suspects: a.suspects,
                legal_status: LegalStatus::parse(&a.legal_status)
                    .map_err(|e| anyhow!("--legal-status: {e}"))?,
                verification: Verification::parse(&a.verification)
                    .map_err(|e| anyhow!("--verification: {e}"))?,
                summary: a.summary,
                marking: marking(&a.marking)?,
                sources: a
                    .sources
                    .iter()
                    .map(|s| source_id(s, "--source"))
                    .collect::<Result<_>>()?,
            };
            let id = app.add_incident(&actor, &spec).await?;
            say!("INC{id}: recorded");
        }
        RecordCmd::List => {
            let list = app.list_incidents(&actor).await?;
            let rows: Vec<serde_json::Value> = list
                .iter()
                .map(|i| serde_json::json!({"id": format!("INC{}", i.id), "incident": i.spec}))
                .collect();
            out.value(&rows, || {
                for i in &list {
                    say!(
                        "INC{:<4} {} {} {} ({})",
                        i.id,
                        i.spec.occurred,
                        i.spec.country,
                        i.spec.category,
                        i.spec.verification
                    );
                }
            })?;
        }
    }
    Ok(())
}

async fn engagement(
    db: &str,
    as_user: Option<&str>,
    cmd: RecordCmd<EngagementArgs>,
    out: Out,
) -> Result<()> {
    let (app, actor) = open_as(db, as_user).await?;
    match cmd {
        RecordCmd::Add(a) => {
            let spec = EngagementSpec {
                post: PostCode::parse(&a.post).map_err(|e| anyhow!("--post: {e}"))?,
                tasking: a
                    .tasking
                    .as_deref()
                    .map(TaskingRef::parse)
                    .transpose()
                    .map_err(|e| anyhow!("--tasking: {e}"))?,
                date: chancery_domain::dates::parse(&a.date).map_err(|e| anyhow!("--date: {e}"))?,
                host_office: a.host_office,
                official_title: a.official_title,
                talking_points: a
                    .talking_points
                    .iter()
                    .map(|t| TalkingPointId::parse(t).map_err(|e| anyhow!("--tp: {e}")))
                    .collect::<Result<_>>()?,
                host_response: a.response,
                follow_up: a.follow_up,
                marking: marking(&a.marking)?,
            };
            let id = app.add_engagement(&actor, &spec).await?;
            say!("ENG{id}: recorded (engagements are never evidence)");
        }
        RecordCmd::List => {
            let list = app.list_engagements(&actor).await?;
            let rows: Vec<serde_json::Value> = list
                .iter()
                .map(|e| serde_json::json!({"id": format!("ENG{}", e.id), "engagement": e.spec}))
                .collect();
            out.value(&rows, || {
                for e in &list {
                    say!(
                        "ENG{:<4} {} {} {}: {}",
                        e.id,
                        chancery_domain::dates::format(e.spec.date),
                        e.spec.post,
                        e.spec.host_office,
                        e.spec.official_title
                    );
                }
            })?;
        }
    }
    Ok(())
}

async fn policy(
    db: &str,
    as_user: Option<&str>,
    cmd: RecordCmd<PolicyArgs>,
    out: Out,
) -> Result<()> {
    let (app, actor) = open_as(db, as_user).await?;
    match cmd {
        RecordCmd::Add(a) => {
            let spec = PolicySpec {
                country: CountryCode::parse(&a.country).map_err(|e| anyhow!("--country: {e}"))?,
                title: a.title,
                measure_type: MeasureType::parse(&a.measure_type)
                    .map_err(|e| anyhow!("--type: {e}"))?,
                announced: opt_date(&a.announced, "--announced")?,
                in_force: opt_date(&a.in_force, "--in-force")?,
                description: a.description,
                source: a
                    .source
                    .as_deref()
                    .map(|s| source_id(s, "--source"))
                    .transpose()?,
                targets: Vec::new(),
                marking: marking(&a.marking)?,
            };
            let id = app.add_policy(&actor, &spec).await?;
            say!("PM{id}: recorded");
        }
        RecordCmd::List => {
            let list = app.list_policies(&actor).await?;
            let rows: Vec<serde_json::Value> = list
                .iter()
                .map(|p| serde_json::json!({"id": format!("PM{}", p.id), "policy": p.spec}))
                .collect();
            out.value(&rows, || {
                for p in &list {
                    let when = p
                        .spec
                        .in_force
                        .as_ref()
                        .or(p.spec.announced.as_ref())
                        .map(|d| d.to_string())
                        .unwrap_or_default();
                    say!(
                        "PM{:<4} {} {:<10} {}",
                        p.id,
                        p.spec.country,
                        when,
                        p.spec.title
                    );
                }
            })?;
        }
    }
    Ok(())
}

async fn token(db: &str, as_user: Option<&str>, cmd: TokenCmd, out: Out) -> Result<()> {
    let (app, actor) = open_as(db, as_user).await?;
    match cmd {
        TokenCmd::Create { label } => {
            let created = chancery_web::api::create_token(&app, &actor, &label).await?;
            let value = serde_json::json!({"id": created.id, "label": label.trim(), "token": created.secret});
            out.value(&value, || {
                say!("{}", created.secret);
                say!(
                    "token {} for {}: shown this once (only its hash is kept); send it as `Authorization: Bearer <token>`; revoke with `chancery token revoke {}`",
                    created.id,
                    actor.username,
                    created.id
                );
            })?;
        }
        TokenCmd::Revoke { id } => {
            chancery_web::api::revoke_token(&app, &actor, id).await?;
            say!("token {id} revoked");
        }
        TokenCmd::List => {
            let rows = app.store.api_tokens(&actor.username).await?;
            let values: Vec<serde_json::Value> = rows
                .iter()
                .map(|t| {
                    serde_json::json!({"id": t.id, "label": t.label, "created_at": t.created_at,
                        "last_used_at": t.last_used_at, "revoked_at": t.revoked_at})
                })
                .collect();
            out.value(&values, || {
                if rows.is_empty() {
                    say!("no tokens: create one with `chancery token create --label L`");
                }
                for t in &rows {
                    let state = match &t.revoked_at {
                        Some(at) => format!("revoked {at}"),
                        None => {
                            format!("last used {}", t.last_used_at.as_deref().unwrap_or("never"))
                        }
                    };
                    say!(
                        "{:<5} {:<30} created {}  {state}",
                        t.id,
                        t.label,
                        t.created_at
                    );
                }
            })?;
        }
    }
    Ok(())
}

async fn demo(db: &str, d: DemoArgs, lang: chancery_search::Lang, out: Out) -> Result<()> {
    let dir = content_dir(d.content)?;
    replace_previous_demo(db).await?;
    let app = open(db, OpenMode::Create, true).await?;
    let summary = app
        .build_demo(&dir)
        .await
        .map_err(|e: AppError| anyhow!("while building the demo: {e}"))?;
    app.store
        .record(&chancery_store::AuditRecord::new(
            "system",
            "demo.build",
            "database",
            redact_url(db),
            serde_json::json!({}),
        ))
        .await?;
    let hq = app.actor("hq.editor").await?;
    let view = app.show_tasking(&hq, &summary.tasking).await?;
    out.value(
        &serde_json::json!({"summary": summary, "tasking": view}),
        || {
            let db = redact_url(db);
            say!("Chancery demo database: {db}");
            say!();
            print_tasking(&view);
            say!();
            say!("Demo logins (passwords are shown only now):");
            for u in &summary.users {
                say!(
                    "  {:<22} {:<14} {:<4} {:<10} {}",
                    u.username,
                    u.role,
                    u.clearance,
                    u.post.as_deref().unwrap_or("-"),
                    u.password
                );
            }
            say!();
            say!("Try:");
            say!(
                "  chancery --database {db} --as hq.editor tasking show {}",
                summary.tasking
            );
            say!(
                "  chancery --database {db} --as hq.editor report show {} OTTAWA",
                summary.tasking
            );
            say!(
                "  chancery --database {db} --as london.drafter lint {} LONDON",
                summary.tasking
            );
            say!("  chancery --database {db} audit verify");
        },
    )?;
    if !d.no_serve {
        serve(app, &d.serve, db, lang).await?;
    }
    Ok(())
}

/// The demo starts from a fresh database. It replaces a database only if that database was
/// itself built by the demo; anything else is refused, never overwritten.
async fn replace_previous_demo(db: &str) -> Result<()> {
    let Some(path) = db
        .strip_prefix("sqlite://")
        .or_else(|| db.strip_prefix("sqlite:"))
    else {
        // A server database is never dropped by the demo: it must be empty (checked on build).
        return Ok(());
    };
    let path = Path::new(path.split('?').next().unwrap_or(path));
    if !path.exists() {
        return Ok(());
    }
    let store = Store::open(db, OpenMode::Existing).await?;
    let events = store.audit_events().await.unwrap_or_default();
    store.close().await;
    if !events.iter().any(|e| e.action == "demo.build") {
        bail!(
            "{} already exists and was not built by the demo: refusing to replace it; pass another --database (e.g. sqlite:chancery-demo.db)",
            path.display()
        );
    }
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| {
                format!("while removing the previous demo database {}", p.display())
            })?;
        }
    }
    Ok(())
}

/// Exports to a new file, written under a temporary name and renamed when complete, so a
/// failed export never leaves a file that looks whole.
async fn export_to(store: &Store, path: &Path) -> Result<u64> {
    if path.exists() {
        bail!("{} already exists: choose a new file", path.display());
    }
    let tmp = PathBuf::from(format!("{}.partial", path.display()));
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("while creating {}", tmp.display()))?;
    let mut w = std::io::BufWriter::new(file);
    let rows = match store.export(&mut w).await {
        Ok(rows) => rows,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
    };
    w.into_inner()
        .map_err(|e| anyhow!("while writing {}: {}", tmp.display(), e.error()))?
        .sync_all()
        .with_context(|| format!("while writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("while renaming {} to {}", tmp.display(), path.display()))?;
    Ok(rows)
}

/// Imports an export file, then checks the audit chain it brought.
async fn import_file(app: &App, file: &Path) -> Result<chancery_store::ImportSummary> {
    let f =
        std::fs::File::open(file).with_context(|| format!("while opening {}", file.display()))?;
    let summary = app
        .store
        .import_all(std::io::BufReader::new(f))
        .await
        .map_err(|e| anyhow!("{}: {e}", file.display()))?;
    if let Err(brk) = app.audit_verify().await? {
        bail!(
            "{}: imported, but the audit chain does not verify: {brk}",
            file.display()
        );
    }
    Ok(summary)
}

/// Restores a backup. Into SQLite: an SQLite backup file is copied, the copy checked (schema,
/// audit chain) and swapped in by rename; an export is imported in one transaction, into the
/// database itself if it is empty, else into a temporary file swapped in when complete. So a
/// failed restore leaves the target as it was (and creates none), and the backup file is only
/// ever read. A database in use is replaced only with `--force`. Into PostgreSQL: an export,
/// into an empty database.
async fn restore(db: &str, file: &Path, force: bool) -> Result<()> {
    if !file.exists() {
        bail!("{} does not exist", file.display());
    }
    let mut magic = [0u8; 16];
    let is_sqlite_file = std::fs::File::open(file)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok()
        && &magic == b"SQLite format 3\0";
    let target = db
        .strip_prefix("sqlite://")
        .or_else(|| db.strip_prefix("sqlite:"))
        .map(|p| PathBuf::from(p.split('?').next().unwrap_or(p)));
    let Some(target) = target else {
        if is_sqlite_file {
            bail!(
                "{} is an SQLite backup; to move it to PostgreSQL, `chancery --database sqlite:{} export` and `import-all` the export",
                file.display(),
                file.display()
            );
        }
        if force {
            bail!(
                "--force cannot empty a PostgreSQL database (its audit table is append-only): restore into a freshly created database"
            );
        }
        let app = open(db, OpenMode::Create, true).await?;
        let summary = import_file(&app, file).await?;
        say!(
            "restored {} rows into {} tables",
            summary.rows,
            summary.tables
        );
        return Ok(());
    };
    let exists = target.exists();
    let in_use = exists && holds_data(db).await?;
    if in_use && !force {
        bail!(
            "{} is not empty: refusing to overwrite it; pass --force to replace it with the backup",
            target.display()
        );
    }
    let tmp = PathBuf::from(format!("{}.restoring", target.display()));
    if is_sqlite_file {
        remove_sqlite_files(&tmp)?;
        std::fs::copy(file, &tmp)
            .with_context(|| format!("while copying the backup to {}", tmp.display()))?;
        let checked = match check_backup(&tmp, file).await {
            Ok(events) => swap_in(&tmp, &target).map(|()| events),
            Err(e) => Err(e),
        };
        let events = checked.inspect_err(|_| {
            let _ = remove_sqlite_files(&tmp);
        })?;
        say!(
            "restored {} from {} ({events} audit events verified)",
            target.display(),
            file.display()
        );
        return Ok(());
    }
    // An export file.
    if exists && !in_use {
        let app = open(db, OpenMode::Existing, false).await?;
        let imported = import_file(&app, file).await;
        app.store.close().await;
        let summary = imported?;
        say!(
            "restored {} rows into {} tables",
            summary.rows,
            summary.tables
        );
        return Ok(());
    }
    remove_sqlite_files(&tmp)?;
    let fresh = open(&format!("sqlite:{}", tmp.display()), OpenMode::Create, true).await?;
    let imported = import_file(&fresh, file).await;
    fresh.store.close().await;
    let summary = imported
        .and_then(|summary| swap_in(&tmp, &target).map(|()| summary))
        .inspect_err(|_| {
            let _ = remove_sqlite_files(&tmp);
        })?;
    say!("restored {} rows into {}", summary.rows, target.display());
    Ok(())
}

/// Whether the SQLite database at `url` (at this binary's schema) records any audit event.
async fn holds_data(url: &str) -> Result<bool> {
    let current = open(url, OpenMode::Existing, false).await?;
    let events = current.store.audit_events().await;
    current.store.close().await;
    Ok(!events?.is_empty())
}

/// Checks a copy of an SQLite backup: a Chancery database at this binary's schema whose audit
/// chain verifies. Returns the number of audit events. Errors name the backup `file`.
async fn check_backup(copy: &Path, file: &Path) -> Result<u64> {
    let backup = open(
        &format!("sqlite:{}", copy.display()),
        OpenMode::Existing,
        false,
    )
    .await
    .with_context(|| format!("{} is not a usable Chancery backup", file.display()))?;
    let verdict = backup.audit_verify().await;
    backup.store.close().await;
    match verdict? {
        Ok(events) => Ok(events),
        Err(brk) => bail!(
            "{}: the backup's audit chain does not verify: {brk}",
            file.display()
        ),
    }
}

/// Moves a complete, closed database file over `target`, removing the target's `-wal` and
/// `-shm` first so they cannot be replayed into the restored file.
fn swap_in(tmp: &Path, target: &Path) -> Result<()> {
    for suffix in ["-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", target.display()));
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("while removing {}", p.display()))?;
        }
    }
    std::fs::rename(tmp, target).with_context(|| {
        format!(
            "while moving the restored database into {}",
            target.display()
        )
    })
}

/// Removes an SQLite database file and its `-wal` and `-shm` companions, where present.
fn remove_sqlite_files(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("while removing {}", p.display()))?;
        }
    }
    Ok(())
}

/// Serves the web UI until Ctrl-C.
async fn serve(app: App, args: &ServeArgs, db: &str, lang: chancery_search::Lang) -> Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,tower_http=info,sqlx=warn")
            }),
        )
        .with_writer(std::io::stderr)
        // Colour only on a terminal: logs piped to a file or a collector stay plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let config = chancery_web::WebConfig {
        secure_cookies: args.secure_cookies,
        max_body_bytes: args.max_body_bytes,
        reuse_pages: !args.no_page_reuse,
        ..chancery_web::WebConfig::default()
    };
    let state = chancery_web::AppState::new(app, config)?.with_search(crate::search::open_index(
        db,
        args.search_index.clone(),
        lang,
    )?);
    chancery_web::serve(state, args.bind, |addr| {
        say!("Chancery is serving on http://{addr}/ (Ctrl-C to stop)");
    })
    .await
}

async fn import_statistics(
    app: &App,
    actor: &Actor,
    args: &ImportArgs,
) -> Result<chancery_app::StatsImportReport> {
    let format: chancery_stats::Format =
        args.format.parse().map_err(|e| anyhow!("--format: {e}"))?;
    let mut options = chancery_stats::ImportOptions::default();
    if let Some(dim) = &args.country_dim {
        options.country = chancery_stats::CountrySpec::Column(dim.clone());
    }
    if let Some(code) = &args.country {
        let country: chancery_stats::Country =
            code.parse().map_err(|e| anyhow!("--country: {e}"))?;
        options.country = chancery_stats::CountrySpec::Fixed(country);
    }
    if let Some(path) = &args.country_map {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("while reading --country-map {}", path.display()))?;
        options.country_map = chancery_stats::CountryMap::parse(&text)
            .map_err(|e| anyhow!("--country-map {}: {e}", path.display()))?;
    }
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("while reading {}", args.file.display()))?
        .len();
    // A progress bar (bytes read, observations stored) on a terminal; nothing when stderr is
    // redirected. The file is streamed: the bar advances as the importer's parser reads it.
    let bar = indicatif::ProgressBar::new(size).with_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} importing {bytes}/{total_bytes} ({bytes_per_sec}), {msg} {wide_bar}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("while opening {}", args.file.display()))?;
    let input = bar.wrap_read(file);
    let report = app
        .import_statistics_from(
            By::User(actor),
            &args.file.display().to_string(),
            input,
            format,
            &options,
            args.dry_run,
            &|n| bar.set_message(format!("{n} observations")),
        )
        .await;
    bar.finish_and_clear();
    Ok(report?)
}

fn print_import(r: &chancery_app::StatsImportReport) {
    say!(
        "{}{} ({}, sha256 {}): {} rows read, {} observations: {} imported, {} unchanged, {} skipped",
        if r.dry_run { "dry run: " } else { "" },
        r.file,
        r.format,
        r.sha256.get(..12).unwrap_or(""),
        r.rows_read,
        r.observations,
        r.imported,
        r.unchanged,
        r.skipped.iter().map(|s| s.count).sum::<u64>()
    );
    for s in &r.skipped {
        let lines: Vec<String> = s.examples.iter().map(u64::to_string).collect();
        say!(
            "  skipped {:>8}  {} (e.g. line {})",
            s.count,
            s.reason,
            lines.join(", ")
        );
    }
    if let Some(v) = r.vintage {
        say!("  recorded as vintage {v}");
    }
}
