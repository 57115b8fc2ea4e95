//! A synthetic NAS-Bench-201-format table, for demos, tests and benchmarks.

use super::{nb201_arch_string, NB201_EDGES, NB201_OPS};
use modnas_param_space::ArchDesc;

/// Writes a synthetic NB201-format table of all 15 625 cells to `path`, for demos, tests and
/// benchmarks when the real NAS-Bench-201 data is not at hand: `acc` is a sum of random
/// per-(edge, op) contributions plus a small noise term; `flops` counts convolutions.
/// Returns the best `acc` and its arch string.
pub fn write_synthetic_nb201_table(
    path: &std::path::Path,
    seed: u64,
) -> std::io::Result<(f64, String)> {
    use rand::{Rng, SeedableRng};
    use std::io::Write;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let gain: Vec<Vec<f64>> = (0..6)
        .map(|_| (0..5).map(|_| rng.random::<f64>() * 0.02).collect())
        .collect();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "arch,acc,flops")?;
    let mut best = (f64::MIN, String::new());
    for i in 0..5usize.pow(6) {
        let ops: Vec<usize> = (0..6).map(|e| (i / 5usize.pow(e)) % 5).collect();
        let arch: ArchDesc = NB201_EDGES
            .iter()
            .zip(&ops)
            .map(|(e, &o)| (*e, NB201_OPS[o]))
            .collect();
        let key = nb201_arch_string(&arch).expect("a full NB201 arch");
        let acc = 0.8
            + ops
                .iter()
                .enumerate()
                .map(|(e, &o)| gain[e][o])
                .sum::<f64>()
            + rng.random::<f64>() * 1e-3;
        let flops = ops.iter().map(|&o| [0, 0, 1, 9, 0][o]).sum::<usize>();
        writeln!(out, "{key},{acc:.6},{flops}")?;
        let acc: f64 = format!("{acc:.6}")
            .parse()
            .expect("a formatted float parses");
        if acc > best.0 {
            best = (acc, key);
        }
    }
    out.flush()?;
    Ok(best)
}
