//! Certificate slots: which certificate the backup server, the cloud gateway and the
//! Enterprise Manager's two roles use, and the atomic rotation that changes one.

use super::bindings::check_servable;
use super::certificates::insert_entry;
use super::stores::existing_store;
use super::{Binding, BindingError, Database, NewEntry, StoreError, canonical_store_name, now};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

/// The slots, in their canonical spelling.
pub const SLOTS: &[&str] = &[
    "BackupServer",
    "CloudGateway",
    "EnterpriseManagerServer",
    "EnterpriseManagerWebUI",
];

/// The slot whose first use also binds the REST API endpoint.
pub const BACKUP_SERVER_SLOT: &str = "BackupServer";

/// What a slot holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotAssignment {
    pub slot: String,
    pub store: String,
    pub thumbprint: String,
    pub automatically_generated: bool,
    /// Unix seconds.
    pub assigned_at: i64,
}

/// What assigning a certificate to a slot changes, or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentPlan {
    /// The thumbprint the slot held before.
    pub previous: Option<String>,
    /// The thumbprint the slot holds after.
    pub thumbprint: String,
    /// Bindings that served `previous` and now serve `thumbprint`.
    pub rebound_endpoints: Vec<String>,
    /// Trusted peers told of the new key before the switch (a change of the backup
    /// server certificate, which identifies this server to them).
    pub pinned_by: Vec<String>,
    /// False when `only_if_unset` found the slot already set (nothing changed).
    pub assigned: bool,
}

/// A certificate to put in a slot.
pub struct Assignment<'a> {
    pub slot: &'a str,
    pub store: &'a str,
    pub entry: &'a NewEntry,
    pub automatically_generated: bool,
    /// Only fill an empty slot (first use); an occupied slot is left as it is.
    pub only_if_unset: bool,
    /// Bound in the same transaction when the slot was empty and its endpoint is free
    /// (the first certificate of the backup server gets the REST API endpoint).
    pub default_binding: Option<Binding>,
}

/// Why a slot change was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SlotError {
    #[error(
        "'{0}' is not a certificate slot: use BackupServer, CloudGateway, EnterpriseManagerServer or EnterpriseManagerWebUI"
    )]
    UnknownSlot(String),
    #[error(transparent)]
    Binding(#[from] BindingError),
}

impl From<rusqlite::Error> for SlotError {
    fn from(e: rusqlite::Error) -> Self {
        SlotError::Binding(BindingError::from(e))
    }
}

impl From<StoreError> for SlotError {
    fn from(e: StoreError) -> Self {
        SlotError::Binding(BindingError::Store(e))
    }
}

/// The canonical spelling of a slot name.
pub fn canonical_slot(name: &str) -> Result<&'static str, SlotError> {
    SLOTS
        .iter()
        .find(|s| s.eq_ignore_ascii_case(name.trim()))
        .copied()
        .ok_or_else(|| SlotError::UnknownSlot(name.to_string()))
}

fn read_slot(
    conn: &rusqlite::Connection,
    slot: &str,
) -> Result<Option<SlotAssignment>, rusqlite::Error> {
    conn.query_row(
        "SELECT name, store, thumbprint, automatically_generated, assigned_at FROM slots WHERE name = ?1",
        [slot],
        |r| {
            Ok(SlotAssignment {
                slot: r.get(0)?,
                store: r.get(1)?,
                thumbprint: r.get(2)?,
                automatically_generated: r.get(3)?,
                assigned_at: r.get(4)?,
            })
        },
    )
    .optional()
}

/// Endpoints bound to `thumbprint`, sorted.
fn endpoints_serving(
    conn: &rusqlite::Connection,
    thumbprint: &str,
) -> Result<Vec<String>, rusqlite::Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT endpoint FROM bindings WHERE certificate_hash = ?1 ORDER BY endpoint",
    )?;
    stmt.query_map([thumbprint], |r| r.get(0))?.collect()
}

/// Trusted peers to tell of a change of `slot`, sorted: every peer when the slot is the
/// backup server's (its certificate identifies this server to them), else none.
fn peers_to_notify(
    conn: &rusqlite::Connection,
    slot: &str,
) -> Result<Vec<String>, rusqlite::Error> {
    if slot != BACKUP_SERVER_SLOT {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached("SELECT name FROM trusted_peers ORDER BY name")?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

fn plan(
    conn: &rusqlite::Connection,
    slot: &str,
    previous: Option<String>,
    thumbprint: &str,
) -> Result<AssignmentPlan, rusqlite::Error> {
    let (rebound_endpoints, pinned_by) = match &previous {
        Some(p) if p != thumbprint => (endpoints_serving(conn, p)?, peers_to_notify(conn, slot)?),
        _ => (Vec::new(), Vec::new()),
    };
    Ok(AssignmentPlan {
        previous,
        thumbprint: thumbprint.to_string(),
        rebound_endpoints,
        pinned_by,
        assigned: true,
    })
}

impl Database {
    /// What a slot holds, if anything.
    pub fn get_slot(&self, slot: &str) -> Result<Option<SlotAssignment>, SlotError> {
        Ok(read_slot(&self.conn, canonical_slot(slot)?)?)
    }

    /// What assigning `thumbprint` to `slot` would change, without changing it.
    pub fn plan_assignment(
        &self,
        slot: &str,
        thumbprint: &str,
    ) -> Result<AssignmentPlan, SlotError> {
        let slot = canonical_slot(slot)?;
        let previous = read_slot(&self.conn, slot)?.map(|s| s.thumbprint);
        Ok(plan(
            &self.conn,
            slot,
            previous,
            &thumbprint.trim().to_ascii_uppercase(),
        )?)
    }

    /// In one transaction: stores the entry, points the slot at it, and re-points every
    /// binding that served the slot's previous certificate. Either all of it happens or
    /// none: no moment exists where a binding has no valid certificate.
    pub fn assign_certificate(&mut self, a: &Assignment<'_>) -> Result<AssignmentPlan, SlotError> {
        let slot = canonical_slot(a.slot)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let store = existing_store(&tx, a.store)?;
        let current = read_slot(&tx, slot)?;
        if a.only_if_unset
            && let Some(current) = current
        {
            let mut unchanged = plan(&tx, slot, None, &current.thumbprint)?;
            unchanged.assigned = false;
            return Ok(unchanged);
        }
        let inserted = insert_entry(&tx, &self.keys, &store, a.entry)?;
        let thumbprint = inserted.thumbprint;
        check_servable(&tx, &store, &thumbprint)?;
        let first_assignment = current.is_none();
        let mut result = plan(&tx, slot, current.map(|c| c.thumbprint), &thumbprint)?;
        tx.execute(
            "INSERT INTO slots (name, store, thumbprint, automatically_generated, assigned_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (name) DO UPDATE SET store = excluded.store, thumbprint = excluded.thumbprint,
               automatically_generated = excluded.automatically_generated, assigned_at = excluded.assigned_at",
            params![slot, store, thumbprint, a.automatically_generated, now()],
        )?;
        for endpoint in &result.rebound_endpoints {
            tx.execute(
                "UPDATE bindings SET certificate_hash = ?2, store_name = ?3, updated_at = ?4 WHERE endpoint = ?1",
                params![endpoint, thumbprint, store.to_ascii_uppercase(), now()],
            )?;
        }
        if let Some(binding) = a.default_binding.as_ref().filter(|_| first_assignment) {
            let added = tx.execute(
                "INSERT INTO bindings (endpoint, sni, certificate_hash, app_id, store_name, client_cert_negotiation, verify_revocation, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
                params![binding.endpoint, binding.sni, thumbprint, binding.app_id, store.to_ascii_uppercase(),
                        binding.client_certificate_negotiation, binding.verify_client_certificate_revocation, now()],
            )?;
            if added > 0 {
                result.rebound_endpoints.push(binding.endpoint.clone());
            }
        }
        tx.commit()?;
        if inserted.replaced_key {
            self.scrub();
        }
        Ok(result)
    }

    /// Every slot that is set, in [`SLOTS`] order.
    pub fn list_slots(&self) -> Result<Vec<SlotAssignment>, SlotError> {
        let mut out = Vec::new();
        for slot in SLOTS {
            if let Some(s) = read_slot(&self.conn, slot)? {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// What uses a certificate: `binding 0.0.0.0:9419`, `slot BackupServer`.
    pub fn certificate_uses(
        &self,
        store: &str,
        thumbprint: &str,
    ) -> Result<Vec<String>, StoreError> {
        certificate_uses(&self.conn, &canonical_store_name(store)?, thumbprint)
    }
}

/// What uses a certificate (in `store`, canonical): bindings and slots.
pub(super) fn certificate_uses(
    conn: &rusqlite::Connection,
    store: &str,
    thumbprint: &str,
) -> Result<Vec<String>, StoreError> {
    let thumbprint = thumbprint.trim().to_ascii_uppercase();
    let mut uses: Vec<String> = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT endpoint, store_name FROM bindings WHERE certificate_hash = ?1 ORDER BY endpoint",
    )?;
    let rows: Vec<(String, String)> = stmt
        .query_map([&thumbprint], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (endpoint, binding_store) in rows {
        if canonical_store_name(&binding_store).is_ok_and(|s| s.eq_ignore_ascii_case(store)) {
            uses.push(format!("binding {endpoint}"));
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT name FROM slots WHERE thumbprint = ?1 AND store = ?2 ORDER BY name",
    )?;
    let slots: Vec<String> = stmt
        .query_map(params![thumbprint, store], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    uses.extend(slots.into_iter().map(|s| format!("slot {s}")));
    Ok(uses)
}
