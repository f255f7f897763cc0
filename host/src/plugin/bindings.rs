//! The WIT bindings, generated once here and used by the rest of the plugin module.

wasmtime::component::bindgen!({
    world: "certificate-plugin",
    path: "../wit",
});
