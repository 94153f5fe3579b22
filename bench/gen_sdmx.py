"""Seeded synthetic SDMX-CSV 2.0 for the import benchmarks (bench/import.sh,
bench/import_profile.sh): usage gen_sdmx.py ROWS PATH. Deterministic (seed 42); values are
integers with one decimal, about 5 % flagged E."""
import random, sys, itertools
rows, path = int(sys.argv[1]), sys.argv[2]
random.seed(42)
iso = ["AUS","AUT","BEL","BGR","BRA","CAN","CHE","CHL","CHN","COL","CRI","CYP","CZE","DEU","DNK","ESP","EST","FIN","FRA","GBR",
       "GRC","HRV","HUN","IDN","IND","IRL","ISL","ISR","ITA","JPN","KOR","LTU","LUX","LVA","MEX","MLT","NLD","NOR","NZL","POL",
       "PRT","ROU","SVK","SVN","SWE","TUR","USA","ZAF","ARG","EGY"]
# 50 real ISO codes x 4 sub-keys = 200 "areas" is not possible (REF_AREA must be a country),
# so the series key carries the variety: 50 countries x 200 indicators x 2 sexes x years.
indicators = [f"IND{i:03d}" for i in range(200)]
years_needed = -(-rows // (len(iso) * len(indicators) * 2))
years = [str(1950 + y) for y in range(years_needed)]
with open(path, "w") as f:
    f.write("STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,SEX,TIME_PERIOD,OBS_VALUE,OBS_STATUS\n")
    n = 0
    for y, c, ind, sex in itertools.product(years, iso, indicators, ("F", "M")):
        if n == rows:
            break
        v = random.randint(0, 10_000_000) / 10
        status = "E" if random.random() < 0.05 else "A"
        f.write(f"dataflow,BENCH:SYNTH(1.0),I,{c},{ind},{sex},{y},{v},{status}\n")
        n += 1
