//! Accounts (DESIGN §1): the bootstrap rule and who may add users.

use chancery_app::AppError;
use chancery_domain::Classification;
use chancery_domain::ids::{PostCode, Username};
use chancery_domain::user::{Actor, Role};
use chancery_store::StoreError;

use crate::common::{Backend, Bare, content_dir};

fn actor(name: &str, role: Role, post: Option<&str>) -> Actor {
    Actor::new(
        Username::parse(name).unwrap(),
        role,
        Classification::Confidential,
        post.map(|p| PostCode::parse(p).unwrap()),
    )
    .unwrap()
}

async fn the_first_account_must_be_an_admin_and_later_ones_need_an_admin(backend: Backend) {
    let b = Bare::new(backend).await;
    let app = &b.app;
    app.load_content(content_dir()).await.unwrap();
    let n = b.audit_count().await;

    // First account: only an admin, created by nobody.
    for role in [Role::HqEditor, Role::Reader] {
        let err = app
            .add_user(None, &actor("early.bird", role, None), None)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Invalid(_)), "{role}: {err}");
    }
    let err = app
        .add_user(
            None,
            &actor("early.drafter", Role::PostDrafter, Some("OTTAWA")),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err}");
    assert_eq!(app.store.user_count().await.unwrap(), 0);
    assert_eq!(b.audit_count().await, n);

    let admin = actor("root.admin", Role::Admin, None);
    app.add_user(None, &admin, Some("a long enough passphrase"))
        .await
        .unwrap();
    let stored = app.store.user(&admin.username).await.unwrap().unwrap();
    assert_eq!(stored.actor, admin);
    assert!(stored.password_hash.unwrap().starts_with("$argon2id$"));
    let event = app.store.audit_events().await.unwrap().pop().unwrap();
    assert_eq!(
        (event.actor.as_str(), event.action.as_str()),
        ("system", "user.add")
    );
    assert!(!event.payload.contains("passphrase"));

    // Afterwards: nobody cannot add anyone, not even another admin.
    let err = app
        .add_user(None, &actor("second.admin", Role::Admin, None), None)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");

    // An admin can; the event names the admin.
    let hq = actor("hq.editor", Role::HqEditor, None);
    app.add_user(Some(&admin), &hq, None).await.unwrap();
    let event = app.store.audit_events().await.unwrap().pop().unwrap();
    assert_eq!(event.actor, "root.admin");
    assert_eq!(event.object_id, "hq.editor");

    // Nobody else can.
    let err = app
        .add_user(Some(&hq), &actor("sneaky", Role::Reader, None), None)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");

    // Refusals from the store: a duplicate name, an unknown post, a short password.
    let err = app.add_user(Some(&admin), &hq, None).await.unwrap_err();
    assert!(
        matches!(err, AppError::Store(StoreError::AlreadyExists(_))),
        "{err}"
    );
    let err = app
        .add_user(
            Some(&admin),
            &actor("lost", Role::PostDrafter, Some("ATLANTIS")),
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Store(StoreError::NotFound(_))),
        "{err}"
    );
    let err = app
        .add_user(
            Some(&admin),
            &actor("weak", Role::Reader, None),
            Some("short"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err}");

    let names: Vec<String> = app
        .store
        .users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.actor.username.to_string())
        .collect();
    assert_eq!(names, ["hq.editor", "root.admin"]);
    b.assert_chain_verifies().await;

    // Resolving accounts by name.
    assert_eq!(app.actor("hq.editor").await.unwrap(), hq);
    assert!(matches!(
        app.actor("nobody").await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.actor("Not A Name").await,
        Err(AppError::Invalid(_))
    ));
}

chancery_testkit::on_every_backend!(
    the_first_account_must_be_an_admin_and_later_ones_need_an_admin,
);
