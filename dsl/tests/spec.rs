//! The real spec in `spec/` elaborates with no errors and no warnings.

use std::path::Path;
use wspec_dsl::{diag, elab, source};

#[test]
fn the_spec_checks_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let sources = source::load_dir(&dir).expect("spec/ loads");
    let checked = elab::check(&sources);
    let rendered = diag::render_all(&checked.diagnostics, &sources);
    assert!(checked.diagnostics.is_empty(), "spec/ has diagnostics:\n{rendered}");
    let s = checked.spec.summary();
    // The abstract syntax of all Wasm 3.0 instructions is there: spot-check a few constructors
    // from each group, and that the big types exist.
    for ty in ["numtype", "valtype", "reftype", "comptype", "subtype", "rectype", "instr", "module", "limits"] {
        assert!(checked.spec.type_index.contains_key(ty), "missing syntax type {ty}");
    }
    assert!(s.constructors > 300, "only {} constructors", s.constructors);
}

#[test]
fn every_instruction_of_wasm_1_0_has_a_constructor() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let sources = source::load_dir(&dir).expect("spec/ loads");
    let checked = elab::check(&sources);
    let spec = &checked.spec;
    let instr = spec.type_index["instr"];
    let wasm_ir::TypeBody::Variant(cases) = &spec.types[instr].body else { panic!("instr is not a variant") };
    let heads: Vec<String> = cases
        .iter()
        .filter_map(|c| match &c.kind {
            wasm_ir::CaseKind::Con(m) => m.head().map(|h| h.to_string()),
            _ => None,
        })
        .collect();
    // Wasm 1.0's instructions, grouped as the standard groups them (numeric instructions are
    // families indexed by type: CONST, UNOP, BINOP, TESTOP, RELOP, CVTOP).
    let wasm1 = [
        "UNREACHABLE", "NOP", "BLOCK", "LOOP", "IF", "BR", "BR_IF", "BR_TABLE", "RETURN", "CALL",
        "CALL_INDIRECT", "DROP", "SELECT", "LOCAL.GET", "LOCAL.SET", "LOCAL.TEE", "GLOBAL.GET",
        "GLOBAL.SET", "LOAD", "STORE", "MEMORY.SIZE", "MEMORY.GROW", "CONST", "UNOP", "BINOP",
        "TESTOP", "RELOP", "CVTOP",
    ];
    for h in wasm1 {
        assert!(heads.iter().any(|x| x == h), "no constructor {h} in instr");
    }
}

use wspec_dsl::ir as wasm_ir;

/// The execution code that spec/ generates.
fn generated_exec() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let sources = source::load_dir(&dir).expect("spec/ loads");
    let checked = elab::check(&sources);
    let files = wspec_dsl::codegen::generate(&checked.spec, &sources).expect("spec/ generates");
    files.into_iter().find(|f| f.path.ends_with("exec.rs")).expect("an exec.rs").text
}

/// A step rule that takes apart a definition's value but uses only the lengths of its lists
/// (`(t_1^m -> t_2^n) = $blocktype_(z, bt)`) calls the definition's lengths function, and the
/// block's rule builds no instruction type.
#[test]
fn lists_bound_only_for_their_lengths_are_not_built() {
    let exec = &generated_exec();
    assert!(exec.contains("pub fn blocktype__lengths("), "no lengths function for $blocktype_");
    let block = exec.split("rule Step_read/block\n").nth(1).expect("the block rule").split("\n}\n").next().unwrap_or_default();
    assert!(block.contains("defs::blocktype__lengths("), "the block rule does not use the lengths:\n{block}");
    assert!(!block.contains("Instrtype"), "the block rule still builds an instruction type:\n{block}");
}

/// Loads and stores move the bytes of a number without a list of their own: a load reads them
/// where they lie in the memory, a store splices the builtin's inline bytes into it.
#[test]
fn memory_accesses_allocate_no_list_of_bytes() {
    let exec = &generated_exec();
    let rule = |name: &str| exec.split(&format!("rule {name}\n")).nth(1).unwrap_or_default().split("\n}\n").next().unwrap_or_default().to_string();
    for load in ["Step_read/load-num-val", "Step_read/load-pack-val"] {
        let body = rule(load);
        assert!(body.contains("seq::slice_ref("), "{load} does not borrow the bytes:\n{body}");
        assert!(!body.contains("seq::slice("), "{load} copies the bytes:\n{body}");
    }
    let store = rule("Step/store-pack-val");
    assert!(store.contains("builtins::ibytes(") && !store.contains("Vec::from("), "the store makes a list of its bytes:\n{store}");
    let with_mem = exec.split("pub fn with_mem(").nth(1).expect("$with_mem").split("\n    }\n").next().unwrap_or_default();
    assert!(with_mem.contains("&[Byte]") && with_mem.contains("seq::splice_from("), "$with_mem does not splice borrowed bytes:\n{with_mem}");
}
