//! Which of the model folder's ONNX files to run: fp32 (`model.onnx`), or int8 where the CPU
//! runs it fast and exactly enough.
//!
//! The folder may hold two int8 exports (see its README): `model_int8_vnni.onnx` has signed
//! weights, which ONNX Runtime multiplies with its U8S8 kernels. Those use VNNI (AVX-512 VNNI
//! or AVX-VNNI) where the CPU has it, and run 1.66× fp32 on the project's machines; on an x86
//! CPU with AVX2 but no VNNI they can saturate 16-bit sums and lose accuracy.
//! `model_quantized.onnx` has unsigned weights: safe everywhere, but no faster than fp32
//! where VNNI is what would make int8 fast. So `auto` runs the signed int8 file on a CPU with
//! VNNI and fp32 anywhere else; `int8` asks for int8 (the signed file with VNNI, the unsigned
//! one without); `fp32` always runs `model.onnx`.

use std::path::{Path, PathBuf};

/// The model's fp32 file.
pub const FP32_FILE: &str = "model.onnx";
/// Int8 with signed weights, for CPUs with VNNI.
pub const INT8_VNNI_FILE: &str = "model_int8_vnni.onnx";
/// Int8 with unsigned weights, safe on any CPU.
pub const INT8_UNSIGNED_FILE: &str = "model_quantized.onnx";

pub use crate::config::Precision;

/// The file chosen, and why, in words for `doctor` and the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFile {
    /// Its path.
    pub path: PathBuf,
    /// `fp32`, `int8 (signed, VNNI)` or `int8 (unsigned)`.
    pub variant: &'static str,
    /// Why this one.
    pub reason: String,
}

/// Whether this CPU has VNNI (AVX-512 VNNI or AVX-VNNI), which ONNX Runtime's U8S8 int8
/// kernels use.
pub fn cpu_has_vnni() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512vnni") || std::arch::is_x86_feature_detected!("avxvnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The file of `dir` to run for `precision` on a CPU that has VNNI or not.
pub fn choose(dir: &Path, precision: Precision, vnni: bool) -> ModelFile {
    let fp32 = |reason: String| ModelFile { path: dir.join(FP32_FILE), variant: "fp32", reason };
    let signed = dir.join(INT8_VNNI_FILE);
    let unsigned = dir.join(INT8_UNSIGNED_FILE);
    match precision {
        Precision::Fp32 => fp32("fp32 was configured".into()),
        Precision::Auto if vnni && signed.exists() => ModelFile {
            path: signed,
            variant: "int8 (signed, VNNI)",
            reason: "the CPU has VNNI, so int8 runs about 1.7× fp32 (search.model_precision = \"fp32\" to turn it off)"
                .into(),
        },
        Precision::Auto if vnni => fp32(format!("the CPU has VNNI, but {INT8_VNNI_FILE} is not in the model folder")),
        Precision::Auto => fp32("the CPU has no VNNI, where int8 is no faster or less exact".into()),
        Precision::Int8 if vnni && signed.exists() => ModelFile {
            path: signed,
            variant: "int8 (signed, VNNI)",
            reason: "int8 was configured and the CPU has VNNI".into(),
        },
        Precision::Int8 if unsigned.exists() => ModelFile {
            path: unsigned,
            variant: "int8 (unsigned)",
            reason: if vnni {
                format!("int8 was configured; {INT8_VNNI_FILE} is not in the model folder")
            } else {
                "int8 was configured; without VNNI the unsigned-weight file is the exact one".into()
            },
        },
        Precision::Int8 => fp32(format!(
            "int8 was configured, but the model folder has no {}",
            if vnni { INT8_VNNI_FILE } else { INT8_UNSIGNED_FILE }
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int8_only_where_the_cpu_and_the_folder_allow_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str| std::fs::write(dir.path().join(name), b"onnx").unwrap();
        file(FP32_FILE);
        let name = |precision, vnni| choose(dir.path(), precision, vnni).path.file_name().unwrap().to_owned();
        // Only fp32 in the folder: fp32 whatever is asked.
        for precision in [Precision::Auto, Precision::Fp32, Precision::Int8] {
            assert_eq!(name(precision, true), FP32_FILE);
        }
        file(INT8_VNNI_FILE);
        file(INT8_UNSIGNED_FILE);
        assert_eq!(name(Precision::Auto, true), INT8_VNNI_FILE);
        assert_eq!(name(Precision::Auto, false), FP32_FILE, "no signed int8 without VNNI");
        assert_eq!(name(Precision::Int8, true), INT8_VNNI_FILE);
        assert_eq!(name(Precision::Int8, false), INT8_UNSIGNED_FILE);
        assert_eq!(name(Precision::Fp32, true), FP32_FILE);
        assert!(choose(dir.path(), Precision::Auto, false).reason.contains("no VNNI"));
        assert_eq!(" INT8 ".parse::<Precision>().ok(), Some(Precision::Int8));
        assert!("fp16".parse::<Precision>().is_err());
    }
}
