//! The FHIR R4 element table: every element of every R4 resource and data type, with its
//! base cardinality and type(s), generated from the official StructureDefinitions by
//! `scripts/gen-r4-elements.py` into `data/r4-elements.tsv` and loaded once on first use.
//!
//! The reader uses it to tell R4 resource types from others, to know which XML elements
//! repeat (JSON arrays) and which values are numbers or booleans, and to find unknown
//! elements and values of the wrong JSON type. Analysis can use it for base cardinalities.

use std::collections::HashMap;
use std::sync::OnceLock;

const TSV: &str = include_str!("../../data/r4-elements.tsv");

/// What a top-level name of the table defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefKind {
    /// A concrete resource type (`Patient`).
    Resource,
    /// `Resource` and `DomainResource`: never the `resourceType` of an instance.
    AbstractResource,
    /// A complex data type (`HumanName`, `Quantity`, `BackboneElement`).
    ComplexType,
    /// A primitive data type (`string`, `decimal`, `dateTime`).
    PrimitiveType,
}

/// The base definition of one element, e.g. `Patient.name`: `0..*`, `HumanName`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElementDef {
    /// The element path as defined, with `[x]` for choice elements (`Observation.value[x]`).
    pub path: &'static str,
    /// Minimum cardinality.
    pub min: u32,
    /// Maximum cardinality: `None` for `*`.
    pub max: Option<u32>,
    /// The allowed type codes (`Quantity`, `string`, `BackboneElement`); empty for a
    /// content reference.
    pub types: Vec<&'static str>,
    /// `Questionnaire.item` for an element defined as `#Questionnaire.item`.
    pub content_ref: Option<&'static str>,
}

impl ElementDef {
    /// Whether the element repeats (max > 1): a JSON array.
    pub fn repeats(&self) -> bool {
        self.max != Some(0) && self.max != Some(1)
    }

    /// Whether the element is a choice (`value[x]`).
    pub fn is_choice(&self) -> bool {
        self.path.ends_with("[x]")
    }
}

/// The loaded R4 table. Get it with [`r4`].
#[derive(Debug)]
pub struct R4Table {
    defs: FastMap<&'static str, DefKind>,
    /// Element definitions in table order.
    elements: Vec<ElementDef>,
    by_path: FastMap<&'static str, usize>,
    /// Children by parent path, then by name as written (`valueQuantity` for a choice),
    /// resolved once here so that checking a resource costs two hash lookups a member.
    children: FastMap<&'static str, FastMap<Box<str>, ChildEntry>>,
}

#[derive(Clone, Copy, Debug)]
struct ChildEntry {
    index: usize,
    ty: Option<&'static str>,
    shape: JsonShape,
    base: Option<&'static str>,
}

/// The R4 table, parsed on first use.
pub fn r4() -> &'static R4Table {
    static TABLE: OnceLock<R4Table> = OnceLock::new();
    TABLE.get_or_init(|| R4Table::parse(TSV))
}

impl R4Table {
    fn parse(tsv: &'static str) -> Self {
        let mut defs = FastMap::default();
        let mut elements = Vec::new();
        let mut by_path = FastMap::default();
        for line in tsv.lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let mut cols = line.split('\t');
            let (Some(path), Some(min), Some(max), Some(types)) =
                (cols.next(), cols.next(), cols.next(), cols.next())
            else {
                continue; // the table is generated; a short row cannot occur
            };
            if min == "-" {
                let kind = match types {
                    "resource" => DefKind::Resource,
                    "abstract-resource" => DefKind::AbstractResource,
                    "primitive-type" => DefKind::PrimitiveType,
                    _ => DefKind::ComplexType,
                };
                defs.insert(path, kind);
                continue;
            }
            let (types, content_ref) = match types.strip_prefix('#') {
                Some(r) => (Vec::new(), Some(r)),
                None => (types.split(',').collect(), None),
            };
            by_path.insert(path, elements.len());
            elements.push(ElementDef {
                path,
                min: min.parse().unwrap_or(0),
                max: if max == "*" { None } else { max.parse().ok() },
                types,
                content_ref,
            });
        }
        let mut t = Self {
            defs,
            elements,
            by_path,
            children: FastMap::default(),
        };
        let mut children: FastMap<&'static str, FastMap<Box<str>, ChildEntry>> = FastMap::default();
        for (index, def) in t.elements.iter().enumerate() {
            let Some((parent, name)) = def.path.rsplit_once('.') else {
                continue;
            };
            let map = children.entry(parent).or_default();
            let mut add = |name: Box<str>, ty: Option<&'static str>| {
                let c = Child { def, ty };
                let ty = c.ty().unwrap_or("BackboneElement");
                let entry = ChildEntry {
                    index,
                    ty: c.ty,
                    shape: t.shape(ty),
                    base: t.base_of(&c),
                };
                map.insert(name, entry);
            };
            match name.strip_suffix("[x]") {
                Some(stem) => {
                    for ty in &def.types {
                        let mut n = String::with_capacity(stem.len() + ty.len());
                        n.push_str(stem);
                        let mut cs = ty.chars();
                        if let Some(c) = cs.next() {
                            n.push(c.to_ascii_uppercase());
                            n.push_str(cs.as_str());
                        }
                        add(n.into(), Some(*ty));
                    }
                }
                None => add(name.into(), None),
            }
        }
        t.children = children;
        t
    }

    /// What `name` defines (`Patient` → resource, `HumanName` → complex type).
    pub fn kind(&self, name: &str) -> Option<DefKind> {
        self.defs.get(name).copied()
    }

    /// Whether `name` is a concrete R4 resource type.
    pub fn is_resource_type(&self, name: &str) -> bool {
        self.kind(name) == Some(DefKind::Resource)
    }

    /// The table's own copy of the resource type `name` (a `'static` name, so that
    /// callers can key caches by it), `None` if it is not a concrete R4 resource type.
    pub(crate) fn resource_type(&self, name: &str) -> Option<&'static str> {
        self.defs
            .get_key_value(name)
            .filter(|(_, k)| **k == DefKind::Resource)
            .map(|(k, _)| *k)
    }

    /// All concrete R4 resource type names (unordered).
    pub fn resource_types(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.defs
            .iter()
            .filter(|(_, k)| **k == DefKind::Resource)
            .map(|(n, _)| *n)
    }

    /// The definition of an element by its defined path (`Observation.value[x]`).
    pub fn element(&self, path: &str) -> Option<&ElementDef> {
        self.by_path.get(path).and_then(|&i| self.elements.get(i))
    }

    /// Every element definition, in table order.
    pub fn elements(&self) -> impl Iterator<Item = &ElementDef> + '_ {
        self.elements.iter()
    }

    /// Resolves the child `name` (as written in JSON or XML, e.g. `valueQuantity`) of an
    /// element whose children are defined under `base` (`Observation`, `HumanName`,
    /// `Patient.contact`).
    pub fn child(&self, base: &str, name: &str) -> Option<Child<'_>> {
        let e = self.children.get(base)?.get(name)?;
        let def = self.elements.get(e.index)?;
        Some(Child { def, ty: e.ty })
    }

    /// [`R4Table::child`], with the JSON shape of its type and where its children are
    /// defined.
    pub fn child_with_shape(
        &self,
        base: &str,
        name: &str,
    ) -> Option<(Child<'_>, JsonShape, Option<&'static str>)> {
        let e = self.children.get(base)?.get(name)?;
        let def = self.elements.get(e.index)?;
        Some((Child { def, ty: e.ty }, e.shape, e.base))
    }

    /// The children defined under `base` (see [`R4Table::child_with_shape`]): one
    /// lookup of `base` for all the members of an object.
    pub(crate) fn children_of(&self, base: &str) -> Option<Children<'_>> {
        Some(Children {
            table: self,
            map: self.children.get(base)?,
        })
    }

    /// Where the children of a value of element `child` are defined: the type name for a
    /// data type (`HumanName`), the element path for an inline backbone element
    /// (`Patient.contact`), the referenced path for a content reference. `None` for
    /// primitives and resources (a resource's children are under its `resourceType`).
    pub fn children_base(&self, child: &Child<'_>) -> Option<&'static str> {
        self.base_of(child)
    }

    fn base_of(&self, child: &Child<'_>) -> Option<&'static str> {
        if let Some(r) = child.def.content_ref {
            return Some(r);
        }
        let ty = child.ty()?;
        match ty {
            "BackboneElement" | "Element" => Some(child.def.path),
            "Resource" => None,
            _ => match self.kind(ty) {
                Some(DefKind::ComplexType) => self.defs.get_key_value(ty).map(|(k, _)| *k),
                _ => None,
            },
        }
    }

    fn shape(&self, ty: &str) -> JsonShape {
        match ty {
            "boolean" => JsonShape::Boolean,
            "integer" | "positiveInt" | "unsignedInt" | "decimal" | "integer64" => {
                JsonShape::Number
            }
            _ if ty.starts_with("System.") => JsonShape::String,
            _ => match self.kind(ty) {
                Some(DefKind::PrimitiveType) => JsonShape::String,
                _ => JsonShape::Object,
            },
        }
    }
}

/// The children of one base (see [`R4Table::children_of`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Children<'t> {
    table: &'t R4Table,
    map: &'t FastMap<Box<str>, ChildEntry>,
}

impl<'t> Children<'t> {
    /// [`R4Table::child_with_shape`] of this base.
    pub(crate) fn get(&self, name: &str) -> Option<(Child<'t>, JsonShape, Option<&'static str>)> {
        let e = self.map.get(name)?;
        let def = self.table.elements.get(e.index)?;
        Some((Child { def, ty: e.ty }, e.shape, e.base))
    }
}

/// An element found by [`R4Table::child`].
#[derive(Clone, Copy, Debug)]
pub struct Child<'t> {
    pub def: &'t ElementDef,
    /// For a choice element, the type chosen by the name.
    ty: Option<&'static str>,
}

impl Child<'_> {
    /// The element's type: the chosen type of a choice, else its only type. `None` for a
    /// content reference (a backbone element).
    pub fn ty(&self) -> Option<&'static str> {
        if self.ty.is_some() {
            return self.ty;
        }
        if self.def.content_ref.is_some() {
            return Some("BackboneElement");
        }
        self.def.types.first().copied()
    }
}

/// Element names are short and trusted (the table's own keys): a word-at-a-time hash
/// beats SipHash (and byte-at-a-time FNV) by a wide margin here.
type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<crate::hash::WordHash>>;

/// How a value of a FHIR type is written in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonShape {
    String,
    Number,
    Boolean,
    Object,
}

/// The JSON shape of a type code.
pub fn json_shape(ty: &str) -> JsonShape {
    r4().shape(ty)
}

/// The FHIR version a non-R4 resource type belongs to (`STU3 or earlier`, `R4B or R5`),
/// for the types of other versions that R4 does not have. Used to tell
/// `fhir-wrong-version` from `fhir-unknown-resource-type`.
pub fn other_version(resource_type: &str) -> Option<&'static str> {
    if EARLIER_RESOURCE_TYPES.contains(&resource_type) {
        Some("STU3 or earlier")
    } else if LATER_RESOURCE_TYPES.contains(&resource_type) {
        Some("R4B or R5")
    } else {
        None
    }
}

/// DSTU2 and STU3 resource types that R4 removed or renamed.
pub const EARLIER_RESOURCE_TYPES: &[&str] = &[
    "BodySite",
    "Conformance",
    "DataElement",
    "DeviceComponent",
    "DeviceUseRequest",
    "DiagnosticOrder",
    "EligibilityRequest",
    "EligibilityResponse",
    "ExpansionProfile",
    "ImagingManifest",
    "MedicationOrder",
    "Order",
    "OrderResponse",
    "ProcedureRequest",
    "ProcessRequest",
    "ProcessResponse",
    "ReferralRequest",
    "Sequence",
    "ServiceDefinition",
];

/// R4B and R5 resource types that R4 does not have.
pub const LATER_RESOURCE_TYPES: &[&str] = &[
    "ActorDefinition",
    "AdministrableProductDefinition",
    "ArtifactAssessment",
    "BiologicallyDerivedProductDispense",
    "Citation",
    "ClinicalUseDefinition",
    "ConditionDefinition",
    "DeviceDispense",
    "DeviceUsage",
    "EncounterHistory",
    "EvidenceReport",
    "FormularyItem",
    "GenomicStudy",
    "ImagingSelection",
    "Ingredient",
    "InventoryItem",
    "InventoryReport",
    "ManufacturedItemDefinition",
    "MedicinalProductDefinition",
    "NutritionIntake",
    "NutritionProduct",
    "PackagedProductDefinition",
    "Permission",
    "RegulatedAuthorization",
    "RequestOrchestration",
    "Requirements",
    "SubscriptionStatus",
    "SubscriptionTopic",
    "TestPlan",
    "Transport",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_loads_resources_and_elements() {
        let t = r4();
        assert!(t.is_resource_type("Patient"));
        assert!(!t.is_resource_type("DomainResource"));
        assert!(!t.is_resource_type("HumanName"));
        assert_eq!(t.resource_types().count(), 146);
        let name = t.element("Patient.name").unwrap();
        assert_eq!((name.min, name.max), (0, None));
        assert!(name.repeats());
        let status = t.element("Observation.status").unwrap();
        assert_eq!((status.min, status.max), (1, Some(1)));
        for other in EARLIER_RESOURCE_TYPES.iter().chain(LATER_RESOURCE_TYPES) {
            assert!(t.kind(other).is_none(), "{other} is in R4");
        }
    }

    #[test]
    fn choice_children_resolve_by_type() {
        let t = r4();
        let c = t.child("Observation", "valueQuantity").unwrap();
        assert_eq!(c.def.path, "Observation.value[x]");
        assert_eq!(c.ty(), Some("Quantity"));
        assert_eq!(t.children_base(&c), Some("Quantity"));
        let c = t.child("Observation", "valueDateTime").unwrap();
        assert_eq!(c.ty(), Some("dateTime"));
        assert!(t.child("Observation", "valueFoo").is_none());
        assert!(t.child("Patient", "foo").is_none());
        let c = t.child("Patient", "contact").unwrap();
        assert_eq!(t.children_base(&c), Some("Patient.contact"));
        let c = t.child("Questionnaire.item", "item").unwrap();
        assert_eq!(t.children_base(&c), Some("Questionnaire.item"));
    }
}
