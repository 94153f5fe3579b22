//! `chancery compile REF --format html|pdf|md|json|cable`: the consolidated report, as the
//! `--as` user may read it, written to a file (atomically) or to standard output.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use chancery_compile::{CompileError, Format, Options};
use chancery_domain::Classification;
use chancery_domain::ids::TaskingRef;
use clap::Args;
use sha2::{Digest, Sha256};

use crate::output::Out;
use crate::run::open_as;

/// `compile` options.
#[derive(Debug, Args)]
pub struct CompileArgs {
    /// The tasking reference, e.g. CHN-2026-0001.
    pub reference: String,
    /// Output format: html, pdf, md, json or cable.
    #[arg(long, default_value = "html")]
    pub format: String,
    /// A releasable edition: only paragraphs at or below this level (U, SBU, C, S), with no
    /// withheld markers. At most your own clearance.
    #[arg(long, value_name = "LEVEL")]
    pub release: Option<String>,
    /// Also compile transmitted versions that HQ has not accepted yet.
    #[arg(long)]
    pub include_transmitted: bool,
    /// The date printed on the report (YYYY-MM-DD; default: that of the latest version compiled).
    #[arg(long)]
    pub date: Option<String>,
    /// Write to this file (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// A file written in full or not at all: the bytes go to a hidden sibling, renamed into place
/// once complete. Created before compiling, so an unwritable path fails before any work.
struct Pending {
    temp: PathBuf,
    target: PathBuf,
    file: Option<std::fs::File>,
}

impl Pending {
    fn create(target: &Path) -> Result<Pending> {
        let name = target
            .file_name()
            .ok_or_else(|| anyhow!("-o {}: not a file name", target.display()))?;
        if target.is_dir() {
            bail!(
                "-o {}: is a directory; give a file name such as report.html",
                target.display()
            );
        }
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let temp = dir.join(format!(".{}.partial", name.to_string_lossy()));
        let file = std::fs::File::create(&temp).with_context(|| {
            format!(
                "-o {}: cannot write there; choose a path in an existing folder you may write to",
                target.display()
            )
        })?;
        Ok(Pending {
            temp,
            target: target.to_path_buf(),
            file: Some(file),
        })
    }

    fn finish(mut self, bytes: &[u8]) -> Result<()> {
        let mut file = self
            .file
            .take()
            .ok_or_else(|| anyhow!("output already written"))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .with_context(|| format!("-o {}: writing failed", self.target.display()))?;
        std::fs::rename(&self.temp, &self.target).with_context(|| {
            format!(
                "-o {}: cannot move the file into place",
                self.target.display()
            )
        })?;
        Ok(())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Runs `compile`.
pub async fn run(
    database: &str,
    as_user: Option<&str>,
    args: CompileArgs,
    out: Out,
) -> Result<ExitCode> {
    let format = Format::parse(&args.format).map_err(|e| anyhow!("--format: {e}"))?;
    let release = args
        .release
        .as_deref()
        .map(Classification::parse)
        .transpose()
        .map_err(|e| anyhow!("--release: {e}"))?;
    if let Some(d) = &args.date {
        chancery_domain::dates::parse(d).map_err(|e| anyhow!("--date: {e}"))?;
    }
    let reference = TaskingRef::parse(&args.reference).map_err(|e| anyhow!("{e}"))?;
    let pending = args.output.as_deref().map(Pending::create).transpose()?;
    let (app, actor) = open_as(database, as_user).await?;
    let options = Options {
        release,
        include_transmitted: args.include_transmitted,
        date: args.date.clone(),
        ..Options::default()
    };
    let doc = chancery_compile::compile(&app, &actor, &reference, &options)
        .await
        .map_err(|e| match e {
            CompileError::NotFound(what) => {
                anyhow!("{what} not found (or not visible to {})", actor.username)
            }
            other => anyhow!(other),
        })?;
    let bytes = match chancery_compile::render_text(&doc, format) {
        Some(text) => text.into_bytes(),
        None => chancery_pdf::pdf(&doc)?,
    };
    for issue in &doc.errors {
        eprintln!("warning: {}: {}", issue.code, issue.detail);
    }
    match pending {
        Some(p) => {
            p.finish(&bytes)?;
            let path = args.output.unwrap_or_default();
            let summary = serde_json::json!({
                "output": path.display().to_string(),
                "format": format.code(),
                "bytes": bytes.len(),
                "sha256": hex_sha256(&bytes),
                "reports": doc.cover.reports_included,
                "banner": doc.cover.banner.code(),
                "errors": doc.errors,
            });
            out.value(&summary, || {
                say!(
                    "wrote {} ({} bytes, {}): {} of {} post reports, banner {}",
                    path.display(),
                    bytes.len(),
                    format.code(),
                    doc.cover.reports_included,
                    doc.cover.addressees,
                    doc.cover.banner_text
                )
            })?;
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error: the reader has what it wanted.
            let _ = stdout.write_all(&bytes).and_then(|()| stdout.flush());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
