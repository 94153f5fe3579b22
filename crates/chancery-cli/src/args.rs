//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Chancery: taskings, evidence-grade reports and clearance for a foreign ministry and its posts.
#[derive(Debug, Parser)]
#[command(name = "chancery", version, about, long_about = None)]
pub struct Cli {
    /// Database URL (sqlite:PATH).
    #[arg(
        long,
        global = true,
        env = "CHANCERY_DATABASE",
        default_value = "sqlite:chancery.db"
    )]
    pub database: String,
    /// Act as this user (checked against the same rules as the web).
    #[arg(long = "as", global = true, value_name = "USERNAME")]
    pub as_user: Option<String>,
    /// Print JSON instead of text (read commands).
    #[arg(long, global = true)]
    pub json: bool,
    /// The deployment's report language (en, fr, de, it, es, sv, nl): the analyzer search
    /// uses for report paragraphs, incidents, engagements and policy measures (sources carry
    /// their own). Changing it rebuilds a server's search index.
    #[arg(
        long,
        global = true,
        env = "CHANCERY_REPORT_LANGUAGE",
        default_value = "en",
        value_name = "CODE",
        value_parser = chancery_search::Lang::report_language
    )]
    pub report_language: chancery_search::Lang,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web UI and API.
    Serve(ServeArgs),
    /// Create the database (if missing), apply migrations and load the shipped content.
    Init(ContentArg),
    /// Apply pending migrations.
    Migrate,
    /// Load shipped content (posts, vocabularies, taskings); idempotent.
    Content(ContentArg),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCmd),
    /// Diplomatic posts.
    #[command(subcommand)]
    Post(PostCmd),
    /// Taskings from HQ.
    #[command(subcommand)]
    Tasking(TaskingCmd),
    /// Post reports and their workflow.
    #[command(subcommand)]
    Report(ReportCmd),
    /// Evidence sources.
    #[command(subcommand)]
    Source(SourceCmd),
    /// Incidents (events, never persons).
    #[command(subcommand)]
    Incident(RecordCmd<IncidentArgs>),
    /// Engagements with host-government officials.
    #[command(subcommand)]
    Engagement(RecordCmd<EngagementArgs>),
    /// Host-government policy measures.
    #[command(subcommand)]
    Policy(RecordCmd<PolicyArgs>),
    /// Import official statistics (CSV, SDMX-CSV, JSON-stat) as one vintage; idempotent.
    Import(ImportArgs),
    /// Show the evidence-lint findings of a report.
    Lint(ReportRef),
    /// Compile a tasking's accepted reports into the consolidated report (html, pdf, md, json, cable).
    Compile(crate::compile::CompileArgs),
    /// The audit chain.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Your API tokens for the JSON API (`Authorization: Bearer …`); acts as `--as`.
    #[command(subcommand)]
    Token(TokenCmd),
    /// Search reports and evidence as a user (`--as`), or rebuild the index (`search reindex`).
    Search(crate::search::SearchArgs),
    /// Build the demo database (and, once the web UI lands, serve it).
    Demo(DemoArgs),
    /// Write the whole database as portable JSON lines (for moving between backends).
    Export {
        /// Output file (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Load a `chancery export` file into an empty, migrated database (one transaction).
    ImportAll {
        /// The export file.
        file: PathBuf,
    },
    /// Back up the database: an SQLite copy (VACUUM INTO) or, on PostgreSQL, a portable export.
    Backup {
        /// The backup file to create (must not exist).
        #[arg(short, long)]
        output: PathBuf,
    },
    /// PostgreSQL: let ROLE (the app servers' login) use the tables but never change or delete
    /// audit events, transmitted versions or section revisions.
    GrantAppRole {
        /// The role name.
        role: String,
    },
    /// Restore a backup (an SQLite backup file or an export) into the database.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Replace a non-empty SQLite database.
        #[arg(long)]
        force: bool,
    },
}

/// Where shipped content lives.
#[derive(Debug, Args)]
pub struct ContentArg {
    /// The content folder (default: ./content, else the one shipped with the source).
    #[arg(long)]
    pub content: Option<PathBuf>,
}

/// `import` options.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file.
    pub file: PathBuf,
    /// auto, csv, sdmx-csv or json-stat.
    #[arg(long, default_value = "auto")]
    pub format: String,
    /// The column (CSV, SDMX-CSV) or dimension (JSON-stat) holding the country.
    #[arg(long)]
    pub country_dim: Option<String>,
    /// Every observation is about this country (ISO alpha-3), for files about one country.
    #[arg(long, conflicts_with = "country_dim")]
    pub country: Option<String>,
    /// A file of `CODE,ISO3` lines (or `CODE,-` to skip a code) consulted before ISO 3166.
    #[arg(long)]
    pub country_map: Option<PathBuf>,
    /// Parse and compare, write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `serve` options.
#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: std::net::SocketAddr,
    /// Mark session cookies Secure (when served over TLS, directly or behind a proxy).
    #[arg(long)]
    pub secure_cookies: bool,
    /// Largest accepted request body, in bytes.
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Render every page view afresh instead of answering a repeat view of the dashboard, a
    /// tasking or a report from the copy rendered for the same session while the data has not
    /// changed (to measure or debug rendering).
    #[arg(long)]
    pub no_page_reuse: bool,
    /// This server's search index folder (default: beside an SQLite database, `DB.search`;
    /// for PostgreSQL, `./chancery-search`). Each app server needs its own.
    #[arg(long, env = "CHANCERY_SEARCH_INDEX")]
    pub search_index: Option<PathBuf>,
}

/// `demo` options.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Build the database and exit (for scripts and tests).
    #[arg(long)]
    pub no_serve: bool,
    /// How to serve it.
    #[command(flatten)]
    pub serve: ServeArgs,
    /// The content folder.
    #[arg(long)]
    pub content: Option<PathBuf>,
}

/// `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Add an account (the first one must be an admin; later ones need --as an admin).
    Add {
        /// Login name.
        username: String,
        /// admin, hq_editor, post_drafter, post_approver or reader.
        #[arg(long)]
        role: String,
        /// U, SBU, C or S.
        #[arg(long)]
        clearance: String,
        /// The post, for post_drafter and post_approver.
        #[arg(long)]
        post: Option<String>,
        /// Read the password from the first line of standard input (else one is generated and printed once).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List,
}

/// `post` subcommands.
#[derive(Debug, Subcommand)]
pub enum PostCmd {
    /// List posts.
    List,
}

/// `tasking` subcommands.
#[derive(Debug, Subcommand)]
pub enum TaskingCmd {
    /// Import a tasking TOML file as a draft.
    Import {
        /// The file.
        file: PathBuf,
    },
    /// Issue a draft tasking to its posts.
    Issue {
        /// Reference, e.g. CHN-2026-0001.
        reference: String,
    },
    /// List taskings you may see.
    List,
    /// Show a tasking with its completeness table.
    Show {
        /// Reference.
        reference: String,
    },
}

/// A report: tasking reference and post.
#[derive(Debug, Args)]
pub struct ReportRef {
    /// Tasking reference, e.g. CHN-2026-0001.
    pub reference: String,
    /// Post code, e.g. OTTAWA.
    pub post: String,
}

/// `report` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Start a report.
    New(ReportRef),
    /// Show a report (paragraphs above your clearance are withheld).
    Show(ReportRef),
    /// Replace one section's Markdown with a file's content.
    Edit {
        /// Which report.
        #[command(flatten)]
        report: ReportRef,
        /// Section key, e.g. public_safety.
        section: String,
        /// Markdown file.
        file: PathBuf,
        /// The revision you edited (refused if someone saved since).
        #[arg(long)]
        revision: Option<i64>,
    },
    /// Send the draft to the post's approver.
    Submit(ReportRef),
    /// Clear (approve) the report.
    Clear(ReportRef),
    /// Transmit the cleared report to HQ.
    Transmit {
        /// Which report.
        #[command(flatten)]
        report: ReportRef,
        /// Transmit despite lint findings, for this written reason (stored and printed).
        #[arg(long = "override", value_name = "REASON")]
        override_reason: Option<String>,
    },
    /// Accept a transmitted report (HQ).
    Accept(ReportRef),
    /// Return the report with a reason.
    Return {
        /// Which report.
        #[command(flatten)]
        report: ReportRef,
        /// What must change.
        #[arg(long)]
        reason: String,
    },
    /// Comment on a report or one section.
    Comment {
        /// Which report.
        #[command(flatten)]
        report: ReportRef,
        /// Section key.
        #[arg(long)]
        section: Option<String>,
        /// The comment.
        text: String,
    },
}

/// `source` subcommands.
#[derive(Debug, Subcommand)]
pub enum SourceCmd {
    /// Record a source, optionally with its captured content (hashed with SHA-256).
    Add(SourceArgs),
    /// Grade a source: reliability A-F and credibility 1-6, e.g. B2.
    Grade {
        /// Source id, e.g. S12.
        source: String,
        /// Grade, e.g. B2.
        grade: String,
        /// Why.
        #[arg(long)]
        rationale: String,
    },
    /// List sources you may see.
    List,
}

/// Fields of a new source.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// official_statistics, legislation, court_record, government_statement, parliamentary_record, ngo_report, academic_study, news_report, meeting_note.
    #[arg(long)]
    pub kind: String,
    /// Publishing organisation.
    #[arg(long)]
    pub publisher: String,
    /// Title.
    #[arg(long)]
    pub title: String,
    /// URL.
    #[arg(long)]
    pub url: Option<String>,
    /// Publication date (YYYY, YYYY-MM or YYYY-MM-DD).
    #[arg(long)]
    pub published: Option<String>,
    /// ISO 639-1 language code.
    #[arg(long, default_value = "en")]
    pub language: String,
    /// Portion marking of the source record.
    #[arg(long, default_value = "U")]
    pub marking: String,
    /// The source this one repeats, e.g. S3.
    #[arg(long)]
    pub derived_from: Option<String>,
    /// File holding the captured content.
    #[arg(long)]
    pub capture: Option<PathBuf>,
}

/// `incident|engagement|policy` subcommands.
#[derive(Debug, Subcommand)]
pub enum RecordCmd<A: Args> {
    /// Record one.
    Add(A),
    /// List those you may see.
    List,
}

/// Fields of a new incident. There is no field for a person, by design.
#[derive(Debug, Args)]
pub struct IncidentArgs {
    /// Recording post.
    #[arg(long)]
    pub post: String,
    /// When (YYYY, YYYY-MM or YYYY-MM-DD).
    #[arg(long)]
    pub occurred: String,
    /// End of the period, if a range.
    #[arg(long)]
    pub until: Option<String>,
    /// Country (ISO alpha-3).
    #[arg(long)]
    pub country: String,
    /// Region or province.
    #[arg(long)]
    pub region: Option<String>,
    /// City or locality.
    #[arg(long)]
    pub locality: Option<String>,
    /// Category code (content/vocabularies.toml).
    #[arg(long)]
    pub category: String,
    /// Number of victims.
    #[arg(long)]
    pub victims: Option<u32>,
    /// Number of suspects.
    #[arg(long)]
    pub suspects: Option<u32>,
    /// suspected, charged, convicted_final, acquitted, unknown.
    #[arg(long)]
    pub legal_status: String,
    /// unverified, corroborated, confirmed, not_substantiated.
    #[arg(long)]
    pub verification: String,
    /// What happened, without identifying anyone.
    #[arg(long)]
    pub summary: String,
    /// Portion marking.
    #[arg(long)]
    pub marking: String,
    /// Source ids (repeat), e.g. --source S3 --source S7.
    #[arg(long = "source")]
    pub sources: Vec<String>,
}

/// Fields of a new engagement.
#[derive(Debug, Args)]
pub struct EngagementArgs {
    /// Post.
    #[arg(long)]
    pub post: String,
    /// Tasking whose talking points were delivered.
    #[arg(long)]
    pub tasking: Option<String>,
    /// Date (YYYY-MM-DD).
    #[arg(long)]
    pub date: String,
    /// Host office met.
    #[arg(long)]
    pub host_office: String,
    /// Official's title (never a private person).
    #[arg(long)]
    pub official_title: String,
    /// Talking points delivered (repeat), e.g. --tp TP1.
    #[arg(long = "tp")]
    pub talking_points: Vec<String>,
    /// What the host side said.
    #[arg(long)]
    pub response: String,
    /// Follow-up.
    #[arg(long, default_value = "")]
    pub follow_up: String,
    /// Portion marking.
    #[arg(long)]
    pub marking: String,
}

/// Fields of a new policy measure.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Country (ISO alpha-3).
    #[arg(long)]
    pub country: String,
    /// Title.
    #[arg(long)]
    pub title: String,
    /// law, regulation, plan_target, programme, agreement, announcement.
    #[arg(long = "type")]
    pub measure_type: String,
    /// Announced (YYYY, YYYY-MM or YYYY-MM-DD).
    #[arg(long)]
    pub announced: Option<String>,
    /// In force.
    #[arg(long)]
    pub in_force: Option<String>,
    /// What it does.
    #[arg(long)]
    pub description: String,
    /// Source id, e.g. S4.
    #[arg(long)]
    pub source: Option<String>,
    /// Portion marking.
    #[arg(long, default_value = "U")]
    pub marking: String,
}

/// `audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Walk the hash chain; name the first broken event and exit non-zero if any.
    Verify,
}

/// `token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Create a token. It is printed once; only its SHA-256 is stored.
    Create {
        /// What the token is for, e.g. "nightly export".
        #[arg(long)]
        label: String,
    },
    /// Revoke one of your tokens; it stops working at once.
    Revoke {
        /// The token's id (see `chancery token list`).
        id: i64,
    },
    /// List your tokens (never their secrets).
    List,
}
