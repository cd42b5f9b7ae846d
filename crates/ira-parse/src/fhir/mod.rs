//! FHIR R4 reader. (Being built: see issue 3.)
