//! SDMX-CSV parse throughput on a seeded synthetic file of 1,000,000 rows, generated in memory
//! before timing starts. The target for a whole import is ≥ 1,000,000 observations/s;
//! parsing must leave most of that budget to the database.
//!
//! The file looks like a Eurostat SDMX-CSV 2.0 export (`migr_asyappctza`-style dimensions):
//! series-major, 17 years per series, about 5% empty values flagged `:`, some `p`/`e` flags,
//! and aggregates (`EU27_2020`) in the country column that are skipped with a reason.
//!
//! Run: `cargo bench -p chancery-stats --bench parse` (divan prints items/s = rows/s).

#![allow(clippy::unwrap_used, clippy::expect_used)] // bench code: a failure should stop the run

use std::hint::black_box;
use std::sync::LazyLock;

use chancery_stats::{Duplicates, ImportOptions, read_sdmx_csv};
use divan::Bencher;
use divan::counter::ItemsCount;

const ROWS: usize = 1_000_000;

static DATA: LazyLock<Vec<u8>> = LazyLock::new(|| synthetic_sdmx(ROWS, 0x5eed_cafe));

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn synthetic_sdmx(rows: usize, seed: u64) -> Vec<u8> {
    const GEO: [&str; 32] = [
        "AT",
        "BE",
        "BG",
        "CH",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "EL",
        "ES",
        "FI",
        "FR",
        "HR",
        "HU",
        "IE",
        "IS",
        "IT",
        "LI",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "NO",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "EU27_2020",
    ];
    const SEX: [&str; 3] = ["F", "M", "T"];
    const AGE: [&str; 5] = ["TOTAL", "Y_LT14", "Y14-17", "Y18-34", "Y_GE35"];
    // 70 citizenships: two-letter codes plus the totals Eurostat publishes.
    let mut citizen: Vec<String> = (b'A'..=b'Z')
        .flat_map(|a| [b'F', b'R', b'Y'].map(|b| format!("{}{}", a as char, b as char)))
        .take(68)
        .collect();
    citizen.extend(["TOTAL".to_string(), "EXT_EU27_2020".to_string()]);
    let mut rng = Rng(seed);
    let mut out = Vec::with_capacity(rows * 90);
    out.extend_from_slice(
        b"STRUCTURE,STRUCTURE_ID,ACTION,freq,unit,citizen,sex,age,asyl_app,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG,CONF_STATUS\n",
    );
    let mut written = 0;
    'done: for citizen in &citizen {
        for sex in SEX {
            for age in AGE {
                for app in ["ASY_APP", "NASY_APP"] {
                    for geo in GEO {
                        for year in 2008..2025 {
                            if written == rows {
                                break 'done;
                            }
                            let (value, flag) = match rng.below(100) {
                                0..5 => (String::new(), ":"),
                                5..8 => (rng.below(100_000).to_string(), "p"),
                                8..10 => (rng.below(100_000).to_string(), "e"),
                                _ => (rng.below(100_000).to_string(), ""),
                            };
                            let line = format!(
                                "dataflow,ESTAT:MIGR_ASYAPPCTZA(1.0),I,A,PER,{citizen},{sex},{age},{app},{geo},{year},{value},{flag},F\n"
                            );
                            out.extend_from_slice(line.as_bytes());
                            written += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!(
        written, rows,
        "the generator's cube holds {written} rows; enlarge it"
    );
    out
}

fn main() {
    // Build the input before any timing.
    LazyLock::force(&DATA);
    divan::main();
}

/// Stream every row, with duplicate checking on (the default).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn sdmx_csv_1m_rows_stream(bencher: Bencher) {
    bencher.counter(ItemsCount::new(ROWS)).bench(|| {
        let reader = read_sdmx_csv(&DATA[..], &ImportOptions::default()).unwrap();
        let kept = reader.map(Result::unwrap).count();
        black_box(kept)
    });
}

/// Stream every row without the duplicate check (for callers that check against the store).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn sdmx_csv_1m_rows_stream_no_dup_check(bencher: Bencher) {
    let opts = ImportOptions {
        duplicates: Duplicates::Ignore,
        ..ImportOptions::default()
    };
    bencher.counter(ItemsCount::new(ROWS)).bench(|| {
        let reader = read_sdmx_csv(&DATA[..], &opts).unwrap();
        black_box(reader.map(Result::unwrap).count())
    });
}

/// Read everything into a `Vec<Observation>` (what `import` does).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn sdmx_csv_1m_rows_collect(bencher: Bencher) {
    bencher.counter(ItemsCount::new(ROWS)).bench(|| {
        let result = read_sdmx_csv(&DATA[..], &ImportOptions::default())
            .unwrap()
            .collect_all()
            .unwrap();
        black_box(result.observations.len())
    });
}
