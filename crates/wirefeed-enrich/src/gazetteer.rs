//! The entity gazetteer: countries, cities, regions and organisations, parsed from TOML
//! (`config/gazetteer.toml`, compiled in as [`crate::DEFAULT_GAZETTEER`]).

use std::collections::HashSet;

use serde::Deserialize;
use toml::Spanned;

use crate::error::{from_toml, line_col, EnrichError};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Country {
    pub code: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub capital: Option<String>,
    #[serde(default)]
    pub metonyms: Vec<String>,
    #[serde(default)]
    pub cities: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Named {
    pub name: Spanned<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    country: Vec<Country>,
    #[serde(default)]
    region: Vec<Named>,
    #[serde(default)]
    organisation: Vec<Named>,
}

/// A city we can place: its display name and the index of its country.
#[derive(Debug, Clone)]
pub(crate) struct City {
    pub name: String,
    pub country: usize,
}

/// Validated places and organisations to recognise. The default comes from
/// [`crate::DEFAULT_GAZETTEER`]; pass another to [`crate::Enricher::with_gazetteer`].
#[derive(Debug, Clone)]
pub struct Gazetteer {
    pub(crate) countries: Vec<Country>,
    pub(crate) regions: Vec<Named>,
    pub(crate) organisations: Vec<Named>,
    /// Capitals and other cities, in file order.
    pub(crate) cities: Vec<City>,
    /// Lower-cased city name → index into `cities`, for datelines.
    city_index: foldhash::HashMap<String, usize>,
    /// Lower-cased country name or alias → index into `countries`, for datelines.
    country_index: foldhash::HashMap<String, usize>,
}

impl Gazetteer {
    /// Parses and validates a gazetteer; `origin` names the text in errors.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Gazetteer, EnrichError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| from_toml(origin, text, e))?;
        let invalid =
            |span: std::ops::Range<usize>, entry: &str, message: String| EnrichError::Invalid {
                origin: origin.to_string(),
                line: line_col(text, span.start).0,
                topic: entry.to_string(),
                message,
            };
        let mut codes = HashSet::new();
        let mut cities = Vec::new();
        let mut city_index = foldhash::HashMap::default();
        let mut country_index = foldhash::HashMap::default();
        for (i, c) in raw.country.iter().enumerate() {
            let code = c.code.get_ref();
            if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(invalid(
                    c.code.span(),
                    code,
                    "country code must be two upper-case letters (ISO 3166-1 alpha-2)".into(),
                ));
            }
            if !codes.insert(code.clone()) {
                return Err(invalid(
                    c.code.span(),
                    code,
                    "duplicate country code".into(),
                ));
            }
            let names = std::iter::once(&c.name)
                .chain(&c.aliases)
                .chain(&c.metonyms);
            for n in names.chain(c.capital.iter()).chain(&c.cities) {
                if n.trim().is_empty() {
                    return Err(invalid(c.code.span(), code, "empty name".into()));
                }
            }
            for n in std::iter::once(&c.name).chain(&c.aliases) {
                country_index.entry(n.to_lowercase()).or_insert(i);
            }
            for city in c.capital.iter().chain(&c.cities) {
                city_index
                    .entry(city.to_lowercase())
                    .or_insert(cities.len());
                cities.push(City {
                    name: city.clone(),
                    country: i,
                });
            }
        }
        for n in raw.region.iter().chain(&raw.organisation) {
            if n.name.get_ref().trim().is_empty() || n.aliases.iter().any(|a| a.trim().is_empty()) {
                return Err(invalid(
                    n.name.span(),
                    n.name.get_ref(),
                    "empty name".into(),
                ));
            }
        }
        Ok(Gazetteer {
            countries: raw.country,
            regions: raw.region,
            organisations: raw.organisation,
            cities,
            city_index,
            country_index,
        })
    }

    /// The city named in a dateline (`Moscow`, `MOSCOW`), if we know it.
    pub(crate) fn city(&self, name: &str) -> Option<&City> {
        self.city_index
            .get(&name.trim().to_lowercase())
            .map(|&i| &self.cities[i])
    }

    /// The country with this name or alias, if we know it.
    pub(crate) fn country(&self, name: &str) -> Option<&Country> {
        self.country_index
            .get(&name.trim().to_lowercase())
            .map(|&i| &self.countries[i])
    }

    /// Every single-word name in the gazetteer, lower-cased: words that end a person's name
    /// ("counterpart Chuck Hagel Moscow wanted" is Chuck Hagel).
    pub(crate) fn single_words(&self) -> HashSet<String> {
        let mut out = HashSet::new();
        let mut add = |s: &str| {
            if !s.contains(char::is_whitespace) {
                out.insert(s.to_lowercase());
            }
        };
        for c in &self.countries {
            for n in std::iter::once(&c.name)
                .chain(&c.aliases)
                .chain(&c.metonyms)
                .chain(c.capital.iter())
                .chain(&c.cities)
            {
                add(n);
            }
        }
        for n in self.regions.iter().chain(&self.organisations) {
            add(n.name.get_ref());
            n.aliases.iter().for_each(|a| add(a));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_gazetteer_parses_and_has_enough_countries() {
        let g = Gazetteer::from_toml_str(crate::DEFAULT_GAZETTEER, "gazetteer.toml").unwrap();
        assert!(g.countries.len() >= 60, "{}", g.countries.len());
        assert_eq!(
            g.city("MOSCOW")
                .map(|c| g.countries[c.country].code.get_ref().as_str()),
            Some("RU")
        );
        assert_eq!(
            g.country("American").map(|c| c.name.as_str()),
            Some("United States")
        );
    }

    #[test]
    fn duplicate_country_code_is_an_error_with_line() {
        let text = "country = [\n { code = \"RU\", name = \"Russia\" },\n { code = \"RU\", name = \"Again\" },\n]\n";
        let err = Gazetteer::from_toml_str(text, "gaz.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("gaz.toml:3:"), "{err}");
        assert!(err.contains("duplicate country code"), "{err}");
    }
}
