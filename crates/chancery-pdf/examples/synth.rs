//! Synthetic data for `bench/compile.sh`.
//!
//! `synth gen DB POSTS`: a fresh SQLite database with POSTS posts, one tasking of 8 sections
//! addressed to all of them, a pool of 200 graded sources, and one accepted report per post
//! (about 2,000 words and 20 citations each), all through the real use cases.
//!
//! `synth render DB FORMAT OUT [--no-charts]`: compiles the tasking as HQ, adds 5 simple SVG
//! line charts per post (drawn by `chancery_stats::chart`, as the indicators part's are) to the
//! indicators part (the synthetic tasking's template asks for no indicators), and
//! writes FORMAT (`html`, `pdf` or `md`) to OUT.

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use chancery_app::{App, By};
use chancery_compile::model::Chart;
use chancery_compile::{Format, Options};
use chancery_domain::Classification;
use chancery_domain::evidence::{Grade, PartialDate, SourceKind, SourceSpec};
use chancery_domain::ids::{CountryCode, PostCode, SectionKey, TaskingRef, Username};
use chancery_domain::post::{Post, PostKind};
use chancery_domain::user::{Actor, Role};
use chancery_domain::workflow::Action;
use chancery_stats::chart::{LineChart, Series};
use chancery_store::{OpenMode, Store};

type Res<T> = Result<T, Box<dyn Error>>;

const TASKING: &str = "SYN-2026-0001";
const SOURCES: usize = 200;
const SECTIONS: [&str; 8] = [
    "summary",
    "migration_flows_policy",
    "public_safety",
    "human_rights",
    "housing_labour",
    "equality_before_law",
    "host_engagement",
    "assessment",
];
const WORDS: [&str; 40] = [
    "the",
    "ministry",
    "reported",
    "asylum",
    "claims",
    "rose",
    "in",
    "region",
    "while",
    "housing",
    "starts",
    "fell",
    "according",
    "to",
    "official",
    "statistics",
    "and",
    "courts",
    "processed",
    "appeals",
    "within",
    "months",
    "police",
    "recorded",
    "offences",
    "against",
    "residents",
    "of",
    "all",
    "backgrounds",
    "policy",
    "targets",
    "were",
    "revised",
    "after",
    "consultation",
    "with",
    "provincial",
    "authorities",
    "labour",
];

/// A small deterministic generator (no dependency, same text every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.0 >> 33).unwrap_or(0)
    }
}

fn post_code(i: usize) -> Res<PostCode> {
    Ok(PostCode::parse(&format!("P{i:03}"))?)
}

fn country(i: usize) -> Res<CountryCode> {
    let a = char::from(b'A' + u8::try_from(i / 26 % 26)?);
    let b = char::from(b'A' + u8::try_from(i % 26)?);
    Ok(CountryCode::parse(&format!("Q{a}{b}"))?)
}

fn actor(name: &str, role: Role, post: Option<PostCode>) -> Res<Actor> {
    Ok(Actor::new(
        Username::parse(name)?,
        role,
        Classification::Secret,
        post,
    )?)
}

/// One section: 3 paragraphs of about 80 words, 2–3 citations in all.
fn section_text(rng: &mut Lcg, cites: &mut usize) -> String {
    let mut out = String::new();
    for p in 0..3 {
        let marking = if rng.next().is_multiple_of(4) {
            "(SBU)"
        } else {
            "(U)"
        };
        let mut para = format!("{marking} ");
        for w in 0..80 {
            para.push_str(WORDS[rng.next() % WORDS.len()]);
            para.push(if w % 13 == 12 { '.' } else { ' ' });
            if w % 13 == 12 {
                para.push(' ');
            }
        }
        if *cites < 20 && (p < 2 || *cites < 17) {
            let _ = write!(
                para,
                "rose by {} percent [@S{}]",
                3 + rng.next() % 40,
                1 + rng.next() % SOURCES
            );
            *cites += 1;
        }
        para.push_str(".\n\n");
        out.push_str(&para);
    }
    out
}

async fn generate(db: &Path, posts: usize) -> Res<()> {
    let store = Store::open_path(db, OpenMode::Create).await?;
    store.migrate().await?;
    let app = App::new(store);
    let admin = actor("admin", Role::Admin, None)?;
    app.add_user(None, &admin, None).await?;
    let mut list = Vec::new();
    for i in 0..posts {
        list.push(Post {
            code: post_code(i)?,
            name: format!("Embassy {i}"),
            kind: PostKind::Embassy,
            country: country(i)?,
            region: "Synthetic".into(),
        });
    }
    app.upsert_posts(By::User(&admin), &list).await?;
    let hq = actor("hq.editor", Role::HqEditor, None)?;
    app.add_user(Some(&admin), &hq, None).await?;
    let mut toml = format!(
        "reference = \"{TASKING}\"\nsubject = \"Synthetic benchmark tasking\"\nclassification = \"SBU\"\nissuing_office = \"HQ\"\ndue = 2027-01-31\ntags = [\"PHUM\"]\naddressees = [{}]\nbody = \"(U) Report.\"\n",
        (0..posts)
            .map(|i| format!("\"P{i:03}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for key in SECTIONS {
        let _ = write!(
            toml,
            "\n[[sections]]\nkey = \"{key}\"\ntitle = \"Section {key}\"\nguidance = \"Write it.\"\n"
        );
    }
    let (tasking, _) = app
        .import_tasking(By::User(&hq), "synth.toml", &toml)
        .await?;
    app.issue_tasking(By::User(&hq), &tasking).await?;
    for s in 1..=SOURCES {
        let spec = SourceSpec {
            kind: SourceKind::OfficialStatistics,
            publisher: format!("Statistics office {}", s % 17),
            title: format!("Table {s}: population and migration"),
            url: Some(format!("https://stats.example.org/table/{s}")),
            published: Some(PartialDate::parse("2025-06")?),
            language: "en".into(),
            marking: Classification::Unclassified,
            derived_from: None,
        };
        let capture = chancery_store::Capture {
            name: "table.csv".into(),
            media_type: "text/csv".into(),
            bytes: format!("table,{s}\n").into_bytes(),
        };
        let id = app.add_source(&hq, &spec, Some(&capture)).await?;
        app.grade_source(&hq, id, Grade::parse("B2")?, "Official table.")
            .await?;
    }
    let mut rng = Lcg(42);
    for i in 0..posts {
        let post = post_code(i)?;
        let lower = post.as_str().to_ascii_lowercase();
        let drafter = actor(
            &format!("{lower}.drafter"),
            Role::PostDrafter,
            Some(post.clone()),
        )?;
        let approver = actor(
            &format!("{lower}.approver"),
            Role::PostApprover,
            Some(post.clone()),
        )?;
        app.add_user(Some(&admin), &drafter, None).await?;
        app.add_user(Some(&admin), &approver, None).await?;
        app.new_report(&drafter, &tasking, &post).await?;
        let mut cites = 0;
        for key in SECTIONS {
            let text = section_text(&mut rng, &mut cites);
            app.save_section(
                &drafter,
                &tasking,
                &post,
                &SectionKey::parse(key)?,
                &text,
                None,
            )
            .await?;
        }
        app.act(&drafter, &tasking, &post, &Action::Submit).await?;
        app.act(&approver, &tasking, &post, &Action::Clear).await?;
        let transmit = Action::Transmit {
            override_reason: Some("Synthetic benchmark data.".into()),
        };
        app.act(&approver, &tasking, &post, &transmit).await?;
        app.act(&hq, &tasking, &post, &Action::Accept).await?;
    }
    app.store.close().await;
    Ok(())
}

/// A small line chart with axes and labels.
/// A line chart of three synthetic series over ten years, drawn by the same chart code as
/// the statistics explorer and the compiler's indicators part.
fn chart_svg(seed: usize) -> String {
    let mut rng = Lcg(seed as u64);
    let series = ["CAN", "FRA", "DEU"]
        .iter()
        .map(|name| Series {
            name: (*name).to_string(),
            points: (2015..2025)
                .map(|year| (year.to_string(), (rng.next() % 4000) as f64 / 10.0))
                .collect(),
        })
        .collect();
    LineChart {
        title: format!("Synthetic indicator {}", seed % 5 + 1),
        x_label: "Period".into(),
        y_label: "per 100,000 residents".into(),
        series,
        source: "Source: synthetic series (S1)".into(),
        decimals: 1,
    }
    .to_svg()
}

async fn render(db: &Path, format: &str, out: &Path, charts: bool) -> Res<()> {
    let store = Store::open_path(db, OpenMode::Existing).await?;
    let app = App::new(store);
    let hq = app.actor("hq.editor").await?;
    let options = Options {
        date: Some("2026-12-01".into()),
        ..Options::default()
    };
    let mut doc =
        chancery_compile::compile(&app, &hq, &TaskingRef::parse(TASKING)?, &options).await?;
    if charts {
        let posts = doc.chapters.len();
        for i in 0..posts * 5 {
            doc.indicators.charts.push(Chart {
                title: format!("Indicator {} for post {}", i % 5 + 1, i / 5),
                svg: chart_svg(i),
                source: "Source: synthetic series.".into(),
            });
        }
    }
    let format = Format::parse(format)?;
    let bytes = match chancery_compile::render_text(&doc, format) {
        Some(text) => text.into_bytes(),
        None => chancery_pdf::pdf(&doc)?,
    };
    std::fs::write(out, bytes)?;
    Ok(())
}

#[tokio::main]
async fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [_, "gen", db, posts] => generate(Path::new(db), posts.parse()?).await,
        [_, "render", db, format, out] => render(Path::new(db), format, Path::new(out), true).await,
        [_, "render", db, format, out, "--no-charts"] => {
            render(Path::new(db), format, Path::new(out), false).await
        }
        _ => {
            Err("usage: synth gen DB POSTS | synth render DB html|pdf|md OUT [--no-charts]".into())
        }
    }
}
