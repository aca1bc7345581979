//! Committees, agencies, people, positions and the audit trail.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Committee::Table)
                    .col(big_pk_auto(Committee::Id))
                    .col(string_len_uniq(Committee::Code, 32))
                    .col(string_len(Committee::Name, 200))
                    .col(string_len(Committee::SearchName, 200))
                    .col(string_len(Committee::Level, 16))
                    .col(big_integer_null(Committee::ParentId))
                    .col(string_len_null(Committee::Province, 100))
                    .col(date(Committee::EstablishedOn))
                    .col(string_len(Committee::Regulation, 100))
                    .col(string_len(Committee::Status, 16))
                    .col(big_integer_null(Committee::SuccessorId))
                    .col(date_null(Committee::EndedOn))
                    .col(timestamp_with_time_zone(Committee::CreatedAt))
                    .col(timestamp_with_time_zone(Committee::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Committee::Table, Committee::ParentId)
                            .to(Committee::Table, Committee::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Committee::Table, Committee::SuccessorId)
                            .to(Committee::Table, Committee::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "ix_committee_name", Committee::Table, &[Committee::Name, Committee::Id]).await?;
        index(manager, "ix_committee_parent", Committee::Table, &[Committee::ParentId]).await?;
        index(manager, "ix_committee_successor", Committee::Table, &[Committee::SuccessorId]).await?;

        manager
            .create_table(
                Table::create()
                    .table(Agency::Table)
                    .col(big_pk_auto(Agency::Id))
                    .col(big_integer(Agency::CommitteeId))
                    .col(string_len(Agency::Kind, 32))
                    .col(string_len(Agency::Name, 300))
                    .col(timestamp_with_time_zone(Agency::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Agency::Table, Agency::CommitteeId)
                            .to(Committee::Table, Committee::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "ix_agency_committee", Agency::Table, &[Agency::CommitteeId, Agency::Kind]).await?;

        manager
            .create_table(
                Table::create()
                    .table(Person::Table)
                    .col(big_pk_auto(Person::Id))
                    .col(string_len(Person::FullName, 200))
                    .col(string_len(Person::SearchName, 200))
                    .col(boolean(Person::PartyMember))
                    .col(big_integer(Person::HomeCommitteeId))
                    .col(timestamp_with_time_zone(Person::CreatedAt))
                    .col(timestamp_with_time_zone(Person::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Person::Table, Person::HomeCommitteeId)
                            .to(Committee::Table, Committee::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "ix_person_name", Person::Table, &[Person::FullName, Person::Id]).await?;
        index(manager, "ix_person_home", Person::Table, &[Person::HomeCommitteeId]).await?;

        manager
            .create_table(
                Table::create()
                    .table(Position::Table)
                    .col(big_pk_auto(Position::Id))
                    .col(big_integer(Position::PersonId))
                    .col(big_integer(Position::CommitteeId))
                    .col(string_len(Position::Role, 32))
                    .col(boolean(Position::Standing))
                    .col(string_len(Position::Title, 300))
                    .col(date(Position::StartOn))
                    .col(date_null(Position::EndOn))
                    .col(string_len_null(Position::EndReason, 500))
                    .col(timestamp_with_time_zone(Position::CreatedAt))
                    .col(timestamp_with_time_zone(Position::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create().from(Position::Table, Position::PersonId).to(Person::Table, Person::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Position::Table, Position::CommitteeId)
                            .to(Committee::Table, Committee::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // Seats of a committee, current ones first by the partial scans the
        // "active at a date" filter makes.
        index(
            manager,
            "ix_position_committee",
            Position::Table,
            &[Position::CommitteeId, Position::EndOn, Position::StartOn],
        )
        .await?;
        index(manager, "ix_position_person", Position::Table, &[Position::PersonId, Position::StartOn]).await?;
        index(manager, "ix_position_start", Position::Table, &[Position::StartOn, Position::Id]).await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvent::Table)
                    .col(big_pk_auto(AuditEvent::Id))
                    .col(timestamp_with_time_zone(AuditEvent::At))
                    .col(string_len(AuditEvent::Actor, 200))
                    .col(string_len(AuditEvent::ActorKind, 16))
                    .col(string_len(AuditEvent::Action, 64))
                    .col(string_len(AuditEvent::Entity, 64))
                    .col(big_integer(AuditEvent::EntityId))
                    .col(big_integer_null(AuditEvent::CommitteeId))
                    .col(text(AuditEvent::Payload))
                    .col(string_len(AuditEvent::PrevHash, 64))
                    .col(string_len(AuditEvent::Hash, 64))
                    .to_owned(),
            )
            .await?;
        index(manager, "ix_audit_entity", AuditEvent::Table, &[AuditEvent::Entity, AuditEvent::EntityId]).await?;
        index(manager, "ix_audit_committee", AuditEvent::Table, &[AuditEvent::CommitteeId, AuditEvent::Id]).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEvent::Table.into_iden(),
            Position::Table.into_iden(),
            Person::Table.into_iden(),
            Agency::Table.into_iden(),
            Committee::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

async fn index<T, C>(manager: &SchemaManager<'_>, name: &str, table: T, cols: &[C]) -> Result<(), DbErr>
where
    T: IntoIden + Copy + 'static,
    C: IntoIden + Copy + 'static,
{
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(*col);
    }
    manager.create_index(stmt.to_owned()).await
}

#[derive(DeriveIden, Clone, Copy)]
enum Committee {
    Table,
    Id,
    Code,
    Name,
    SearchName,
    Level,
    ParentId,
    Province,
    EstablishedOn,
    Regulation,
    Status,
    SuccessorId,
    EndedOn,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Agency {
    Table,
    Id,
    CommitteeId,
    Kind,
    Name,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Person {
    Table,
    Id,
    FullName,
    SearchName,
    PartyMember,
    HomeCommitteeId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Position {
    Table,
    Id,
    PersonId,
    CommitteeId,
    Role,
    Standing,
    Title,
    StartOn,
    EndOn,
    EndReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvent {
    Table,
    Id,
    At,
    Actor,
    ActorKind,
    Action,
    Entity,
    EntityId,
    CommitteeId,
    Payload,
    PrevHash,
    Hash,
}
