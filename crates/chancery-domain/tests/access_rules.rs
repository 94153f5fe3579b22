//! Access decisions (DESIGN §5): unit tests of each rule of `may_see`, and property tests that
//! nobody sees above their clearance and post staff never see other posts' unaccepted reports.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use chancery_domain::Classification;
use chancery_domain::access::{Resource, may_see};
use chancery_domain::ids::{PostCode, Username};
use chancery_domain::report::ReportStatus;
use chancery_domain::tasking::TaskingStatus;
use chancery_domain::user::{Actor, Role};
use proptest::prelude::*;

use Classification::{
    Confidential as C, Secret as S, SensitiveButUnclassified as Sbu, Unclassified as U,
};
use ReportStatus::{Accepted, Cleared, Draft, InClearance, Returned, Transmitted};

fn post(code: &str) -> PostCode {
    PostCode::parse(code).unwrap()
}

fn actor(role: Role, clearance: Classification, at: Option<&str>) -> Actor {
    Actor::new(
        Username::parse("someone").unwrap(),
        role,
        clearance,
        at.map(post),
    )
    .unwrap()
}

fn staff(role: Role, at: &str) -> Actor {
    actor(role, S, Some(at))
}

fn system(role: Role) -> Actor {
    actor(role, S, None)
}

fn report(p: &PostCode, status: ReportStatus) -> Resource<'_> {
    Resource::Report { post: p, status }
}

fn paragraph(p: &PostCode, status: ReportStatus, marking: Classification) -> Resource<'_> {
    Resource::Paragraph {
        post: p,
        status,
        marking,
    }
}

// --- clearance ----------------------------------------------------------------------------

#[test]
fn nobody_sees_a_paragraph_above_their_clearance_not_even_admin() {
    let ottawa = post("OTTAWA");
    for role in Role::ALL {
        let at = role.is_post_scoped().then_some("OTTAWA");
        let cleared_c = actor(role, C, at);
        assert!(
            !may_see(&cleared_c, &paragraph(&ottawa, Accepted, S)),
            "{role}"
        );
        assert!(
            may_see(&cleared_c, &paragraph(&ottawa, Accepted, C)),
            "{role}"
        );
        assert!(
            may_see(&cleared_c, &paragraph(&ottawa, Accepted, U)),
            "{role}"
        );
    }
}

#[test]
fn clearance_applies_to_taskings_and_records() {
    let ottawa = post("OTTAWA");
    let addressees = [ottawa.clone()];
    let tasking = |marking| Resource::Tasking {
        status: TaskingStatus::Issued,
        addressees: &addressees,
        marking,
    };
    for role in Role::ALL {
        let at = role.is_post_scoped().then_some("OTTAWA");
        let sbu = actor(role, Sbu, at);
        assert!(may_see(&sbu, &tasking(Sbu)), "{role}");
        assert!(!may_see(&sbu, &tasking(C)), "{role}");
        for owner in [None, Some(&ottawa)] {
            assert!(
                may_see(
                    &sbu,
                    &Resource::Record {
                        post: owner,
                        marking: Sbu
                    }
                ),
                "{role}"
            );
            assert!(
                !may_see(
                    &sbu,
                    &Resource::Record {
                        post: owner,
                        marking: C
                    }
                ),
                "{role}"
            );
        }
    }
}

// --- taskings -----------------------------------------------------------------------------

#[test]
fn draft_taskings_are_for_hq_and_admin_only() {
    let addressees = [post("OTTAWA")];
    let draft = Resource::Tasking {
        status: TaskingStatus::Draft,
        addressees: &addressees,
        marking: U,
    };
    assert!(may_see(&system(Role::HqEditor), &draft));
    assert!(may_see(&system(Role::Admin), &draft));
    assert!(!may_see(&system(Role::Reader), &draft));
    assert!(!may_see(&staff(Role::PostDrafter, "OTTAWA"), &draft));
    assert!(!may_see(&staff(Role::PostApprover, "OTTAWA"), &draft));
}

#[test]
fn issued_and_closed_taskings_reach_their_addressees() {
    let addressees = [post("OTTAWA"), post("CANBERRA")];
    for status in [TaskingStatus::Issued, TaskingStatus::Closed] {
        let t = Resource::Tasking {
            status,
            addressees: &addressees,
            marking: U,
        };
        assert!(may_see(&system(Role::HqEditor), &t));
        assert!(may_see(&system(Role::Admin), &t));
        assert!(may_see(&system(Role::Reader), &t));
        for role in [Role::PostDrafter, Role::PostApprover] {
            assert!(may_see(&staff(role, "OTTAWA"), &t));
            assert!(may_see(&staff(role, "CANBERRA"), &t));
            assert!(!may_see(&staff(role, "PARIS"), &t));
        }
    }
}

// --- reports and paragraphs ---------------------------------------------------------------

#[test]
fn post_staff_see_their_own_reports_in_every_status() {
    let ottawa = post("OTTAWA");
    for role in [Role::PostDrafter, Role::PostApprover] {
        for status in ReportStatus::ALL {
            assert!(may_see(&staff(role, "OTTAWA"), &report(&ottawa, status)));
            assert!(may_see(
                &staff(role, "OTTAWA"),
                &paragraph(&ottawa, status, C)
            ));
        }
    }
}

#[test]
fn post_staff_see_other_posts_reports_only_once_accepted() {
    let paris = post("PARIS");
    for role in [Role::PostDrafter, Role::PostApprover] {
        let who = staff(role, "OTTAWA");
        for status in ReportStatus::ALL {
            let expected = status == Accepted;
            assert_eq!(
                may_see(&who, &report(&paris, status)),
                expected,
                "{role} {status}"
            );
            assert_eq!(
                may_see(&who, &paragraph(&paris, status, U)),
                expected,
                "{role} {status}"
            );
        }
    }
}

#[test]
fn hq_sees_reports_that_reached_hq_never_drafts() {
    let ottawa = post("OTTAWA");
    let hq = system(Role::HqEditor);
    for status in [Transmitted, Accepted, Returned] {
        assert!(may_see(&hq, &report(&ottawa, status)), "{status}");
        assert!(may_see(&hq, &paragraph(&ottawa, status, S)), "{status}");
    }
    for status in [Draft, InClearance, Cleared] {
        assert!(!may_see(&hq, &report(&ottawa, status)), "{status}");
        assert!(!may_see(&hq, &paragraph(&ottawa, status, U)), "{status}");
    }
}

#[test]
fn readers_and_admins_see_transmitted_and_accepted_reports() {
    let ottawa = post("OTTAWA");
    for role in [Role::Reader, Role::Admin] {
        let who = system(role);
        for status in ReportStatus::ALL {
            let expected = matches!(status, Transmitted | Accepted);
            assert_eq!(
                may_see(&who, &report(&ottawa, status)),
                expected,
                "{role} {status}"
            );
            assert_eq!(
                may_see(&who, &paragraph(&ottawa, status, U)),
                expected,
                "{role} {status}"
            );
        }
    }
}

// --- records ------------------------------------------------------------------------------

#[test]
fn records_without_a_post_are_visible_to_all_cleared_users() {
    for role in Role::ALL {
        let at = role.is_post_scoped().then_some("PARIS");
        let who = actor(role, C, at);
        assert!(
            may_see(
                &who,
                &Resource::Record {
                    post: None,
                    marking: C
                }
            ),
            "{role}"
        );
    }
}

#[test]
fn a_posts_records_above_u_stay_with_the_post_and_hq() {
    let ottawa = post("OTTAWA");
    let record = |marking| Resource::Record {
        post: Some(&ottawa),
        marking,
    };
    for role in [Role::PostDrafter, Role::PostApprover] {
        assert!(may_see(&staff(role, "OTTAWA"), &record(C)));
        assert!(may_see(&staff(role, "PARIS"), &record(U)));
        assert!(!may_see(&staff(role, "PARIS"), &record(Sbu)));
        assert!(!may_see(&staff(role, "PARIS"), &record(C)));
    }
    for role in [Role::HqEditor, Role::Reader, Role::Admin] {
        assert!(may_see(&system(role), &record(C)), "{role}");
    }
}

#[test]
fn post_scoped_actor_without_a_post_sees_only_what_other_posts_see() {
    let stray = Actor {
        username: Username::parse("stray").unwrap(),
        role: Role::PostDrafter,
        clearance: S,
        post: None,
    };
    let ottawa = post("OTTAWA");
    assert!(!may_see(&stray, &report(&ottawa, Draft)));
    assert!(may_see(&stray, &report(&ottawa, Accepted)));
    assert!(!may_see(
        &stray,
        &Resource::Record {
            post: Some(&ottawa),
            marking: C
        }
    ));
    let addressees = [ottawa.clone()];
    assert!(!may_see(
        &stray,
        &Resource::Tasking {
            status: TaskingStatus::Issued,
            addressees: &addressees,
            marking: U
        }
    ));
}

// --- properties ---------------------------------------------------------------------------

const POSTS: [&str; 3] = ["OTTAWA", "PARIS", "CANBERRA"];

fn any_role() -> impl Strategy<Value = Role> {
    proptest::sample::select(Role::ALL.to_vec())
}
fn any_level() -> impl Strategy<Value = Classification> {
    proptest::sample::select(Classification::ALL.to_vec())
}
fn any_status() -> impl Strategy<Value = ReportStatus> {
    proptest::sample::select(ReportStatus::ALL.to_vec())
}
fn any_post() -> impl Strategy<Value = usize> {
    0..POSTS.len()
}

fn any_actor() -> impl Strategy<Value = Actor> {
    (any_role(), any_level(), any_post()).prop_map(|(role, clearance, p)| {
        actor(role, clearance, role.is_post_scoped().then_some(POSTS[p]))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn no_paragraph_above_clearance(who in any_actor(), p in any_post(), status in any_status(), marking in any_level()) {
        let p = post(POSTS[p]);
        if may_see(&who, &paragraph(&p, status, marking)) {
            prop_assert!(who.clearance >= marking);
            // A visible paragraph belongs to a visible report.
            prop_assert!(may_see(&who, &report(&p, status)));
        }
    }

    #[test]
    fn post_staff_never_see_other_posts_unaccepted_reports(
        who in any_actor(), p in any_post(), status in any_status(), marking in any_level()
    ) {
        let p = post(POSTS[p]);
        if who.role.is_post_scoped() && !who.is_at(&p) && status != Accepted {
            prop_assert!(!may_see(&who, &report(&p, status)));
            prop_assert!(!may_see(&who, &paragraph(&p, status, marking)));
        }
    }

    #[test]
    fn only_post_staff_see_reports_before_transmission(
        who in any_actor(), p in any_post(), status in any_status()
    ) {
        let p = post(POSTS[p]);
        if matches!(status, Draft | InClearance | Cleared) && may_see(&who, &report(&p, status)) {
            prop_assert!(who.role.is_post_scoped() && who.is_at(&p));
        }
    }

    #[test]
    fn nothing_marked_is_seen_above_clearance_and_more_clearance_never_hides(
        who in any_actor(),
        p in any_post(),
        owned in any::<bool>(),
        status in any_status(),
        tasking_status in proptest::sample::select(vec![TaskingStatus::Draft, TaskingStatus::Issued, TaskingStatus::Closed]),
        marking in any_level(),
    ) {
        let p = post(POSTS[p]);
        let addressees = [p.clone()];
        let resources = [
            paragraph(&p, status, marking),
            Resource::Record { post: owned.then_some(&p), marking },
            Resource::Tasking { status: tasking_status, addressees: &addressees, marking },
        ];
        let mut higher = who.clone();
        higher.clearance = S;
        for r in &resources {
            if may_see(&who, r) {
                prop_assert!(who.clearance >= marking, "{:?}", r);
                prop_assert!(may_see(&higher, r), "{:?}", r);
            }
        }
    }
}

// --- report progress (completeness metadata) --------------------------------------------------

#[test]
fn report_progress_is_for_hq_admin_and_the_posts_own_staff() {
    let ottawa = post("OTTAWA");
    let progress = Resource::ReportProgress { post: &ottawa };
    assert!(may_see(&system(Role::HqEditor), &progress));
    assert!(may_see(&system(Role::Admin), &progress));
    assert!(!may_see(&system(Role::Reader), &progress));
    assert!(may_see(&staff(Role::PostDrafter, "OTTAWA"), &progress));
    assert!(may_see(&staff(Role::PostApprover, "OTTAWA"), &progress));
    assert!(!may_see(&staff(Role::PostDrafter, "LONDON"), &progress));
    assert!(!may_see(&staff(Role::PostApprover, "LONDON"), &progress));
}
