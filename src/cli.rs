//! The subcommands: serve, migrate, seed-demo, print-schema, permissions, limits, token, audit-key.

use migration::{Migrator, MigratorTrait};

use crate::app;
use crate::auth;
use crate::config::{Cli, Command, Limits, MigrateAction};
use crate::db::{Db, DbOptions};
use crate::domain::{Principal, PrincipalKind, permissions};
use crate::graphql;

/// Runs the command line; errors are printed by `main`.
pub async fn run(cli: Cli) -> Result<(), String> {
    let global = cli.global;
    match cli.command.unwrap_or(Command::Serve(Box::new(cli.serve))) {
        Command::Serve(args) => app::serve(&global, *args).await,
        Command::Migrate { action } => {
            let options = DbOptions { url: global.database_url(), max_connections: 2, statement_timeout: None };
            let db = Db::connect(&options).await.map_err(|e| e.to_string())?;
            let result = match action {
                MigrateAction::Up => Migrator::up(&db.conn, None).await,
                MigrateAction::Down => Migrator::down(&db.conn, Some(1)).await,
                MigrateAction::Status => {
                    let list = Migrator::get_migration_with_status(&db.conn).await.map_err(|e| e.to_string())?;
                    for m in list {
                        println!("{:<10} {}", format!("{:?}", m.status()), m.name());
                    }
                    Ok(())
                }
            };
            result.map_err(|e| e.to_string())
        }
        Command::SeedDemo { cases } => {
            let db = app::open_database(&global, &Limits::default()).await?;
            if app::seed_if_empty(&db).await? {
                println!("loaded the demo data");
            } else {
                println!("the database already holds committees; the demo data was not loaded again");
            }
            if cases > 0 {
                let report = crate::service::demo::load_case_volume(&db, cases).await.map_err(|e| e.detail())?;
                println!("added {} generated cases with {} defendants", report.matters, report.defendants);
            }
            Ok(())
        }
        Command::PrintSchema => {
            print!("{}", graphql::sdl(&graphql::build_schema(&Limits::default())));
            Ok(())
        }
        Command::Permissions => {
            print!("{}", permissions::markdown_table());
            Ok(())
        }
        Command::Figures => {
            print!("{}", crate::domain::statistics::markdown());
            Ok(())
        }
        Command::Workflow => {
            print!("{}", crate::domain::cases::markdown());
            Ok(())
        }
        Command::Limits => {
            print!("{}", crate::config::limits_markdown());
            Ok(())
        }
        Command::Token(args) => {
            if args.grants.is_empty() {
                eprintln!("note: the token has no --role; it can only call `me`");
            }
            check_committees(&global, &args.grants).await?;
            let secret = auth::hs_secret(&global.auth, &global.data_dir)?
                .ok_or("no HS256 secret: pass --jwt-secret (public keys are configured)")?;
            let principal = Principal {
                subject: args.sub,
                name: args.name,
                kind: if args.service { PrincipalKind::Service } else { PrincipalKind::Person },
                grants: args.grants,
                agency: match &args.agency {
                    Some(id) => match crate::graphql::ids::decode_any(id) {
                        Some((crate::graphql::ids::Kind::Agency, n)) => Some(n),
                        _ => return Err("--agency is not an agency's global ID".into()),
                    },
                    None => None,
                },
            };
            let token = auth::issue(
                &secret,
                &principal,
                args.ttl,
                global.auth.jwt_issuer.as_deref(),
                global.auth.jwt_audience.as_deref(),
            )?;
            println!("{token}");
            Ok(())
        }
        Command::AuditKey { audit_key_file } => {
            let path = audit_key_file.unwrap_or_else(|| global.data_dir.join("audit-signing.key"));
            let key = crate::service::audit::AuditKeeper::load_or_create_key(&path)?;
            println!("{}", hex::encode(key.verifying_key().as_bytes()));
            Ok(())
        }
    }
}

/// Refuses grants on committees the configured database does not hold, so a
/// typo is caught here rather than as a token that reaches nothing.
async fn check_committees(global: &crate::config::GlobalArgs, grants: &[crate::domain::Grant]) -> Result<(), String> {
    if grants.is_empty() {
        return Ok(());
    }
    // Read only: issuing a token never migrates or seeds anything.
    let options = DbOptions { url: global.database_url(), max_connections: 1, statement_timeout: None };
    let db =
        Db::connect(&options).await.map_err(|e| format!("cannot open the database to check committee codes: {e}"))?;
    let codes: Vec<&str> = grants.iter().map(|g| g.committee.as_str()).collect();
    let known = crate::db::committees::existing_codes(&db.conn, &codes).await.map_err(|_| {
        format!(
            "cannot check committee codes in {}: is it set up? (`cargo run` creates it with the demo committees)",
            app::redact(&global.database_url())
        )
    })?;
    let unknown: Vec<&str> = codes.into_iter().filter(|c| !known.iter().any(|k| k == c)).collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(format!(
        "no committee {} in {} (committee codes look like NGHE_AN; `cargo run` loads the demo committees)",
        unknown.join(", "),
        app::redact(&global.database_url())
    ))
}
