//! The combined view of what the target requires, queried by FHIR element path.

use ira_parse::fhir::table::DefKind;
use serde::Serialize;
use serde_json::Value;

use super::artifacts::Artifacts;
use super::strip_indexes;
use super::structure::{Binding, ElementConstraint, StructureDefinition};
use super::terminology::{Membership, Terminology};
use super::usage::TargetUsage;

/// Where a requirement comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Source {
    /// The FHIR R4 base definition.
    BaseR4,
    /// A profile the user gave (its canonical URL).
    Profile(String),
    /// What the target's own samples show.
    TargetSamples,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::BaseR4 => f.write_str("base R4"),
            Source::Profile(url) => write!(f, "profile {url}"),
            Source::TargetSamples => f.write_str("target samples"),
        }
    }
}

/// A value and where it comes from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fact<T> {
    pub value: T,
    pub source: Source,
}

/// One profile's element for a path.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProfileElement {
    /// The profile's canonical URL.
    pub profile: String,
    pub element: ElementConstraint,
}

/// Everything known about one element path (`Patient.identifier.system`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ElementRequirements {
    /// The path asked for, without indexes.
    pub path: String,
    /// Allowed type codes (the base's; a profile's narrower list when it gives one).
    pub types: Vec<String>,
    /// Effective minimum: the tightest of base and profiles.
    pub min: Fact<u32>,
    /// Effective maximum (`None` = `*`): the tightest of base and profiles.
    pub max: Fact<Option<u32>>,
    /// Profiles flagging the element mustSupport.
    pub must_support: Vec<Source>,
    /// The tightest `maxLength` any profile states (string values), and where from.
    pub max_length: Option<Fact<u32>>,
    /// Fixed values, per profile (JSON).
    pub fixed: Vec<Fact<Value>>,
    /// Pattern values, per profile (JSON).
    pub pattern: Vec<Fact<Value>>,
    /// Bindings, per profile.
    pub bindings: Vec<Fact<Binding>>,
    /// Each profile's own element (facts kept per profile), without slices.
    pub profiles: Vec<ProfileElement>,
    /// Slices of this element the profiles define (`Patient.identifier:mrn`).
    pub slices: Vec<ProfileElement>,
    /// In how many target samples of the resource type the element is populated, of
    /// how many.
    pub usage: Option<Fact<(u32, u32)>>,
    /// Codes the target samples use here (`system|code`, or the bare code of a `code`
    /// element), with counts.
    pub target_codes: Vec<(String, u32)>,
}

impl ElementRequirements {
    /// Whether the element must be present (effective min ≥ 1).
    pub fn is_required(&self) -> bool {
        self.min.value >= 1
    }

    /// Whether any profile flags it mustSupport.
    pub fn is_must_support(&self) -> bool {
        !self.must_support.is_empty()
    }
}

/// The base definition of an element path, resolved through the R4 element table
/// (`Patient.identifier.system` → `Identifier.system`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BaseElement {
    pub min: u32,
    pub max: Option<u32>,
    pub types: Vec<&'static str>,
}

pub(crate) fn base_element(path: &str) -> Option<BaseElement> {
    let table = ira_parse::fhir::table::r4();
    let mut segs = path.split('.');
    let root = segs.next()?;
    table.kind(root)?;
    let segs: Vec<&str> = segs.collect();
    let mut base = root.to_string();
    let mut found = None;
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        if seg.ends_with("[x]") {
            if !last {
                return None;
            }
            let def = table.element(&format!("{base}.{seg}"))?;
            found = Some(BaseElement {
                min: def.min,
                max: def.max,
                types: def.types.clone(),
            });
            break;
        }
        let child = table.child(&base, seg)?;
        let types = if child.def.is_choice() {
            child.ty().into_iter().collect()
        } else {
            child.def.types.clone()
        };
        found = Some(BaseElement {
            min: child.def.min,
            max: child.def.max,
            types,
        });
        if !last {
            base = match table.children_base(&child) {
                Some(b) => b.to_string(),
                // A primitive's own id and extensions (`Patient.birthDate.extension`).
                None if child
                    .ty()
                    .is_some_and(|t| table.kind(t) == Some(DefKind::PrimitiveType)) =>
                {
                    "Element".to_string()
                }
                None => return None,
            };
        }
    }
    found
}

/// Whether a profile element path matches a query path (same length; a choice segment
/// `value[x]` matches `valueQuantity`).
fn path_matches(profile_path: &str, query: &str) -> bool {
    let mut p = profile_path.split('.');
    let mut q = query.split('.');
    loop {
        match (p.next(), q.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) => match a.strip_suffix("[x]") {
                Some(stem) => {
                    let Some(rest) = b.strip_prefix(stem) else {
                        return false;
                    };
                    if !rest.starts_with(|c: char| c.is_ascii_uppercase()) {
                        return false;
                    }
                }
                None => return false,
            },
            _ => return false,
        }
    }
}

/// Tighter of two maxima (`None` = unbounded).
fn tighter_max(a: Option<u32>, b: Option<u32>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x < y,
        (Some(_), None) => true,
        _ => false,
    }
}

/// What the target requires: profiles, their terminology, target sample usage, and the
/// R4 base. Build it, then query it with [`Requirements::element`].
#[derive(Clone, Debug, Default)]
pub struct Requirements {
    profiles: Vec<StructureDefinition>,
    terminology: Terminology,
    usage: Option<TargetUsage>,
}

impl Requirements {
    /// Only the R4 base.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a profile. Several profiles of the same type are all kept; their facts are
    /// reported per profile and the tightest cardinality wins.
    pub fn add_profile(&mut self, sd: StructureDefinition) {
        self.profiles.push(sd);
    }

    /// Adds loaded artifacts: their StructureDefinitions as profiles, their ValueSets
    /// and CodeSystems to the terminology.
    pub fn add_artifacts(&mut self, a: Artifacts) {
        self.profiles.extend(a.structure_definitions);
        for vs in a.value_sets {
            self.terminology.add_value_set(vs);
        }
        for cs in a.code_systems {
            self.terminology.add_code_system(cs);
        }
    }

    /// Sets what the target samples show.
    pub fn set_usage(&mut self, usage: TargetUsage) {
        self.usage = Some(usage);
    }

    pub fn usage(&self) -> Option<&TargetUsage> {
        self.usage.as_ref()
    }

    pub fn terminology(&self) -> &Terminology {
        &self.terminology
    }

    pub fn terminology_mut(&mut self) -> &mut Terminology {
        &mut self.terminology
    }

    pub fn profiles(&self) -> &[StructureDefinition] {
        &self.profiles
    }

    /// The profiles on a type (`Patient`).
    pub fn profiles_for<'a>(
        &'a self,
        type_name: &'a str,
    ) -> impl Iterator<Item = &'a StructureDefinition> + 'a {
        self.profiles
            .iter()
            .filter(move |p| p.type_name == type_name)
    }

    /// The element paths (no slices) that any profile of `type_name` states in its
    /// differential, or that are required or mustSupport: what rules should look at.
    pub fn constrained_paths(&self, type_name: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .profiles_for(type_name)
            .flat_map(|p| p.elements.iter())
            .filter(|e| e.slice.is_none() && e.path.contains('.'))
            .filter(|e| {
                (e.in_differential && (e.min_stated || e.max_stated || e.binding.is_some()))
                    || e.must_support
                    || e.fixed.is_some()
                    || e.pattern.is_some()
                    || e.min > 0
            })
            .map(|e| e.path.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Everything known about `path` (indexes are ignored: `Patient.identifier[0].system`
    /// is `Patient.identifier.system`). `None` when neither the R4 base nor any profile
    /// defines it.
    pub fn element(&self, path: &str) -> Option<ElementRequirements> {
        let path = strip_indexes(path);
        let type_name = path.split('.').next().unwrap_or_default();
        let base = base_element(&path);
        let mut profiles = Vec::new();
        let mut slices = Vec::new();
        for p in self.profiles_for(type_name) {
            for e in &p.elements {
                if !path_matches(&e.path, &path) {
                    continue;
                }
                let pe = ProfileElement {
                    profile: p.url.clone(),
                    element: e.clone(),
                };
                if e.slice.is_some() {
                    slices.push(pe);
                } else {
                    profiles.push(pe);
                }
            }
        }
        if base.is_none() && profiles.is_empty() {
            return None;
        }
        let (mut min, mut max, mut types) = match &base {
            Some(b) => (
                Fact {
                    value: b.min,
                    source: Source::BaseR4,
                },
                Fact {
                    value: b.max,
                    source: Source::BaseR4,
                },
                b.types.iter().map(|t| (*t).to_string()).collect::<Vec<_>>(),
            ),
            None => (
                Fact {
                    value: 0,
                    source: Source::BaseR4,
                },
                Fact {
                    value: None,
                    source: Source::BaseR4,
                },
                Vec::new(),
            ),
        };
        let mut must_support = Vec::new();
        let mut max_length: Option<Fact<u32>> = None;
        let mut fixed = Vec::new();
        let mut pattern = Vec::new();
        let mut bindings = Vec::new();
        for pe in &profiles {
            let e = &pe.element;
            let src = || Source::Profile(pe.profile.clone());
            if e.min > min.value {
                min = Fact {
                    value: e.min,
                    source: src(),
                };
            }
            if tighter_max(e.max, max.value) {
                max = Fact {
                    value: e.max,
                    source: src(),
                };
            }
            if !e.types.is_empty() && (types.is_empty() || e.types.len() < types.len()) {
                types = e.types.iter().map(|t| t.code.clone()).collect();
            }
            if e.must_support {
                must_support.push(src());
            }
            if let Some(n) = e.max_length
                && max_length.as_ref().is_none_or(|m| n < m.value)
            {
                max_length = Some(Fact {
                    value: n,
                    source: src(),
                });
            }
            if let Some((_, v)) = &e.fixed {
                fixed.push(Fact {
                    value: v.clone(),
                    source: src(),
                });
            }
            if let Some((_, v)) = &e.pattern {
                pattern.push(Fact {
                    value: v.clone(),
                    source: src(),
                });
            }
            if let Some(b) = &e.binding {
                bindings.push(Fact {
                    value: b.clone(),
                    source: src(),
                });
            }
        }
        let (usage, target_codes) = match &self.usage {
            Some(u) => {
                let of = u.samples.get(type_name).copied().unwrap_or(0);
                let p = u.paths.get(&path);
                let populated = p.map_or(0, |p| p.samples);
                let codes = p
                    .map(|p| p.codes.iter().map(|(c, n)| (c.clone(), *n)).collect())
                    .unwrap_or_default();
                (
                    (of > 0).then_some(Fact {
                        value: (populated, of),
                        source: Source::TargetSamples,
                    }),
                    codes,
                )
            }
            None => (None, Vec::new()),
        };
        Some(ElementRequirements {
            path,
            types,
            min,
            max,
            must_support,
            max_length,
            fixed,
            pattern,
            bindings,
            profiles,
            slices,
            usage,
            target_codes,
        })
    }

    /// Checks a code against every binding of `path`: for each binding, whether
    /// `system|code` is in its value set (`Unknown` when the value set was not given or
    /// cannot be enumerated).
    pub fn check_code(
        &self,
        path: &str,
        system: &str,
        code: &str,
    ) -> Vec<(Fact<Binding>, Membership)> {
        let Some(req) = self.element(path) else {
            return Vec::new();
        };
        req.bindings
            .into_iter()
            .map(|b| {
                let m = match &b.value.value_set {
                    Some(url) => self.terminology.contains(url, system, code),
                    None => Membership::Unknown,
                };
                (b, m)
            })
            .collect()
    }
}
