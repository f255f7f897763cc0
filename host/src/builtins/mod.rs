//! Commands the host implements itself: the `Cert:` drive provider and small utilities.

mod accounts;
mod acme;
mod add_member;
mod appliance;
mod cert_drive;
mod cert_items;
mod compare;
mod component;
mod credential;
mod csv;
mod invoke;
mod json;
pub(crate) use json::to_json;
mod measure;
mod modules;
mod netsh;
mod objects;
mod paths;
mod pfx_bundle;
mod pfx_data;
mod root_keys;
mod secure_string;
mod server_state;
mod session_state;
mod shell;
mod ssl_binding;
mod store_backup;
mod streams;
mod text;
mod type_data;
pub mod utility;
mod variables;
mod web;
mod write_output;

use crate::engine::{Command, Session};
use crate::services::Host;
use crate::store::Database;
use std::rc::Rc;

pub use component::{register_builtin, register_module};

/// The services the session was made with.
pub(crate) fn host(session: &Session) -> Rc<Host> {
    // Invariant: every session whose commands are these built-ins is made with a
    // `services::Host` as its context (main.rs is the one place sessions are made).
    session
        .context::<Host>()
        .expect("the shell's session carries the services")
}

/// Runs `f` with the session's database.
pub(crate) fn with_database<R>(session: &Session, f: impl FnOnce(&mut Database) -> R) -> R {
    f(&mut host(session).database())
}

/// A SHA-1 thumbprint the user gave a command, normalized (`crate::thumbprint`): spaces
/// and invisible characters removed, upper case; the warning is written when something
/// was removed.
pub(crate) fn thumbprint_argument(
    session: &mut Session,
    text: &str,
) -> Result<String, crate::thumbprint::ThumbprintError> {
    let normalized = crate::thumbprint::normalize(text, crate::thumbprint::Accepted::Sha1)?;
    if let Some(warning) = normalized.warning() {
        session.warning(&warning);
    }
    Ok(normalized.value)
}

pub use cert_drive::{CertPath, parse_cert_path};
pub use netsh::{REST_API_APP_ID, check_request as check_netsh_request};

/// Every built-in command.
pub fn all() -> Vec<Rc<dyn Command>> {
    vec![
        Rc::new(cert_drive::CertDriveCommand::get_child_item()),
        Rc::new(cert_drive::CertDriveCommand::get_item()),
        Rc::new(cert_items::new_item()),
        Rc::new(cert_items::remove_item()),
        Rc::new(cert_items::set_location()),
        Rc::new(cert_items::get_location()),
        Rc::new(secure_string::ConvertToSecureString::new()),
        Rc::new(write_output::write_output()),
        Rc::new(objects::where_object()),
        Rc::new(objects::for_each_object()),
        Rc::new(objects::select_object()),
        Rc::new(objects::sort_object()),
        Rc::new(measure::measure_object()),
        Rc::new(objects::group_object()),
        Rc::new(utility::get_date()),
        Rc::new(utility::start_sleep()),
        Rc::new(web::invoke_rest_method()),
        Rc::new(web::invoke_web_request()),
        Rc::new(streams::write_debug()),
        Rc::new(streams::write_information()),
        Rc::new(streams::write_progress()),
        Rc::new(streams::clear_host()),
        Rc::new(credential::get_credential()),
        Rc::new(text::select_string()),
        Rc::new(objects::new_object()),
        Rc::new(objects::new_guid()),
        Rc::new(text::convert_from_string_data()),
        Rc::new(utility::write_host()),
        Rc::new(utility::write_error()),
        Rc::new(utility::write_warning()),
        Rc::new(utility::write_verbose()),
        Rc::new(utility::format_list()),
        Rc::new(utility::format_table()),
        Rc::new(utility::out_string()),
        Rc::new(utility::out_null()),
        Rc::new(utility::get_command()),
        Rc::new(json::convert_to_json()),
        Rc::new(json::convert_from_json()),
        Rc::new(netsh::netsh()),
        Rc::new(ssl_binding::get()),
        Rc::new(accounts::new_api_account()),
        Rc::new(accounts::get_api_account()),
        Rc::new(accounts::remove_api_account()),
        Rc::new(server_state::get_server_identity()),
        Rc::new(server_state::set_server_identity_command()),
        Rc::new(acme::new_acme_certificate()),
        Rc::new(acme::get_acme_renewal()),
        Rc::new(acme::test_acme_renewal()),
        Rc::new(acme::get_acme_account()),
        Rc::new(acme::remove_acme_account()),
        Rc::new(appliance::get_trusted_peer()),
        Rc::new(appliance::add_trusted_peer()),
        Rc::new(appliance::remove_trusted_peer()),
        Rc::new(appliance::test_trusted_peer()),
        Rc::new(appliance::export_appliance_certificate()),
        Rc::new(appliance::invoke_certificate_exchange()),
        Rc::new(ssl_binding::add()),
        Rc::new(ssl_binding::set()),
        Rc::new(ssl_binding::remove()),
        Rc::new(modules::import_module()),
        Rc::new(modules::get_module()),
        Rc::new(shell::get_help()),
        Rc::new(shell::get_member()),
        Rc::new(shell::read_host()),
        Rc::new(shell::test_path()),
        Rc::new(shell::get_content()),
        Rc::new(shell::set_content()),
        Rc::new(shell::out_file()),
        Rc::new(csv::convert_to_csv()),
        Rc::new(csv::convert_from_csv()),
        Rc::new(csv::export_csv()),
        Rc::new(csv::import_csv()),
        Rc::new(paths::join_path()),
        Rc::new(paths::split_path()),
        Rc::new(paths::resolve_path()),
        Rc::new(compare::compare_object()),
        Rc::new(compare::get_unique()),
        Rc::new(compare::tee_object()),
        Rc::new(variables::get_variable()),
        Rc::new(variables::set_variable()),
        Rc::new(variables::new_variable()),
        Rc::new(variables::remove_variable()),
        Rc::new(variables::clear_variable()),
        Rc::new(type_data::update_type_data()),
        Rc::new(add_member::add_member()),
        Rc::new(session_state::set_strict_mode()),
        Rc::new(session_state::get_history()),
        Rc::new(pfx_data::get_pfx_data()),
        Rc::new(store_backup::backup_certificate_store()),
        Rc::new(store_backup::restore_certificate_store()),
        Rc::new(root_keys::get_root_key()),
        Rc::new(root_keys::update_root_key()),
        Rc::new(utility::new_time_span()),
        Rc::new(invoke::invoke_command()),
    ]
}
