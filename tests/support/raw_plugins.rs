//! Hostile plugins the Rust SDK cannot express, built in the test from a hand-written core
//! module (wasm-encoder) made into a real component against `wit/0.2.0/` (wit-component):
//! a component with sixteen linear memories, and one whose tool grows a table by millions of
//! elements. Each exports the whole `plugin` interface with valid answers (a manifest, one
//! tool, no collections, no chunker, no dice), so the only thing wrong with it is the hostile
//! part.
//!
//! The core module keeps its answers as static data: `describe`, `tools` and the others
//! return a pointer to a record laid out in the canonical ABI, and `cabi_realloc` is a bump
//! allocator for the arguments the host lowers into memory.

use std::path::Path;

use wasm_encoder::{
    CodeSection, ConstExpr, DataSection, ExportKind, ExportSection, Function, FunctionSection, GlobalSection,
    GlobalType, HeapType, Instruction, MemorySection, MemoryType, Module, RefType, TableSection, TableType,
    TypeSection, ValType,
};

/// Where the static data starts in memory 0.
const DATA_BASE: u32 = 1024;
/// Where `cabi_realloc` starts handing out memory (memory 0 has 16 pages, 1 MiB).
const HEAP_BASE: i32 = 64 << 10;

/// What a raw plugin does wrong.
pub struct RawPlugin {
    /// The plugin id (the system is `<id>-system`, the one tool `<id>__grow_table`).
    pub id: &'static str,
    /// Linear memories the core module defines (a plugin may have one).
    pub memories: u32,
    /// Elements the tool `grow_table` adds to its table on every call (0: none).
    pub table_growth: u32,
}

/// A component with sixteen linear memories (plugin id `memories`).
pub fn sixteen_memories() -> Vec<u8> {
    component(&RawPlugin { id: "memories", memories: 16, table_growth: 0 })
}

/// A component whose tool `grow_table` grows its table by `elements` (plugin id `tables`).
pub fn table_grower(elements: u32) -> Vec<u8> {
    component(&RawPlugin { id: "tables", memories: 1, table_growth: elements })
}

/// Static data in memory 0, laid out as the canonical ABI reads it.
struct Data {
    bytes: Vec<u8>,
}

impl Data {
    fn here(&self) -> u32 {
        DATA_BASE + self.bytes.len() as u32
    }

    fn align(&mut self, to: usize) {
        while !self.bytes.len().is_multiple_of(to) {
            self.bytes.push(0);
        }
    }

    fn string(&mut self, text: &str) -> (u32, u32) {
        let at = self.here();
        self.bytes.extend_from_slice(text.as_bytes());
        (at, text.len() as u32)
    }

    fn u32(&mut self, value: u32) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    fn pair(&mut self, (ptr, len): (u32, u32)) {
        self.u32(ptr);
        self.u32(len);
    }

    /// `size` zero bytes at an `align`-aligned address (a `none` or an empty list).
    fn zeros(&mut self, align: usize, size: usize) -> u32 {
        self.align(align);
        let at = self.here();
        self.bytes.extend(std::iter::repeat_n(0, size));
        at
    }
}

/// The component of `plugin`, built against `wit/0.2.0/`.
pub fn component(plugin: &RawPlugin) -> Vec<u8> {
    let mut module = core_module(plugin);
    let wit = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").exists())
        .expect("the workspace root")
        .join("wit/0.2.0");
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve.push_dir(&wit).expect("parsing wit/0.2.0");
    let world = resolve.select_world(&[package], Some("game-system")).expect("the game-system world");
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .expect("embedding the component type");
    wit_component::ComponentEncoder::default()
        .module(&module)
        .expect("the core module")
        .validate(true)
        .encode()
        .expect("encoding the component")
}

fn core_module(plugin: &RawPlugin) -> Vec<u8> {
    let mut data = Data { bytes: Vec::new() };
    let system = format!("{}-system", plugin.id);
    let strings = [
        data.string(plugin.id),
        data.string("1.0.0"),
        data.string(&system),
        data.string("Raw hostile plugin (test fixture)"),
        data.string("Test fixture built from a hand-written core module; hostile on purpose."),
        data.string("0.2.0"),
    ];
    let tool_name = data.string("grow_table");
    let tool_title = data.string("Grow a table");
    let tool_description = data.string("Grows the plugin's table, then answers {\"ok\": true}.");
    let schema = data.string(r#"{"type":"object"}"#);
    let ok_json = data.string(r#"{"ok":true}"#);
    let no_dice = data.string("no dice grammar");

    // describe: the manifest record (six strings and an empty capability list).
    let empty_list = data.zeros(4, 0);
    data.align(4);
    let manifest = data.here();
    for text in strings {
        data.pair(text);
    }
    data.pair((empty_list, 0));
    // tools: a list of one tool-spec (five strings, three flags, the role).
    data.align(4);
    let tool = data.here();
    for text in [tool_name, tool_title, tool_description, schema, schema] {
        data.pair(text);
    }
    data.bytes.extend_from_slice(&[1, 0, 0, 0]); // read-only, not destructive, not idempotent, gm
    let tools = data.here();
    data.pair((tool, 1));
    let collections = data.here();
    data.pair((empty_list, 0));
    // dice-grammar: option<string> none; chunk-document: option<…> none.
    let dice_grammar = data.zeros(4, 12);
    let chunk = data.zeros(4, 16);
    // call-tool: result<string, tool-error> ok(`{"ok":true}`).
    data.align(4);
    let call_result = data.here();
    data.u32(0);
    data.pair(ok_json);
    data.u32(0);
    // roll: result<dice-roll, string> err("no dice grammar"); the payload is 8-aligned.
    let roll = data.zeros(8, 48);
    let at = (roll - DATA_BASE) as usize;
    data.bytes[at] = 1;
    data.bytes[at + 8..at + 12].copy_from_slice(&no_dice.0.to_le_bytes());
    data.bytes[at + 12..at + 16].copy_from_slice(&no_dice.1.to_le_bytes());

    let mut types = TypeSection::new();
    let i32s = |n: usize| vec![ValType::I32; n];
    types.ty().function([], [ValType::I32]); // 0: () -> ptr
    types.ty().function(i32s(9), [ValType::I32]); // 1: call-tool
    types.ty().function(i32s(4), [ValType::I32]); // 2: chunk-document, cabi_realloc
    types.ty().function(i32s(7), [ValType::I32]); // 3: roll

    let exports_of: [(&str, u32, Vec<Instruction>); 8] = [
        ("describe", 0, returning(manifest)),
        ("tools", 0, returning(tools)),
        ("call-tool", 1, call_tool(plugin.table_growth, call_result)),
        ("collections", 0, returning(collections)),
        ("chunk-document", 2, returning(chunk)),
        ("dice-grammar", 0, returning(dice_grammar)),
        ("roll", 3, returning(roll)),
        ("", 2, bump_allocator()),
    ];
    let mut functions = FunctionSection::new();
    let mut code = CodeSection::new();
    let mut exports = ExportSection::new();
    for (index, (name, ty, body)) in exports_of.iter().enumerate() {
        functions.function(*ty);
        let mut function = Function::new(if name.is_empty() { vec![(1, ValType::I32)] } else { vec![] });
        for instruction in body {
            function.instruction(instruction);
        }
        code.function(&function);
        let export = if name.is_empty() {
            "cabi_realloc".to_string()
        } else {
            format!("ttrpg:plugin/plugin@0.2.0#{name}")
        };
        exports.export(&export, ExportKind::Func, index as u32);
    }
    exports.export("memory", ExportKind::Memory, 0);

    let mut memories = MemorySection::new();
    for i in 0..plugin.memories.max(1) {
        let pages = if i == 0 { 16 } else { 1 };
        memories.memory(MemoryType {
            minimum: pages,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
    }
    let mut tables = TableSection::new();
    tables.table(TableType {
        element_type: RefType::FUNCREF,
        table64: false,
        minimum: 1,
        maximum: None,
        shared: false,
    });
    let mut globals = GlobalSection::new();
    globals.global(
        GlobalType { val_type: ValType::I32, mutable: true, shared: false },
        &ConstExpr::i32_const(HEAP_BASE),
    );
    let mut segments = DataSection::new();
    segments.active(0, &ConstExpr::i32_const(DATA_BASE as i32), data.bytes.iter().copied());

    let mut module = Module::new();
    module
        .section(&types)
        .section(&functions)
        .section(&tables)
        .section(&memories)
        .section(&globals)
        .section(&exports)
        .section(&code)
        .section(&segments);
    module.finish()
}

/// A body that returns the address of a static answer.
fn returning(address: u32) -> Vec<Instruction<'static>> {
    vec![Instruction::I32Const(address as i32), Instruction::End]
}

/// `call-tool`: grows table 0 by `growth` null elements (if any), then answers `ok`.
fn call_tool(growth: u32, answer: u32) -> Vec<Instruction<'static>> {
    let mut body = Vec::new();
    if growth > 0 {
        body.extend([
            Instruction::RefNull(HeapType::FUNC),
            Instruction::I32Const(growth as i32),
            Instruction::TableGrow(0),
            Instruction::Drop,
        ]);
    }
    body.extend(returning(answer));
    body
}

/// `cabi_realloc(old_ptr, old_size, align, new_size)`: the next `align`-aligned address from
/// the heap global, which moves past `new_size` bytes (nothing is ever freed).
fn bump_allocator() -> Vec<Instruction<'static>> {
    vec![
        // ptr = (heap + align - 1) & -align
        Instruction::GlobalGet(0),
        Instruction::LocalGet(2),
        Instruction::I32Add,
        Instruction::I32Const(1),
        Instruction::I32Sub,
        Instruction::I32Const(0),
        Instruction::LocalGet(2),
        Instruction::I32Sub,
        Instruction::I32And,
        Instruction::LocalTee(4),
        // heap = ptr + new_size
        Instruction::LocalGet(3),
        Instruction::I32Add,
        Instruction::GlobalSet(0),
        Instruction::LocalGet(4),
        Instruction::End,
    ]
}
