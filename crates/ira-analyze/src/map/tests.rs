use super::*;

fn p(s: &str) -> V2Path {
    V2Path::parse(s).unwrap()
}

#[test]
fn builtin_loads() {
    let m = Map::try_builtin().unwrap();
    assert!(m.segment("PID").is_some());
}

#[test]
fn probe() {
    let m = Map::builtin();
    for s in [
        "PID-3",
        "PID-3.4.1",
        "PID-3.4",
        "PID-5",
        "PID-5.1",
        "PID-5.1.1",
        "PID-8",
        "PID-21.1",
        "PID-7",
        "PID-7.2",
        "PID-3.9",
        "OBX-5",
        "OBX-16.2.1",
        "OBX-24.3",
        "PV1-2",
        "PV1-3.1",
        "PV1-7.2",
        "XYZ-1",
        "PID-11.1.1",
    ] {
        println!("== {s}");
        for t in m.targets(&p(s)) {
            println!(
                "  {} | {:?} | {:?} | {:?} | cond {:?} | assigned {:?} | exact {}",
                t.full_path(),
                t.fhir_type,
                t.datatype_maps,
                t.vocabulary,
                t.conditions
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>(),
                t.assigned,
                t.exact
            );
        }
    }
    for t in [
        "0001", "0002", "0004", "0007", "0063", "0078", "0085", "0125", "0203",
    ] {
        let v = m.vocabulary(t).map(|v| (v.name.clone(), v.concepts.len()));
        println!(
            "{t}: {v:?} {:?}",
            m.vocabularies_for(t)
                .iter()
                .map(|v| &v.name)
                .collect::<Vec<_>>()
        );
    }
}
