//! Countries as ISO 3166-1 alpha-3 codes, normalised from what statistics publishers write.
//!
//! Publishers disagree on country codes: the World Bank and UNHCR use alpha-3 (`CAN`), Eurostat
//! and the OECD's JSON-stat samples use alpha-2 (`CA`) with two exceptions of their own (`EL` for
//! Greece, `UK` for the United Kingdom), and every publisher mixes in aggregates (`EU27_2020`,
//! `OECD`, the World Bank's regions such as `AFE` or `WLD`) that are not countries at all.
//! [`CountryMap::resolve`] turns any of these into a [`Resolved`] value, consulting a
//! caller-supplied map first, so an importer can keep countries and skip aggregates with a reason.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

/// A country or territory, stored as its row in the ISO 3166-1 table; displays as alpha-3.
///
/// Only codes in the table (plus Kosovo's user-assigned `XKX`, which Eurostat and the World Bank
/// use) can be built, so holding a `Country` means the code is real. It is `Copy` and one byte
/// wide, cheap to put in every observation.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country(u8);

/// ISO 3166-1: alpha-2, alpha-3 and short English name, sorted by alpha-2 (249 entries),
/// followed by the non-ISO codes that official statistics use as countries.
const TABLE: &[(&str, &str, &str)] = &[
    ("AD", "AND", "Andorra"),
    ("AE", "ARE", "United Arab Emirates"),
    ("AF", "AFG", "Afghanistan"),
    ("AG", "ATG", "Antigua and Barbuda"),
    ("AI", "AIA", "Anguilla"),
    ("AL", "ALB", "Albania"),
    ("AM", "ARM", "Armenia"),
    ("AO", "AGO", "Angola"),
    ("AQ", "ATA", "Antarctica"),
    ("AR", "ARG", "Argentina"),
    ("AS", "ASM", "American Samoa"),
    ("AT", "AUT", "Austria"),
    ("AU", "AUS", "Australia"),
    ("AW", "ABW", "Aruba"),
    ("AX", "ALA", "Åland Islands"),
    ("AZ", "AZE", "Azerbaijan"),
    ("BA", "BIH", "Bosnia and Herzegovina"),
    ("BB", "BRB", "Barbados"),
    ("BD", "BGD", "Bangladesh"),
    ("BE", "BEL", "Belgium"),
    ("BF", "BFA", "Burkina Faso"),
    ("BG", "BGR", "Bulgaria"),
    ("BH", "BHR", "Bahrain"),
    ("BI", "BDI", "Burundi"),
    ("BJ", "BEN", "Benin"),
    ("BL", "BLM", "Saint Barthélemy"),
    ("BM", "BMU", "Bermuda"),
    ("BN", "BRN", "Brunei Darussalam"),
    ("BO", "BOL", "Bolivia"),
    ("BQ", "BES", "Bonaire, Sint Eustatius and Saba"),
    ("BR", "BRA", "Brazil"),
    ("BS", "BHS", "Bahamas"),
    ("BT", "BTN", "Bhutan"),
    ("BV", "BVT", "Bouvet Island"),
    ("BW", "BWA", "Botswana"),
    ("BY", "BLR", "Belarus"),
    ("BZ", "BLZ", "Belize"),
    ("CA", "CAN", "Canada"),
    ("CC", "CCK", "Cocos (Keeling) Islands"),
    ("CD", "COD", "Congo, Democratic Republic of the"),
    ("CF", "CAF", "Central African Republic"),
    ("CG", "COG", "Congo"),
    ("CH", "CHE", "Switzerland"),
    ("CI", "CIV", "Côte d'Ivoire"),
    ("CK", "COK", "Cook Islands"),
    ("CL", "CHL", "Chile"),
    ("CM", "CMR", "Cameroon"),
    ("CN", "CHN", "China"),
    ("CO", "COL", "Colombia"),
    ("CR", "CRI", "Costa Rica"),
    ("CU", "CUB", "Cuba"),
    ("CV", "CPV", "Cabo Verde"),
    ("CW", "CUW", "Curaçao"),
    ("CX", "CXR", "Christmas Island"),
    ("CY", "CYP", "Cyprus"),
    ("CZ", "CZE", "Czechia"),
    ("DE", "DEU", "Germany"),
    ("DJ", "DJI", "Djibouti"),
    ("DK", "DNK", "Denmark"),
    ("DM", "DMA", "Dominica"),
    ("DO", "DOM", "Dominican Republic"),
    ("DZ", "DZA", "Algeria"),
    ("EC", "ECU", "Ecuador"),
    ("EE", "EST", "Estonia"),
    ("EG", "EGY", "Egypt"),
    ("EH", "ESH", "Western Sahara"),
    ("ER", "ERI", "Eritrea"),
    ("ES", "ESP", "Spain"),
    ("ET", "ETH", "Ethiopia"),
    ("FI", "FIN", "Finland"),
    ("FJ", "FJI", "Fiji"),
    ("FK", "FLK", "Falkland Islands (Malvinas)"),
    ("FM", "FSM", "Micronesia, Federated States of"),
    ("FO", "FRO", "Faroe Islands"),
    ("FR", "FRA", "France"),
    ("GA", "GAB", "Gabon"),
    ("GB", "GBR", "United Kingdom"),
    ("GD", "GRD", "Grenada"),
    ("GE", "GEO", "Georgia"),
    ("GF", "GUF", "French Guiana"),
    ("GG", "GGY", "Guernsey"),
    ("GH", "GHA", "Ghana"),
    ("GI", "GIB", "Gibraltar"),
    ("GL", "GRL", "Greenland"),
    ("GM", "GMB", "Gambia"),
    ("GN", "GIN", "Guinea"),
    ("GP", "GLP", "Guadeloupe"),
    ("GQ", "GNQ", "Equatorial Guinea"),
    ("GR", "GRC", "Greece"),
    ("GS", "SGS", "South Georgia and the South Sandwich Islands"),
    ("GT", "GTM", "Guatemala"),
    ("GU", "GUM", "Guam"),
    ("GW", "GNB", "Guinea-Bissau"),
    ("GY", "GUY", "Guyana"),
    ("HK", "HKG", "Hong Kong"),
    ("HM", "HMD", "Heard Island and McDonald Islands"),
    ("HN", "HND", "Honduras"),
    ("HR", "HRV", "Croatia"),
    ("HT", "HTI", "Haiti"),
    ("HU", "HUN", "Hungary"),
    ("ID", "IDN", "Indonesia"),
    ("IE", "IRL", "Ireland"),
    ("IL", "ISR", "Israel"),
    ("IM", "IMN", "Isle of Man"),
    ("IN", "IND", "India"),
    ("IO", "IOT", "British Indian Ocean Territory"),
    ("IQ", "IRQ", "Iraq"),
    ("IR", "IRN", "Iran"),
    ("IS", "ISL", "Iceland"),
    ("IT", "ITA", "Italy"),
    ("JE", "JEY", "Jersey"),
    ("JM", "JAM", "Jamaica"),
    ("JO", "JOR", "Jordan"),
    ("JP", "JPN", "Japan"),
    ("KE", "KEN", "Kenya"),
    ("KG", "KGZ", "Kyrgyzstan"),
    ("KH", "KHM", "Cambodia"),
    ("KI", "KIR", "Kiribati"),
    ("KM", "COM", "Comoros"),
    ("KN", "KNA", "Saint Kitts and Nevis"),
    ("KP", "PRK", "Korea, Democratic People's Republic of"),
    ("KR", "KOR", "Korea, Republic of"),
    ("KW", "KWT", "Kuwait"),
    ("KY", "CYM", "Cayman Islands"),
    ("KZ", "KAZ", "Kazakhstan"),
    ("LA", "LAO", "Lao People's Democratic Republic"),
    ("LB", "LBN", "Lebanon"),
    ("LC", "LCA", "Saint Lucia"),
    ("LI", "LIE", "Liechtenstein"),
    ("LK", "LKA", "Sri Lanka"),
    ("LR", "LBR", "Liberia"),
    ("LS", "LSO", "Lesotho"),
    ("LT", "LTU", "Lithuania"),
    ("LU", "LUX", "Luxembourg"),
    ("LV", "LVA", "Latvia"),
    ("LY", "LBY", "Libya"),
    ("MA", "MAR", "Morocco"),
    ("MC", "MCO", "Monaco"),
    ("MD", "MDA", "Moldova"),
    ("ME", "MNE", "Montenegro"),
    ("MF", "MAF", "Saint Martin (French part)"),
    ("MG", "MDG", "Madagascar"),
    ("MH", "MHL", "Marshall Islands"),
    ("MK", "MKD", "North Macedonia"),
    ("ML", "MLI", "Mali"),
    ("MM", "MMR", "Myanmar"),
    ("MN", "MNG", "Mongolia"),
    ("MO", "MAC", "Macao"),
    ("MP", "MNP", "Northern Mariana Islands"),
    ("MQ", "MTQ", "Martinique"),
    ("MR", "MRT", "Mauritania"),
    ("MS", "MSR", "Montserrat"),
    ("MT", "MLT", "Malta"),
    ("MU", "MUS", "Mauritius"),
    ("MV", "MDV", "Maldives"),
    ("MW", "MWI", "Malawi"),
    ("MX", "MEX", "Mexico"),
    ("MY", "MYS", "Malaysia"),
    ("MZ", "MOZ", "Mozambique"),
    ("NA", "NAM", "Namibia"),
    ("NC", "NCL", "New Caledonia"),
    ("NE", "NER", "Niger"),
    ("NF", "NFK", "Norfolk Island"),
    ("NG", "NGA", "Nigeria"),
    ("NI", "NIC", "Nicaragua"),
    ("NL", "NLD", "Netherlands"),
    ("NO", "NOR", "Norway"),
    ("NP", "NPL", "Nepal"),
    ("NR", "NRU", "Nauru"),
    ("NU", "NIU", "Niue"),
    ("NZ", "NZL", "New Zealand"),
    ("OM", "OMN", "Oman"),
    ("PA", "PAN", "Panama"),
    ("PE", "PER", "Peru"),
    ("PF", "PYF", "French Polynesia"),
    ("PG", "PNG", "Papua New Guinea"),
    ("PH", "PHL", "Philippines"),
    ("PK", "PAK", "Pakistan"),
    ("PL", "POL", "Poland"),
    ("PM", "SPM", "Saint Pierre and Miquelon"),
    ("PN", "PCN", "Pitcairn"),
    ("PR", "PRI", "Puerto Rico"),
    ("PS", "PSE", "Palestine, State of"),
    ("PT", "PRT", "Portugal"),
    ("PW", "PLW", "Palau"),
    ("PY", "PRY", "Paraguay"),
    ("QA", "QAT", "Qatar"),
    ("RE", "REU", "Réunion"),
    ("RO", "ROU", "Romania"),
    ("RS", "SRB", "Serbia"),
    ("RU", "RUS", "Russian Federation"),
    ("RW", "RWA", "Rwanda"),
    ("SA", "SAU", "Saudi Arabia"),
    ("SB", "SLB", "Solomon Islands"),
    ("SC", "SYC", "Seychelles"),
    ("SD", "SDN", "Sudan"),
    ("SE", "SWE", "Sweden"),
    ("SG", "SGP", "Singapore"),
    ("SH", "SHN", "Saint Helena, Ascension and Tristan da Cunha"),
    ("SI", "SVN", "Slovenia"),
    ("SJ", "SJM", "Svalbard and Jan Mayen"),
    ("SK", "SVK", "Slovakia"),
    ("SL", "SLE", "Sierra Leone"),
    ("SM", "SMR", "San Marino"),
    ("SN", "SEN", "Senegal"),
    ("SO", "SOM", "Somalia"),
    ("SR", "SUR", "Suriname"),
    ("SS", "SSD", "South Sudan"),
    ("ST", "STP", "Sao Tome and Principe"),
    ("SV", "SLV", "El Salvador"),
    ("SX", "SXM", "Sint Maarten (Dutch part)"),
    ("SY", "SYR", "Syrian Arab Republic"),
    ("SZ", "SWZ", "Eswatini"),
    ("TC", "TCA", "Turks and Caicos Islands"),
    ("TD", "TCD", "Chad"),
    ("TF", "ATF", "French Southern Territories"),
    ("TG", "TGO", "Togo"),
    ("TH", "THA", "Thailand"),
    ("TJ", "TJK", "Tajikistan"),
    ("TK", "TKL", "Tokelau"),
    ("TL", "TLS", "Timor-Leste"),
    ("TM", "TKM", "Turkmenistan"),
    ("TN", "TUN", "Tunisia"),
    ("TO", "TON", "Tonga"),
    ("TR", "TUR", "Türkiye"),
    ("TT", "TTO", "Trinidad and Tobago"),
    ("TV", "TUV", "Tuvalu"),
    ("TW", "TWN", "Taiwan, Province of China"),
    ("TZ", "TZA", "Tanzania, United Republic of"),
    ("UA", "UKR", "Ukraine"),
    ("UG", "UGA", "Uganda"),
    ("UM", "UMI", "United States Minor Outlying Islands"),
    ("US", "USA", "United States of America"),
    ("UY", "URY", "Uruguay"),
    ("UZ", "UZB", "Uzbekistan"),
    ("VA", "VAT", "Holy See"),
    ("VC", "VCT", "Saint Vincent and the Grenadines"),
    ("VE", "VEN", "Venezuela"),
    ("VG", "VGB", "Virgin Islands (British)"),
    ("VI", "VIR", "Virgin Islands (U.S.)"),
    ("VN", "VNM", "Viet Nam"),
    ("VU", "VUT", "Vanuatu"),
    ("WF", "WLF", "Wallis and Futuna"),
    ("WS", "WSM", "Samoa"),
    ("YE", "YEM", "Yemen"),
    ("YT", "MYT", "Mayotte"),
    ("ZA", "ZAF", "South Africa"),
    ("ZM", "ZMB", "Zambia"),
    ("ZW", "ZWE", "Zimbabwe"),
    // Not ISO 3166-1: user-assigned code for Kosovo, used by Eurostat, the EU and the World Bank.
    ("XK", "XKX", "Kosovo"),
];

/// Number of entries of [`TABLE`] that are ISO 3166-1 proper.
const ISO_LEN: usize = 249;

/// Indices into [`TABLE`] sorted by alpha-3, for binary search.
static BY_ALPHA3: LazyLock<Vec<u8>> = LazyLock::new(|| {
    // TABLE has fewer than 256 entries (checked by a test), so the index fits in a u8.
    let mut idx: Vec<u8> = (0..TABLE.len())
        .filter_map(|i| u8::try_from(i).ok())
        .collect();
    idx.sort_by_key(|&i| TABLE[usize::from(i)].1);
    idx
});

/// Aggregates that are not countries: Eurostat, OECD, World Bank and UN groupings.
///
/// Matched case-insensitively. Codes starting with `EU`, `EA`, `EEA`, `EFTA` or `EXT_` followed by
/// digits or `_` (Eurostat's `EU27_2020`, `EA19`, …), codes containing `_` and two-character codes
/// starting with a digit (BIS/IMF groupings such as `5J`) are aggregates too.
const AGGREGATES: &[&str] = &[
    // Eurostat
    "EU",
    "EA",
    "EEA",
    "EFTA",
    "EU27_2020",
    "EU28",
    "EU27",
    "EU25",
    "EU15",
    "EA19",
    "EA20",
    "TOTAL",
    "TOT",
    "UNK",
    "EXT_EU27_2020",
    "EXT_EU28",
    "EU_V",
    // OECD
    "OECD",
    "OECDE",
    "OECD_REP",
    "OECDAM",
    "OECDAO",
    "G7",
    "G20",
    "G-7",
    "G-20",
    "NMEC",
    "BRIICS",
    // World Bank regions and income groups
    "AFE",
    "AFW",
    "ARB",
    "CEB",
    "CSS",
    "EAP",
    "EAR",
    "EAS",
    "ECA",
    "ECS",
    "EMU",
    "EUU",
    "FCS",
    "HIC",
    "HPC",
    "IBD",
    "IBT",
    "IDA",
    "IDB",
    "IDX",
    "INX",
    "LAC",
    "LCN",
    "LDC",
    "LIC",
    "LMC",
    "LMY",
    "LTE",
    "MEA",
    "MIC",
    "MNA",
    "NAC",
    "OED",
    "OSS",
    "PRE",
    "PSS",
    "PST",
    "SAS",
    "SSA",
    "SSF",
    "SST",
    "TEA",
    "TEC",
    "TLA",
    "TMN",
    "TSA",
    "TSS",
    "UMC",
    "WLD",
    // World Bank: Channel Islands (Guernsey and Jersey together)
    "CHI",
    // UN / UNHCR
    "WORLD",
    "UKN",
    "XXA",
    "STA",
];

impl Country {
    /// The country with this ISO 3166-1 alpha-3 code (upper or lower case), if it exists.
    pub fn from_alpha3(code: &str) -> Option<Country> {
        let code = ascii_upper3(code)?;
        let idx = BY_ALPHA3
            .binary_search_by(|&i| TABLE[usize::from(i)].1.as_bytes().cmp(&code[..]))
            .ok()?;
        BY_ALPHA3.get(idx).map(|&i| Country(i))
    }

    /// The country with this ISO 3166-1 alpha-2 code (upper or lower case), if it exists.
    ///
    /// Strict ISO: Eurostat's `EL` and `UK` are not accepted here; [`Country::normalise`] does.
    pub fn from_alpha2(code: &str) -> Option<Country> {
        if code.len() != 2 {
            return None;
        }
        let upper = code.to_ascii_uppercase();
        // The ISO part is sorted by alpha-2; the few extras after it are searched in turn.
        let i = TABLE[..ISO_LEN]
            .binary_search_by(|row| row.0.cmp(upper.as_str()))
            .ok()
            .or_else(|| (ISO_LEN..TABLE.len()).find(|&i| TABLE[i].0 == upper))?;
        u8::try_from(i).ok().map(Country)
    }

    /// Normalises one code without a caller map: alpha-3, alpha-2, Eurostat's `EL` (Greece) and
    /// `UK` (United Kingdom), Kosovo's `XK`/`XKX`; aggregates come back as
    /// [`Resolved::NotACountry`].
    pub fn normalise(code: &str) -> Result<Resolved, UnknownCountry> {
        let code = code.trim();
        let found = match code.len() {
            3 => Country::from_alpha3(code),
            2 => match code.to_ascii_uppercase().as_str() {
                "EL" => Country::from_alpha3("GRC"),
                "UK" => Country::from_alpha3("GBR"),
                _ => Country::from_alpha2(code),
            },
            _ => None,
        };
        match found {
            Some(c) => Ok(Resolved::Country(c)),
            None if is_aggregate(code) => Ok(Resolved::NotACountry),
            None => Err(UnknownCountry {
                code: code.to_string(),
            }),
        }
    }

    /// The alpha-3 code, e.g. `CAN`.
    pub fn as_str(self) -> &'static str {
        self.row().1
    }

    /// The alpha-2 code, e.g. `CA` (ISO, so `GR` and `GB`, not Eurostat's `EL` and `UK`).
    pub fn alpha2(self) -> &'static str {
        self.row().0
    }

    /// Short English name, for messages and tables.
    pub fn name(self) -> &'static str {
        self.row().2
    }

    /// Every country this module knows, in alpha-2 order (ISO 3166-1 and then `XKX`).
    pub fn all() -> impl Iterator<Item = Country> {
        (0..TABLE.len()).filter_map(|i| u8::try_from(i).ok().map(Country))
    }

    /// Whether the code is ISO 3166-1 proper (false only for Kosovo's user-assigned `XKX`).
    pub fn is_iso(self) -> bool {
        usize::from(self.0) < ISO_LEN
    }

    fn row(self) -> &'static (&'static str, &'static str, &'static str) {
        // Country values are only built from indices into TABLE, so the index is in range;
        // the fallback to the first row can never be taken.
        TABLE.get(usize::from(self.0)).unwrap_or(&TABLE[0])
    }
}

fn ascii_upper3(code: &str) -> Option<[u8; 3]> {
    let b = code.as_bytes();
    if b.len() != 3 {
        return None;
    }
    Some([
        b[0].to_ascii_uppercase(),
        b[1].to_ascii_uppercase(),
        b[2].to_ascii_uppercase(),
    ])
}

/// Whether a code names an aggregate (a group of countries or a total), not one country.
///
/// Known codes: Eurostat's (`EU27_2020`, `EA19`, `EFTA`, `TOTAL`, …), the OECD's (`OECD`,
/// `G7`, …), the World Bank's regions and income groups (`AFE`, `ARB`, `WLD`, `HIC`, …) and
/// UNHCR's unknown/stateless; also any code with `_`, `EU`/`EA`/`EEA`/`EFTA` followed by
/// digits, and two-character codes starting with a digit (BIS `5J`). Codes that are countries
/// are never aggregates, so check [`Country::normalise`] first when both matter.
pub fn is_aggregate(code: &str) -> bool {
    let upper = code.trim().to_ascii_uppercase();
    if AGGREGATES.contains(&upper.as_str()) || upper.contains('_') {
        return true;
    }
    let b = upper.as_bytes();
    if b.len() == 2 && b[0].is_ascii_digit() {
        return true;
    }
    ["EU", "EA", "EEA", "EFTA"].iter().any(|prefix| {
        upper
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.bytes().next().is_some_and(|c| c.is_ascii_digit()))
    })
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Country({})", self.as_str())
    }
}

impl PartialOrd for Country {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Country {
    /// Alphabetical by alpha-3 code, the order tables are printed in.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::str::FromStr for Country {
    type Err = UnknownCountry;

    /// Parses a code that must name a country (alpha-3, alpha-2, `EL`, `UK`); aggregates are
    /// refused like unknown codes.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match Country::normalise(s)? {
            Resolved::Country(c) => Ok(c),
            Resolved::NotACountry => Err(UnknownCountry {
                code: s.trim().to_string(),
            }),
        }
    }
}

impl serde::Serialize for Country {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Country {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Country::from_alpha3(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("unknown ISO 3166-1 alpha-3 country code {s:?}"))
        })
    }
}

/// What a code in a file stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resolved {
    /// One country: keep the row.
    Country(Country),
    /// An aggregate or a code the caller mapped away: skip the row and say why.
    NotACountry,
}

/// A code that is neither a country, a known aggregate nor in the caller's map.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown country code {code:?}: not an ISO 3166-1 alpha-2 or alpha-3 code nor a known aggregate"
)]
pub struct UnknownCountry {
    /// The code as it appeared (trimmed).
    pub code: String,
}

/// Caller-supplied translations of publisher codes, consulted before the ISO table (the CLI's
/// `--country-map`).
///
/// Use it for codes this module cannot know: national codes (`5J` at the BIS), historical ones
/// (`DE_TOT`), or to skip a code on purpose.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CountryMap {
    entries: HashMap<String, Resolved>,
}

/// A line of a country-map file that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("country map line {line}: {message}")]
pub struct CountryMapError {
    /// 1-based line in the map text.
    pub line: usize,
    /// What was wrong and what was expected.
    pub message: String,
}

impl CountryMap {
    /// An empty map: only the built-in rules apply.
    pub fn new() -> Self {
        Self::default()
    }

    /// Maps `code` (matched case-insensitively, trimmed) to a country or to "not a country".
    pub fn insert(&mut self, code: &str, target: Resolved) {
        self.entries
            .insert(code.trim().to_ascii_uppercase(), target);
    }

    /// Builder form of [`CountryMap::insert`].
    #[must_use]
    pub fn with(mut self, code: &str, target: Resolved) -> Self {
        self.insert(code, target);
        self
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Parses a map file: one `CODE,COUNTRY` per line, where `COUNTRY` is an alpha-3 or alpha-2
    /// code, or `-` (or empty) for "not a country, skip it". Blank lines and lines starting
    /// with `#` are ignored.
    pub fn parse(text: &str) -> Result<Self, CountryMapError> {
        let mut map = CountryMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((from, to)) = line.split_once(',') else {
                return Err(CountryMapError {
                    line: i + 1,
                    message: format!(
                        "expected CODE,COUNTRY (e.g. `5J,-` or `DE_TOT,DEU`), found {line:?}"
                    ),
                });
            };
            let (from, to) = (from.trim(), to.trim());
            if from.is_empty() {
                return Err(CountryMapError {
                    line: i + 1,
                    message: "the code before the comma is empty".to_string(),
                });
            }
            let target = if to.is_empty() || to == "-" {
                Resolved::NotACountry
            } else {
                match Country::normalise(to) {
                    Ok(Resolved::Country(c)) => Resolved::Country(c),
                    _ => {
                        return Err(CountryMapError {
                            line: i + 1,
                            message: format!(
                                "{to:?} is not a country code; expected ISO 3166-1 alpha-3 or alpha-2, or `-` to skip"
                            ),
                        });
                    }
                }
            };
            map.insert(from, target);
        }
        Ok(map)
    }

    /// Resolves a code: this map first, then [`Country::normalise`].
    pub fn resolve(&self, code: &str) -> Result<Resolved, UnknownCountry> {
        if !self.entries.is_empty()
            && let Some(&r) = self.entries.get(&code.trim().to_ascii_uppercase())
        {
            return Ok(r);
        }
        Country::normalise(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(code: &str) -> Country {
        Country::from_alpha3(code).unwrap()
    }

    #[test]
    fn table_is_complete_sorted_and_unique() {
        assert_eq!(TABLE.len(), ISO_LEN + 1);
        assert!(TABLE.len() < 256);
        assert!(
            TABLE[..ISO_LEN].windows(2).all(|w| w[0].0 < w[1].0),
            "sorted by alpha-2"
        );
        let mut a3: Vec<&str> = TABLE.iter().map(|r| r.1).collect();
        a3.sort_unstable();
        a3.dedup();
        assert_eq!(a3.len(), TABLE.len(), "alpha-3 codes are unique");
        for row in TABLE {
            assert_eq!(row.0.len(), 2);
            assert_eq!(row.1.len(), 3);
            assert!(
                row.0
                    .bytes()
                    .chain(row.1.bytes())
                    .all(|b| b.is_ascii_uppercase())
            );
            let country = c(row.1);
            assert_eq!(country.alpha2(), row.0);
            assert!(
                !is_aggregate(row.1),
                "{} is both a country and an aggregate",
                row.1
            );
        }
    }

    #[test]
    fn normalises_alpha2_alpha3_and_eurostat_exceptions() {
        for (code, want) in [
            ("CAN", "CAN"),
            ("can", "CAN"),
            ("CA", "CAN"),
            (" DE ", "DEU"),
            ("EL", "GRC"),
            ("GR", "GRC"),
            ("UK", "GBR"),
            ("GB", "GBR"),
            ("XK", "XKX"),
            ("NZ", "NZL"),
        ] {
            assert_eq!(
                Country::normalise(code),
                Ok(Resolved::Country(c(want))),
                "{code}"
            );
        }
        assert_eq!(c("GRC").name(), "Greece");
        assert!(!c("XKX").is_iso());
        assert!(c("CAN").is_iso());
    }

    #[test]
    fn aggregates_are_not_countries() {
        for code in [
            "EU27_2020",
            "EU28",
            "EA19",
            "EA",
            "OECD",
            "WLD",
            "AFE",
            "ARB",
            "5J",
            "DE_TOT",
        ] {
            assert_eq!(
                Country::normalise(code),
                Ok(Resolved::NotACountry),
                "{code}"
            );
        }
        assert!(Country::normalise("XYZ").is_err());
        assert!(Country::normalise("").is_err());
        assert!("EU28".parse::<Country>().is_err());
    }

    #[test]
    fn caller_map_comes_first() {
        let map = CountryMap::parse("# BIS codes\n5J,-\nDE_TOT,DEU\nZZ, nz\n").unwrap();
        assert_eq!(map.resolve("5J"), Ok(Resolved::NotACountry));
        assert_eq!(map.resolve("de_tot"), Ok(Resolved::Country(c("DEU"))));
        assert_eq!(map.resolve("ZZ"), Ok(Resolved::Country(c("NZL"))));
        assert_eq!(map.resolve("FR"), Ok(Resolved::Country(c("FRA"))));
        let err = CountryMap::parse("5J;-").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(
            CountryMap::parse("QQ,QQQ")
                .unwrap_err()
                .message
                .contains("not a country")
        );
    }

    #[test]
    fn orders_by_alpha3_and_serialises_as_alpha3() {
        let mut v = vec![c("NZL"), c("AUS"), c("CAN")];
        v.sort();
        assert_eq!(v, [c("AUS"), c("CAN"), c("NZL")]);
        assert_eq!(serde_json::to_string(&c("CAN")).unwrap(), "\"CAN\"");
        assert_eq!(
            serde_json::from_str::<Country>("\"IRL\"").unwrap(),
            c("IRL")
        );
        assert_eq!(format!("{:?}", c("IRL")), "Country(IRL)");
    }
}
