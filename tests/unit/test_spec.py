"""The cell's request is one typed record with one set of defaults; protections are matched by name."""
from grader.sandbox.spec import LAYERS, PROTECTIONS, CellSpec, missing


def test_spec_round_trips_as_json_and_ignores_unknown_keys():
    spec = CellSpec(device="cuda", uid=61003, hide=("/a", "/b"), expose=("/usr",), memory_bytes=1 << 30)
    assert CellSpec.from_json(spec.to_json()) == spec
    assert CellSpec.from_json(b'{"uid": 61001, "from_a_newer_grader": 1}') == CellSpec(uid=61001)


def test_protections_are_matched_by_name_never_by_prefix():
    assert missing(["netns", "pidns", "mountns", "uid"]) == []
    assert missing(["netns-user", "pidns", "uid-ish"]) == ["netns", "mountns", "uid"]
    assert set(PROTECTIONS) <= set(LAYERS)


def test_preload_crosses_and_only_the_known_modules_do():
    spec = CellSpec(preload=("torch",))
    assert CellSpec.from_json(spec.to_json()) == spec
    assert CellSpec.from_json(b'{"preload": ["os", "torch", "subprocess"]}').preload == ("torch",)
