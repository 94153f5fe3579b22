//! Placeholder: the SDMX-CSV parse benchmark lands with its own commit.

fn main() {}
