//! Base-R4 conformance of FHIR resources with fhirbolt. (Being built: see issue 3.)
