//! Behaviour tests for the whole enricher: the seed story, topic cases (including the hard
//! negatives), entities, and configuration errors.

use std::sync::OnceLock;

use wirefeed_model::{Credit, CreditRole, Dateline, ItemFormat, PlaceKind, Story};

use crate::{Enricher, Taxonomy, DEFAULT_TAXONOMY};

/// A story modelled on the seed (same actors, places and vocabulary, our own wording), cleaned
/// as the normalizer leaves it. The seed itself lives in ../shared and is checked end to end by
/// the repository's `tests/seed.rs`; it is not copied here.
const SEED_HEADLINE: &str = "Russia asks for regular U.S. missile defense consultations";
const SEED_PARAGRAPHS: &[&str] = &[
    "MOSCOW, March 25 (Reuters) - Russia wants Washington to meet regularly to discuss missile defence in Europe, a sign that changed U.S. missile shield plans could ease a long dispute.",
    "Moscow softened its first reaction to the U.S. decision to add interceptors in Alaska and drop an interceptor once planned for central Europe.",
    "The former Cold War rivals have argued for years over the anti-missile shield that Washington is building in Europe together with NATO members.",
    "Russian Defence Minister Sergei Shoigu told his U.S. counterpart Chuck Hagel on Monday that Moscow wanted regular talks with Washington on the subject.",
    "Deputy ministers could hold the consultations, possibly with U.S. Under Secretary of Defence James Miller. Shoigu also suggested to Hagel a meeting of Russian and NATO defence ministers in Moscow in May.",
    "Washington says the system is aimed only at threats from states such as Iran.",
    "Moscow says the shield could one day let the West shoot down Russian intercontinental ballistic missiles and weaken its nuclear deterrent.",
    "Relations between Russia and the United States, both permanent members of the U.N. Security Council, have cooled over human rights, security and the war in Syria.",
    "The Pentagon said the change in U.S. air defences was needed to protect against North Korea, and presidential adviser, Yuri Ushakov, said an aide of President Barack Obama would visit Moscow for talks.",
];

fn enricher() -> &'static Enricher {
    static E: OnceLock<Enricher> = OnceLock::new();
    E.get_or_init(|| {
        let t = Taxonomy::from_toml_str(DEFAULT_TAXONOMY, "taxonomy.toml").unwrap();
        Enricher::new(t).unwrap()
    })
}

fn story(headline: &str, paragraphs: &[&str]) -> Story {
    let mut s = Story::new(
        "urn:wirefeed:story:test",
        "test".into(),
        ItemFormat::WireText,
        headline,
        paragraphs.iter().map(|p| p.to_string()).collect(),
    );
    s.language = Some("en".into());
    s
}

fn seed() -> Story {
    let mut s = story(SEED_HEADLINE, SEED_PARAGRAPHS);
    s.dateline = Some(Dateline {
        city: "Moscow".into(),
        country: None,
        agency: Some("Reuters".into()),
        date: None,
    });
    s.credits = vec![
        Credit {
            role: CreditRole::Reporting,
            name: "Gabriela Baczynska".into(),
            location: None,
        },
        Credit {
            role: CreditRole::Editing,
            name: "Angus MacSwan".into(),
            location: None,
        },
    ];
    s
}

fn topics_of(s: &Story) -> Vec<&str> {
    s.subjects.iter().map(|t| t.id.as_str()).collect()
}

/// `text` is the headline, a blank line, then paragraphs separated by blank lines.
/// `expected` lists topics that must fire; `!id` lists topics that must not.
fn check(text: &str, expected: &[&str]) {
    let mut parts = text.split("\n\n");
    let headline = parts.next().unwrap_or_default();
    let paragraphs: Vec<&str> = parts.collect();
    let mut s = story(headline, &paragraphs);
    enricher().enrich(&mut s);
    let got = topics_of(&s);
    for e in expected {
        match e.strip_prefix('!') {
            Some(not) => assert!(!got.contains(&not), "{not} fired for {text:?}: {got:?}"),
            None => assert!(got.contains(e), "{e} missing for {text:?}: {got:?}"),
        }
    }
}

#[test]
fn seed_story_topics() {
    let mut s = seed();
    enricher().enrich(&mut s);
    let got = topics_of(&s);
    assert!(got.contains(&"missile-defense"), "{got:?}");
    assert!(got.contains(&"diplomacy"), "{got:?}");
    assert!(!got.contains(&"sports"), "{got:?}");
    let qcodes: Vec<&str> = s
        .subjects
        .iter()
        .flat_map(|t| t.iptc.iter().map(|c| c.qcode.as_str()))
        .collect();
    for q in ["medtop:20000602", "medtop:20000598", "medtop:20000639"] {
        assert!(qcodes.contains(&q), "{q} missing: {qcodes:?}");
    }
    let md = s
        .subjects
        .iter()
        .find(|t| t.id == "missile-defense")
        .unwrap();
    assert_eq!(md.iptc[0].name, "military weaponry and equipment");
    assert!(md.relevance >= 90 && md.confidence >= 80, "{md:?}");
    assert_eq!(s.subjects[0].id, "missile-defense", "most relevant first");
}

#[test]
fn seed_story_entities() {
    let mut s = seed();
    enricher().enrich(&mut s);
    let place = |name: &str| s.places.iter().find(|p| p.name == name);
    let moscow = place("Moscow").expect("dateline city");
    assert_eq!(
        (
            moscow.kind,
            moscow.country_code.as_deref(),
            moscow.rel.as_str()
        ),
        (PlaceKind::City, Some("RU"), "dateline")
    );
    assert_eq!(s.places[0].name, "Moscow", "dateline first");
    let ru = place("Russia").expect("Russia");
    assert_eq!(
        (ru.kind, ru.country_code.as_deref(), ru.rel.as_str()),
        (PlaceKind::Country, Some("RU"), "mentioned")
    );
    assert_eq!(
        place("United States").and_then(|p| p.country_code.as_deref()),
        Some("US")
    );
    assert!(place("Europe").is_some_and(|p| p.kind == PlaceKind::Region));
    assert!(place("Iran").is_some() && place("North Korea").is_some() && place("Syria").is_some());
    let mut names: Vec<_> = s.places.iter().map(|p| (&p.name, p.kind as u8)).collect();
    names.dedup();
    assert_eq!(
        names.len(),
        s.places.len(),
        "no duplicate places: {:?}",
        s.places
    );

    let orgs: Vec<&str> = s.organisations.iter().map(|o| o.name.as_str()).collect();
    assert!(orgs.contains(&"NATO"), "{orgs:?}");
    assert!(orgs.contains(&"U.N. Security Council"), "{orgs:?}");
    assert!(orgs.contains(&"Pentagon"), "{orgs:?}");
    assert!(
        !orgs
            .iter()
            .any(|o| o.contains("RIA") || o.contains("Reuters")),
        "{orgs:?}"
    );

    let people: Vec<(&str, &str)> = s
        .people
        .iter()
        .map(|p| (p.name.as_str(), p.rel.as_str()))
        .collect();
    for want in [
        ("Gabriela Baczynska", "reporter"),
        ("Angus MacSwan", "editor"),
        ("Sergei Shoigu", "mentioned"),
        ("Chuck Hagel", "mentioned"),
        ("James Miller", "mentioned"),
        ("Yuri Ushakov", "mentioned"),
        ("Barack Obama", "mentioned"),
    ] {
        assert!(people.contains(&want), "{want:?} missing: {people:?}");
    }
    // "Shoigu" and "Hagel" alone must not become extra people.
    assert!(
        !people.iter().any(|(n, _)| *n == "Shoigu" || *n == "Hagel"),
        "{people:?}"
    );
    let mut unique: Vec<&str> = people.iter().map(|p| p.0).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), people.len(), "{people:?}");
}

#[test]
fn enriching_twice_gives_the_same_result() {
    let mut s = seed();
    enricher().enrich(&mut s);
    let once = s.clone();
    enricher().enrich(&mut s);
    assert_eq!(s, once);
}

#[test]
fn topic_cases() {
    check(
        "New England Patriots win\n\nThe New England Patriots beat the Jets 24-10 as their quarterback threw two touchdowns.",
        &["sports", "!missile-defense", "!military"],
    );
    check("Patriots win", &["!missile-defense"]);
    check(
        "North Korea fires a missile\n\nNorth Korea fired a missile into the sea on Tuesday in its latest missile test.",
        &["!missile-defense"],
    );
    check(
        "Missile test\n\nThe country carried out a missile test.",
        &["!missile-defense"],
    );
    check(
        "Jets edge Bills 17-14\n\nThe team's defense held in the fourth quarter and the coach praised the league's best defence.",
        &["sports", "!military"],
    );
    check(
        "Germany to buy Patriot batteries\n\nGermany will buy four more Patriot air defence systems to protect against missile attacks.",
        &["missile-defense", "military"],
    );
    check(
        "Israel's Iron Dome intercepts rockets\n\nThe Iron Dome system intercepted rockets fired from Gaza.",
        &["missile-defense"],
    );
    check(
        "Iran nuclear talks resume\n\nDiplomats said talks on Iran's uranium enrichment and its nuclear programme would resume, with the foreign minister attending.",
        &["nuclear-weapons", "diplomacy"],
    );
    check(
        "U.S., Russia sign arms control treaty\n\nThe New START treaty caps deployed nuclear warheads; arms control experts welcomed it.",
        &["arms-control", "nuclear-weapons"],
    );
    check(
        "EU imposes new sanctions on Moscow\n\nThe European Union imposed economic sanctions and an asset freeze on Russian banks.",
        &["sanctions"],
    );
    check(
        "Hackers hit hospital with ransomware\n\nA ransomware cyber attack crippled hospital computers.",
        &["cyber-security"],
    );
    check(
        "Magnitude 7.1 earthquake strikes Japan\n\nThe earthquake triggered a tsunami warning and the death toll rose.",
        &["disaster-accident"],
    );
    check(
        "Voters head to the polls in national election\n\nTurnout was high as voters cast their ballot for a new parliament.",
        &["elections", "politics"],
    );
    check(
        "Inflation slows as central bank holds interest rates\n\nThe economy grew and consumer prices rose less than expected.",
        &["economy", "!energy"],
    );
    check(
        "Oil prices jump as OPEC cuts output\n\nCrude oil rose after OPEC agreed to cut output by a million barrels per day.",
        &["energy"],
    );
    check(
        "NASA astronauts return from space station\n\nThe spacecraft landed after six months in orbit.",
        &["space", "science"],
    );
    check(
        "Suicide bomber kills 20\n\nA suicide bomber struck a market; Islamic State claimed the terror attack.",
        &["terrorism"],
    );
    check(
        "Rebels shell city as civil war rages\n\nShelling and airstrikes killed dozens as rebels pressed an offensive.",
        &["armed-conflict"],
    );
    check(
        "Trade war hits exports\n\nThe trade war between the two economies hurt exports and economic growth.",
        &["economy", "!armed-conflict"],
    );
    check(
        "Climate change talks stall\n\nGreenhouse gas emissions keep rising, scientists said, as global warming accelerates.",
        &["environment"],
    );
    check(
        "Man sentenced for murder\n\nA judge sentenced the man after he was convicted of murder; prosecutors had sought life.",
        &["crime-law"],
    );
    check(
        "Star Wars film tops box office\n\nThe new Star Wars movie led the box office as the actor thanked fans.",
        &["arts-entertainment", "!armed-conflict"],
    );
    check(
        "Vaccine rollout as outbreak spreads\n\nHealth officials said the virus outbreak had put hundreds of patients in hospital.",
        &["health"],
    );
    check(
        "Chipmaker unveils AI smartphone\n\nThe semiconductor firm's new smartphone runs artificial intelligence software.",
        &["technology"],
    );
    check(
        "Weather is fine today\n\nNothing happened.",
        &["!politics", "!sports", "!military"],
    );
}

#[test]
fn places_need_capitals_and_exact_acronyms() {
    let mut s = story(
        "Tell us about the turkey recipe",
        &["We roasted a turkey for us all in china bowls."],
    );
    enricher().enrich(&mut s);
    assert!(s.places.is_empty(), "{:?}", s.places);
    let mut s = story(
        "US and UK leaders meet in Geneva",
        &["Americans and Britons watched."],
    );
    enricher().enrich(&mut s);
    let got: Vec<(&str, Option<&str>)> = s
        .places
        .iter()
        .map(|p| (p.name.as_str(), p.country_code.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("United States", Some("US")),
            ("United Kingdom", Some("GB")),
            ("Geneva", Some("CH")),
            ("Switzerland", Some("CH"))
        ]
    );
}

#[test]
fn unknown_dateline_city_keeps_its_name_and_uses_the_country() {
    let mut s = story(
        "Storm hits town",
        &["SPRINGFIELD, Illinois (Reuters) - A storm."],
    );
    s.dateline = Some(Dateline {
        city: "Gotham".into(),
        country: Some("United States".into()),
        agency: None,
        date: None,
    });
    enricher().enrich(&mut s);
    assert_eq!(s.places[0].name, "Gotham");
    assert_eq!(s.places[0].country_code.as_deref(), Some("US"));
    assert_eq!(s.places[0].rel, "dateline");
}

#[test]
fn people_patterns() {
    let finder = &enricher().people;
    let found = finder.find(&[
        "Prime Minister David Cameron met Foreign Minister Sergei Lavrov on Tuesday.",
        "Secretary of State John Kerry and General Motors Co said. Lavrov later left.",
        "The spokesman, Dmitry Peskov, said Cameron would return.",
        // A title inside a word is no title; overlapping title prefixes ("Sen." and
        // "Senator") and a title inside a longer one ("Deputy Prime Minister") still work.
        "ExPresident John Smith and Sen. Bob Dole met Senator Sam Nunn.",
        "Deputy Prime Minister Nick Clegg spoke to Under Secretary of Defense James Miller.",
    ]);
    assert_eq!(
        found,
        [
            "David Cameron",
            "Sergei Lavrov",
            "John Kerry",
            "Dmitry Peskov",
            "Bob Dole",
            "Sam Nunn",
            "Nick Clegg",
            "James Miller"
        ]
    );
}

/// Property-test text: `parts` joined with a space, except where `glue` sticks two together,
/// so phrases and titles also appear inside and at the end of other words.
fn glued(parts: &[&str], glue: &[bool]) -> String {
    let mut text = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 && !glue[i] {
            text.push(' ');
        }
        text.push_str(p);
    }
    text
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
    /// The title-prefix scan (an automaton finds where titles may start, the pattern runs
    /// anchored there) finds exactly the names the pattern finds searched unanchored, on text
    /// built from titles, names, their pieces, glued words, punctuation and non-ASCII letters.
    #[test]
    fn title_scan_finds_what_the_unanchored_search_finds(
        parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "President", "Minister", "Prime", "Deputy", "Secretary", "of", "State",
                "Defence", "Sen.", "Senator", "Sen", "Rep.", "aide", "spokesman", "adviser",
                "Gen.", "General", "Chief", "Executive", "Pres", "Ex", "x", "_", "Sergei",
                "Senate", "Senat", "Directive", "Kingdom", "Homes", "aides", "Chair",
                "Shoigu", "Jean-Claude", "MacSwan", "Émile", "Zoë", "the", "said", "Monday",
                " ", " ", " ", "  ", ", ", ",", ".", "-", "\n", "\u{a0}", "é", "’", "1",
            ]),
            0..40,
        ),
        glue in proptest::collection::vec(proptest::bool::ANY, 40),
    ) {
        let text = glued(&parts, &glue);
        let fast = &enricher().people;
        static REFERENCE: OnceLock<crate::entities::PeopleFinder> = OnceLock::new();
        let reference = REFERENCE
            .get_or_init(|| crate::entities::PeopleFinder::unanchored(&enricher().gazetteer));
        let (mut a, mut b) = (Vec::new(), Vec::new());
        fast.names(&text, &mut a);
        reference.names(&text, &mut b);
        proptest::prop_assert_eq!(a, b, "text {:?}", text);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
    /// The phrase matcher with its run filter (a word whose leading run no key has is not
    /// walked) finds exactly what the plain per-character loop finds, with the default
    /// taxonomy and gazetteer: phrases, their pieces and plurals, words glued together, long
    /// words, punctuation, and non-ASCII letters and quotes between them.
    #[test]
    fn matcher_run_filter_finds_what_the_plain_loop_finds(
        parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "missile defence", "missile", "defense", "NATO", "U.S.", "US", "us", "EU",
                "Russia", "Russian", "Moscow", "Washington", "Zürich", "New York", "al-Qaeda",
                "oil", "toil", "art", "party", "ballistic missiles", "Pentagon", "G7",
                "interceptor", "Security Council", "Defence Ministry", "shield",
                "internationalisation", "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopq",
                "the", "said", "a", "x", "7", "_", " ", " ", "  ", ", ", ".", "-", "\n",
                "\u{a0}", "é", "’", "“", "Élysée", "Straße", "日本",
            ]),
            0..60,
        ),
        glue in proptest::collection::vec(proptest::bool::ANY, 60),
    ) {
        let text = glued(&parts, &glue);
        let m = &enricher().matcher;
        let (mut fast, mut plain) = (Vec::new(), Vec::new());
        m.for_each(&text, |r, t| fast.push((r, t.cloned().collect::<Vec<_>>())));
        m.for_each_reference(&text, |r, t| plain.push((r, t.cloned().collect::<Vec<_>>())));
        proptest::prop_assert_eq!(fast, plain, "text {:?}", text);
    }
}

/// Every labelled case of `eval/cases.toml` (the defence topics and their hard negatives);
/// the eval example tabulates the same file.
#[test]
fn labelled_cases() {
    #[derive(serde::Deserialize)]
    struct File {
        case: Vec<Case>,
    }
    #[derive(serde::Deserialize)]
    struct Case {
        text: String,
        #[serde(default)]
        expect: Vec<String>,
        #[serde(default)]
        reject: Vec<String>,
    }
    let file: File = toml::from_str(include_str!("../eval/cases.toml")).unwrap();
    assert!(file.case.len() >= 30, "{}", file.case.len());
    for c in &file.case {
        let wants: Vec<String> = c
            .expect
            .iter()
            .cloned()
            .chain(c.reject.iter().map(|r| format!("!{r}")))
            .collect();
        let wants: Vec<&str> = wants.iter().map(String::as_str).collect();
        check(&c.text, &wants);
    }
}

#[test]
fn check_lists_errors_and_warnings_with_file_line_and_topic() {
    let dir = std::env::temp_dir().join(format!("wirefeed-enrich-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases: &[(&str, &str, &[&str])] = &[
        ("clean.toml", "[[topic]]\nid = \"a\"\nlabel = \"A\"\niptc = [\"medtop:20000602\"]\ninclude = [\"x\"]\n", &[]),
        (
            "retired.toml",
            "[[topic]]\nid = \"a\"\nlabel = \"A\"\niptc = [\"medtop:20000030\"]\ninclude = [\"x\"]\n",
            &["retired.toml:2: warning: topic `a`: IPTC code `medtop:20000030` (music theatre) was retired"],
        ),
        (
            "broken.toml",
            "[[topic]]\nid = \"a\"\nlabel = \"A\"\ninclude = [\"x\"]\n\n[[topic]]\nid = \"b\"\nlabel = \"B\"\nparent = \"zz\"\ninclude = [\"y\"]\n",
            &["broken.toml:7: error: topic `b`: parent `zz` is not a topic id"],
        ),
    ];
    for (name, text, want) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let got: Vec<String> = crate::check(&path).iter().map(|d| d.to_string()).collect();
        assert_eq!(got.len(), want.len(), "{name}: {got:?}");
        for (g, w) in got.iter().zip(want.iter()) {
            assert!(
                g.starts_with(&format!("{}/{w}", dir.display())),
                "{name}: {g}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `check_explained(text, topic, rule, evidence)`: the explanation of `topic` for the story
/// names `rule` and lists every phrase of `evidence` (`role "text"` as displayed).
fn check_explained(text: &str, topic: &str, rule: &str, evidence: &[&str]) {
    let mut parts = text.split("\n\n");
    let headline = parts.next().unwrap_or_default();
    let s = story(headline, &parts.collect::<Vec<_>>());
    let shown = enricher().explain(&s).to_string();
    let block: Vec<&str> = shown
        .split_inclusive('\n')
        .skip_while(|l| !l.starts_with(&format!("{topic}  ")))
        .enumerate()
        .take_while(|(i, l)| *i == 0 || l.starts_with("    "))
        .map(|(_, l)| l)
        .collect();
    let block = block.concat();
    assert!(
        block.starts_with(&format!("{topic}  {rule}")),
        "{topic} {rule}:\n{shown}"
    );
    for e in evidence {
        assert!(block.contains(e), "{e} missing:\n{block}");
    }
}

#[test]
fn explanations_name_the_rule_and_the_phrases() {
    check_explained(
        "Germany to buy Patriot batteries\n\nGermany will buy Patriot air defence systems to protect against missile attacks.",
        "missile-defense",
        "fired  score",
        &["include \"Patriot batteries\" headline 15..32 +9.0", "paragraph 1", "context \"missile\""],
    );
    check_explained(
        "New England Patriots win\n\nThe Patriots beat the Jets.",
        "missile-defense",
        "excluded by \"New England Patriots\"",
        &[],
    );
    check_explained(
        "Patriot games\n\nThe Patriot game was fun.",
        "missile-defense",
        "no context phrase",
        &["include \"Patriot\" headline 0..7 +6.0"],
    );
    check_explained(
        "Talks go on\n\nNothing new.",
        "diplomacy",
        "below min_score  score 3.0 / 4.0",
        &["include \"Talks\" headline 0..5 +3.0"],
    );
    check_explained(
        "Germany to buy Patriot batteries\n\nGermany will buy Patriot air defence systems to protect against missile attacks.",
        "military",
        "implied by a child topic",
        &[],
    );
}

#[test]
fn explanation_agrees_with_the_tags() {
    let mut s = seed();
    let e = enricher().explain(&s);
    enricher().enrich(&mut s);
    let assigned: Vec<(&str, Option<u8>)> = e
        .topics
        .iter()
        .filter(|t| t.relevance.is_some())
        .map(|t| (t.topic.as_str(), t.relevance))
        .collect();
    let tagged: Vec<(&str, Option<u8>)> = s
        .subjects
        .iter()
        .map(|t| (t.id.as_str(), Some(t.relevance)))
        .collect();
    assert_eq!(assigned.len(), tagged.len());
    for t in &tagged {
        assert!(assigned.contains(t), "{t:?} not in {assigned:?}");
    }
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["topics"][0]["outcome"]["rule"], "fired");
}

#[test]
fn organisations_by_list_and_by_pattern() {
    let cases: &[(&str, &[&str])] = &[
        (
            "The Russian Defence Ministry said NATO and the U.N. Security Council were told.",
            &["NATO", "U.N. Security Council", "Russian Defence Ministry"],
        ),
        (
            "A spokesman for the Ministry of Foreign Affairs said the Foreign Ministry would reply.",
            &["Ministry of Foreign Affairs", "Foreign Ministry"],
        ),
        ("The ministry said nothing. Ministry officials left.", &[]),
        (
            "The EC and GATT met OPEC; the Bundesbank and the OECD watched.",
            &["European Community", "GATT", "OPEC", "Bundesbank", "OECD"],
        ),
        ("We met at the ec office in gatt street.", &[]),
        // Short acronyms never match inside words, in any case.
        (
            "EUROPEAN NEUTER; neutral Europe; UNDERWRITERS under a FUND, Unilever",
            &[],
        ),
        (
            "The EU and the UN agreed; the EU's plan went to the U.N.",
            &["European Union", "United Nations"],
        ),
    ];
    for (text, want) in cases {
        let mut s = story("Headline", &[text]);
        enricher().enrich(&mut s);
        let got: Vec<&str> = s.organisations.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(&got, want, "{text}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
    /// The pattern chosen for a text (ASCII classes unless it has non-ASCII letters or
    /// spaces) finds exactly what the Unicode one finds: both forms ("Russian Defence
    /// Ministry", "Ministry of Trade and Industry"), sentence words, lowercase words, glued
    /// words, every ASCII space, typographic punctuation, non-ASCII letters, digits and spaces.
    #[test]
    fn ascii_ministry_pattern_finds_what_the_unicode_one_finds(
        parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "Ministry", "Ministry", "of", "the", "and", "The", "In", "Russian", "Defence",
                "Trade", "Industry", "Zanzibar", "O'Neill", "U.S.", "Ex-Im", "oil", "said",
                "MINISTRY", "ministry", "x", "_", "1", " ", "  ", "\t", "\n", "\x0B", "\x0C",
                "\r", ",", ".", "-", "'", "\u{2019}", "\u{201C}", "\u{2013}", "Zürich", "É",
                "\u{a0}", "٣",
            ]),
            0..30,
        ),
        glue in proptest::collection::vec(proptest::bool::ANY, 30),
    ) {
        let text = glued(&parts, &glue);
        let patterns = &enricher().org_patterns;
        let spans = |re: &regex::Regex| re.find_iter(&text).map(|m| m.range()).collect::<Vec<_>>();
        proptest::prop_assert_eq!(
            spans(patterns.pattern_for(&text)),
            spans(&patterns.re),
            "text {:?}",
            text
        );
    }
}
