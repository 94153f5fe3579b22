//! A report section's revision history and a readable diff between two revisions: paragraphs
//! inserted, deleted or changed, and within a changed paragraph the words inserted and deleted
//! (the `similar` crate). Paragraphs above the viewer's clearance are replaced by their
//! `[paragraph withheld: C]` marker before diffing, so a diff never shows them, nor whether
//! their wording changed.

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use chancery_app::RevisionView;
use chancery_domain::Classification;
use chancery_domain::ids::{PostCode, SectionKey, TaskingRef};
use similar::{Algorithm, ChangeTag, DiffOp, TextDiff, capture_diff_slices};

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::fields::{self, Fields};
use crate::pages::{Chrome, UserBox, html};

/// The history route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/taskings/{reference}/reports/{post}/history", get(history))
}

/// A run of words in a diffed paragraph: `same`, `ins` or `del`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// `same`, `ins` or `del`.
    pub kind: &'static str,
    /// The words (with their spacing).
    pub text: String,
}

/// One paragraph of a diff: `same`, `inserted`, `deleted` or `changed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffParagraph {
    /// `same`, `inserted`, `deleted` or `changed`.
    pub kind: &'static str,
    /// Its words.
    pub segments: Vec<Segment>,
}

fn whole(kind: &'static str, seg: &'static str, text: &str) -> DiffParagraph {
    DiffParagraph {
        kind,
        segments: vec![Segment {
            kind: seg,
            text: text.to_string(),
        }],
    }
}

fn is_withheld(p: &str) -> bool {
    p.starts_with("[paragraph withheld: ")
}

/// Word-level diff of two versions of one paragraph, runs of the same kind merged.
fn word_diff(old: &str, new: &str) -> DiffParagraph {
    let diff = TextDiff::from_words(old, new);
    let mut segments: Vec<Segment> = Vec::new();
    for change in diff.iter_all_changes() {
        let kind = match change.tag() {
            ChangeTag::Equal => "same",
            ChangeTag::Insert => "ins",
            ChangeTag::Delete => "del",
        };
        match segments.last_mut() {
            Some(last) if last.kind == kind => last.text.push_str(change.value()),
            _ => segments.push(Segment {
                kind,
                text: change.value().to_string(),
            }),
        }
    }
    DiffParagraph {
        kind: "changed",
        segments,
    }
}

/// Diffs two lists of paragraphs: whole paragraphs first, then words within paragraphs that
/// replaced each other. A withheld marker is never word-diffed against text.
pub fn diff_paragraphs(old: &[String], new: &[String]) -> Vec<DiffParagraph> {
    let mut out = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, old, new) {
        match op {
            DiffOp::Equal { old_index, len, .. } => {
                out.extend(
                    old[old_index..old_index + len]
                        .iter()
                        .map(|p| whole("same", "same", p)),
                );
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                out.extend(
                    old[old_index..old_index + old_len]
                        .iter()
                        .map(|p| whole("deleted", "del", p)),
                );
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                out.extend(
                    new[new_index..new_index + new_len]
                        .iter()
                        .map(|p| whole("inserted", "ins", p)),
                );
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                for i in 0..old_len.max(new_len) {
                    match (
                        old.get(old_index + i).filter(|_| i < old_len),
                        new.get(new_index + i).filter(|_| i < new_len),
                    ) {
                        (Some(o), Some(n)) if !is_withheld(o) && !is_withheld(n) => {
                            out.push(word_diff(o, n));
                        }
                        (o, n) => {
                            if let Some(o) = o {
                                out.push(whole("deleted", "del", o));
                            }
                            if let Some(n) = n {
                                out.push(whole("inserted", "ins", n));
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

struct RevisionLine {
    revision: i64,
    version: i64,
    author: String,
    saved_at: String,
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage {
    user: Option<UserBox>,
    csrf: String,
    banner: Option<(String, String)>,
    tasking: String,
    post: String,
    sections: Vec<(String, String, bool)>,
    section: String,
    section_title: String,
    revisions: Vec<RevisionLine>,
    from: i64,
    to: i64,
    diff: Vec<DiffParagraph>,
}

fn paragraphs_of(revisions: &[RevisionView], n: i64) -> Vec<String> {
    revisions
        .iter()
        .find(|r| r.revision == n)
        .map(|r| {
            r.paragraphs
                .iter()
                .map(|p| p.1.trim().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// `GET /taskings/{reference}/reports/{post}/history?section=KEY&from=N&to=M`.
async fn history(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((reference, post)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let t = TaskingRef::parse(&reference).map_err(|_| WebError::NotFound)?;
    let p = PostCode::parse(&post).map_err(|_| WebError::NotFound)?;
    // Visibility first: the report as this user may see it (404 otherwise).
    let view = state.app.show_report(&me.actor, &t, &p).await?;
    let q = Fields::query(raw);
    let key = match q.get("section") {
        "" => view
            .sections
            .iter()
            .find(|s| s.revision > 0)
            .or(view.sections.first())
            .map(|s| s.key.clone())
            .ok_or(WebError::NotFound)?,
        s => {
            let keys: Vec<&str> = view.sections.iter().map(|x| x.key.as_str()).collect();
            SectionKey::parse(s)
                .ok()
                .filter(|k| keys.contains(&k.as_str()))
                .ok_or_else(|| {
                    fields::invalid(
                        "section",
                        format!(
                            "{s:?} is not a section of this report; sections are {}",
                            keys.join(", ")
                        ),
                    )
                })?
        }
    };
    let revisions = state.app.section_history(&me.actor, &t, &p, &key).await?;
    let latest = revisions.last().map_or(0, |r| r.revision);
    let revision = |name: &str, default: i64| -> Result<i64, WebError> {
        let n = q.optional(name, |s| {
            s.parse::<i64>()
                .map_err(|_| format!("{s:?} is not a revision number"))
        })?;
        match n {
            None => Ok(default),
            Some(n) if (0..=latest).contains(&n) => Ok(n),
            Some(n) => Err(fields::invalid(
                name,
                format!(
                    "revision {n} does not exist; this section has revisions 0 (empty) to {latest}"
                ),
            )),
        }
    };
    let to = revision("to", latest)?;
    let from = revision("from", (to - 1).max(0))?;
    let diff = diff_paragraphs(
        &paragraphs_of(&revisions, from),
        &paragraphs_of(&revisions, to),
    );
    let shown = revisions
        .iter()
        .filter(|r| r.revision == from || r.revision == to)
        .flat_map(|r| r.paragraphs.iter().filter(|p| !p.2).map(|p| p.0))
        .max();
    let level = shown
        .into_iter()
        .chain([view.banner])
        .max()
        .unwrap_or(Classification::Unclassified);
    let chrome = Chrome::new(&me, Some(level));
    html(HistoryPage {
        user: chrome.user,
        csrf: chrome.csrf,
        banner: chrome.banner,
        tasking: t.to_string(),
        post: p.to_string(),
        sections: view
            .sections
            .iter()
            .map(|s| (s.key.to_string(), s.title.clone(), s.key == key))
            .collect(),
        section: key.to_string(),
        section_title: view
            .sections
            .iter()
            .find(|s| s.key == key)
            .map(|s| s.title.clone())
            .unwrap_or_default(),
        revisions: revisions
            .iter()
            .rev()
            .map(|r| RevisionLine {
                revision: r.revision,
                version: r.version,
                author: r.author.clone(),
                saved_at: r.saved_at.clone(),
            })
            .collect(),
        from,
        to,
        diff,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paras(ps: &[&str]) -> Vec<String> {
        ps.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn paragraphs_and_words_are_marked() {
        let old = paras(&[
            "(U) Claims rose by 10% [@S1].",
            "(U) Unchanged.",
            "(U) Dropped.",
        ]);
        let new = paras(&[
            "(U) Claims rose by 12% [@S1].",
            "(U) Unchanged.",
            "(U) Added.",
        ]);
        let d = diff_paragraphs(&old, &new);
        assert_eq!(d[0].kind, "changed");
        let del: Vec<&str> = d[0]
            .segments
            .iter()
            .filter(|s| s.kind == "del")
            .map(|s| s.text.as_str())
            .collect();
        let ins: Vec<&str> = d[0]
            .segments
            .iter()
            .filter(|s| s.kind == "ins")
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(del, ["10%"]);
        assert_eq!(ins, ["12%"]);
        assert_eq!(d[1].kind, "same");
        // A replaced third paragraph is word-diffed too.
        assert_eq!(d[2].kind, "changed");
    }

    #[test]
    fn withheld_markers_are_never_word_diffed() {
        let old = paras(&["(U) Open.", "[paragraph withheld: C]"]);
        let new = paras(&["(U) Open.", "(U) New open text."]);
        let d = diff_paragraphs(&old, &new);
        assert_eq!(d.len(), 3);
        assert_eq!((d[1].kind, d[2].kind), ("deleted", "inserted"));
        assert_eq!(d[1].segments[0].text, "[paragraph withheld: C]");
        // Two withheld markers compare equal whatever the text behind them.
        let same = diff_paragraphs(
            &paras(&["[paragraph withheld: C]"]),
            &paras(&["[paragraph withheld: C]"]),
        );
        assert_eq!(same[0].kind, "same");
    }
}
