//! What a selection reads of its rows. Each type that lists can be read
//! narrow has a table next to it of the columns each of its fields reads
//! (besides those every read of it has); a selection reads the union of its
//! fields' columns, and a field the table does not list reads the whole row.
//! Tests check the tables against the schema and compare every field read
//! narrow with the same field read whole.

use async_graphql::SelectionField;

use crate::db::columns::{ColumnIndex, Columns};

/// A type's field → columns table.
pub type ColumnTable<C> = &'static [(&'static str, &'static [C])];

/// The columns `fields` read, with `always`; the whole row if any of them
/// is not in `table`.
pub fn columns<'a, C: ColumnIndex>(
    fields: impl IntoIterator<Item = SelectionField<'a>>,
    table: ColumnTable<C>,
    always: &[C],
) -> Columns<C::Entity> {
    let mut set = Columns::of(always.iter().copied());
    for field in fields {
        if field.name() == "__typename" {
            continue;
        }
        match table.iter().find(|(name, _)| *name == field.name()) {
            Some((_, read)) => set = set.with(read.iter().copied()),
            None => return Columns::ALL,
        }
    }
    set
}

/// The selections on the nodes of the connection `conn` (through
/// `edges { node }` and `nodes`), fragments included.
pub fn node_selections(conn: SelectionField<'_>) -> Vec<SelectionField<'_>> {
    let mut out = Vec::new();
    for f in conn.selection_set() {
        match f.name() {
            "edges" => {
                for node in f.selection_set().filter(|n| n.name() == "node") {
                    out.extend(node.selection_set());
                }
            }
            "nodes" => out.extend(f.selection_set()),
            _ => {}
        }
    }
    out
}
